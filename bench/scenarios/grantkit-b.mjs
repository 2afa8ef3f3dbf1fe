// (b) authorization URL (state + PKCE) + code exchange + refresh.
import { createPkce, createTokenClient, oauth2, randomState } from '@grantkit/core';

const adapter = oauth2({
  clientId: 'id',
  tokenEndpoint: 'https://as.example/token',
  authorizationEndpoint: 'https://as.example/authorize',
  redirectUri: 'https://app.example/cb',
});
const client = createTokenClient({ adapter });
export async function login() {
  const state = randomState();
  const { verifier, challenge } = await createPkce();
  return { url: adapter.authorizationUrl({ state, codeChallenge: challenge }), state, verifier };
}
export const callback = (code, verifier) => client.exchangeCode(code, { codeVerifier: verifier });
export const refresh = () => client.refresh();
export const getToken = () => client.getAccessToken();
