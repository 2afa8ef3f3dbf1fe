// (b) authorization URL (state + PKCE) + code exchange + refresh, generic OAuth2Client.
import { CodeChallengeMethod, OAuth2Client, generateCodeVerifier, generateState } from 'arctic';

const client = new OAuth2Client('id', null, 'https://app.example/cb');
export function login() {
  const state = generateState();
  const verifier = generateCodeVerifier();
  const url = client.createAuthorizationURLWithPKCE(
    'https://as.example/authorize',
    state,
    CodeChallengeMethod.S256,
    verifier,
    [],
  );
  return { url: url.href, state, verifier };
}
export const callback = (code, verifier) =>
  client.validateAuthorizationCode('https://as.example/token', code, verifier);
export const refresh = (refreshToken) =>
  client.refreshAccessToken('https://as.example/token', refreshToken, []);
