// (a) client_credentials with the library's own token cache/renewal (OAuth2Fetch).
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';

const client = new OAuth2Client({
  clientId: 'id',
  clientSecret: 'secret',
  tokenEndpoint: 'https://as.example/token',
});
const wrapper = new OAuth2Fetch({ client, getNewToken: () => client.clientCredentials() });
export const getToken = () => wrapper.getAccessToken();
