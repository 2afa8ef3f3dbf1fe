// `deno run --node-modules-dir=manual --allow-net=127.0.0.1 examples/deno/main.mjs`
// A Deno script importing core: a Partner API token and the GraphQL ping, against the vendor
// emulator running in the same process (set FD_CLIENT_ID / FD_CLIENT_SECRET to use the real sandbox).
import {
  createGraphQLClient,
  createTokenClient,
  firstDollarGraphQLEndpoint,
  firstDollarPartner,
} from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';

const real = Deno.env.get('FD_CLIENT_ID') !== undefined;
const emulator = real ? undefined : createVendorEmulator();
const adapter = real
  ? firstDollarPartner({
      clientId: Deno.env.get('FD_CLIENT_ID'),
      clientSecret: Deno.env.get('FD_CLIENT_SECRET'),
    })
  : firstDollarPartner({ ...TEST_CREDENTIALS.firstDollarPartner });
const tokenClient = createTokenClient({ adapter, ...(emulator ? { fetch: emulator.fetch } : {}) });
const graphql = createGraphQLClient({ tokenClient, endpoint: firstDollarGraphQLEndpoint() });
console.log(
  real ? 'First Dollar sandbox' : 'vendor emulator',
  '→',
  JSON.stringify(await graphql.request('query { ping }')),
);
