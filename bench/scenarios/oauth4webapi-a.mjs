// (a) client_credentials. oauth4webapi has no token cache: the few lines of caching are the user's.
import * as oauth from 'oauth4webapi';

const as = { issuer: 'https://as.example', token_endpoint: 'https://as.example/token' };
const client = { client_id: 'id' };
const auth = oauth.ClientSecretBasic('secret');
let cached;
export async function getToken() {
  if (cached && cached.expiresAt > Date.now()) return cached.token;
  const response = await oauth.clientCredentialsGrantRequest(as, client, auth, {});
  const result = await oauth.processClientCredentialsResponse(as, client, response);
  cached = {
    token: result.access_token,
    expiresAt: Date.now() + (result.expires_in ?? 3600) * 1000 - 60_000,
  };
  return cached.token;
}
