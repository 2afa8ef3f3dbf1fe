// (b) authorization URL (state + PKCE) + code exchange + refresh.
import { OAuth2Client, OAuth2Fetch, generateCodeVerifier } from '@badgateway/oauth2-client';

const client = new OAuth2Client({
  clientId: 'id',
  server: 'https://as.example',
  tokenEndpoint: '/token',
  authorizationEndpoint: '/authorize',
});
const redirectUri = 'https://app.example/cb';
export async function login() {
  const codeVerifier = await generateCodeVerifier();
  const state = crypto.randomUUID();
  return {
    url: await client.authorizationCode.getAuthorizeUri({ redirectUri, state, codeVerifier }),
    state,
    codeVerifier,
  };
}
let token = null;
const wrapper = new OAuth2Fetch({ client, getNewToken: () => token });
export async function callback(currentUrl, state, codeVerifier) {
  token = await client.authorizationCode.getTokenFromCodeRedirect(currentUrl, {
    redirectUri,
    state,
    codeVerifier,
  });
  return token;
}
export const refresh = () => wrapper.refreshToken();
export const getToken = () => wrapper.getAccessToken();
