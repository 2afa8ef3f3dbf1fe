// (a') client_credentials with the First Dollar Partner adapter (the product's main use).
import { createTokenClient, firstDollarPartner } from '@grantkit/core';

const client = createTokenClient({
  adapter: firstDollarPartner({ clientId: 'id', clientSecret: 'secret' }),
});
export const getToken = () => client.getAccessToken();
