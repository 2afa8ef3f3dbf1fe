// (a) client_credentials only: a cached, self-renewing token from a generic RFC 6749 server.
import { createTokenClient, oauth2 } from '@grantkit/core';

const client = createTokenClient({
  adapter: oauth2({
    clientId: 'id',
    clientSecret: 'secret',
    tokenEndpoint: 'https://as.example/token',
    clientCredentials: true,
  }),
});
export const getToken = () => client.getAccessToken();
