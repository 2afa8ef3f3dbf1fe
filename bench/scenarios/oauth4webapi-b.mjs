// (b) authorization URL (state + PKCE) + code exchange + refresh.
import * as oauth from 'oauth4webapi';

const as = {
  issuer: 'https://as.example',
  authorization_endpoint: 'https://as.example/authorize',
  token_endpoint: 'https://as.example/token',
};
const client = { client_id: 'id' };
const auth = oauth.None();
const redirectUri = 'https://app.example/cb';
export async function login() {
  const verifier = oauth.generateRandomCodeVerifier();
  const challenge = await oauth.calculatePKCECodeChallenge(verifier);
  const state = oauth.generateRandomState();
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set('client_id', client.client_id);
  url.searchParams.set('redirect_uri', redirectUri);
  url.searchParams.set('response_type', 'code');
  url.searchParams.set('code_challenge', challenge);
  url.searchParams.set('code_challenge_method', 'S256');
  url.searchParams.set('state', state);
  return { url: url.href, state, verifier };
}
export async function callback(currentUrl, state, verifier) {
  const params = oauth.validateAuthResponse(as, client, new URL(currentUrl), state);
  const response = await oauth.authorizationCodeGrantRequest(
    as,
    client,
    auth,
    params,
    redirectUri,
    verifier,
  );
  return oauth.processAuthorizationCodeResponse(as, client, response);
}
export async function refresh(refreshToken) {
  const response = await oauth.refreshTokenGrantRequest(as, client, auth, refreshToken);
  return oauth.processRefreshTokenResponse(as, client, response);
}
