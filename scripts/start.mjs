// `npm start`: the demo. Until the React demo lands it runs the emulator and shows what core does.
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { createTokenClient, createGraphQLClient, firstDollarPartner, firstDollarGraphQLEndpoint } from '@grantkit/core';

const emulator = createVendorEmulator();
const server = await listenEmulator(emulator, { port: Number(process.env.PORT ?? 0) });
const client = createTokenClient({ adapter: firstDollarPartner({ ...TEST_CREDENTIALS.firstDollarPartner, apiBaseUrl: server.url }) });
const graphql = createGraphQLClient({ tokenClient: client, endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: server.url }) });
console.log(`vendor emulator (First Dollar, First Orion, Orange Logic, OAuth 2.0) on ${server.url}`);
console.log('First Dollar Partner token: fetched', (await client.getTokenSet()).expiresAt > Date.now() ? '(valid for an hour)' : '');
console.log('query { ping } →', JSON.stringify(await graphql.request('query { ping }')));
console.log(`token requests made: ${emulator.count({ path: '/v0/auth/token' })}`);
console.log('The React demo (login → consent → pong → logout) replaces this once @grantkit/react lands.');
if (process.env.GRANTKIT_DEMO_EXIT !== '0') await server.close();
