// `DENO_NO_UPDATE_CHECK=1 npx deno run --unstable-kv --unstable-cron --node-modules-dir=manual --allow-net=127.0.0.1 --allow-env examples/deno/main.mjs`
// A Deno script importing core: a Partner API token and the GraphQL ping, against the vendor
// emulator running in the same process (set FD_CLIENT_ID / FD_CLIENT_SECRET to use the real sandbox).
// Then the nightly job of a vault on Deno KV, scheduled with Deno.cron: run once now for the demo
// (GRANTKIT_CRON=1 keeps the process up for the schedule instead).
import {
  createGraphQLClient,
  createTokenClient,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  firstDollarPartner,
} from '@grantkit/core';
import { denoKvEngine } from '@grantkit/core/deno-kv';
import { createVault } from '@grantkit/core/vault';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';

const real = Deno.env.get('FD_CLIENT_ID') !== undefined;
const emulator = real ? undefined : createVendorEmulator();
const viaEmulator = emulator ? { fetch: emulator.fetch } : {};
const adapter = real
  ? firstDollarPartner({
      clientId: Deno.env.get('FD_CLIENT_ID'),
      clientSecret: Deno.env.get('FD_CLIENT_SECRET'),
    })
  : firstDollarPartner({ ...TEST_CREDENTIALS.firstDollarPartner });
const tokenClient = createTokenClient({ adapter, ...viaEmulator });
const graphql = createGraphQLClient({ tokenClient, endpoint: firstDollarGraphQLEndpoint() });
console.log(
  real ? 'First Dollar sandbox' : 'vendor emulator',
  '→',
  JSON.stringify(await graphql.request('query { ping }')),
);

// Connections that outlive the session (an OAuth App's users), on Deno KV: ':memory:' for the demo;
// Deno.openKv() (a file, or Deno Deploy's KV shared by every isolate) in an app.
const app = Deno.env.get('FD_APP_ID')
  ? {
      appId: Deno.env.get('FD_APP_ID'),
      clientId: Deno.env.get('FD_APP_CLIENT_ID'),
      clientSecret: Deno.env.get('FD_APP_CLIENT_SECRET'),
    }
  : real
    ? Deno.exit(0) // a real Partner without an OAuth App: nothing to keep alive
    : TEST_CREDENTIALS.firstDollarApp;
const vault = createVault({
  engine: denoKvEngine(await Deno.openKv(emulator ? ':memory:' : undefined)),
  secret: Deno.env.get('TOKEN_SECRET') ?? 'dev-only-vault-secret-change-me-0123456789',
  adapter: firstDollarApp(app),
  ...viaEmulator,
});
if (emulator) {
  // What the OAuth callback does for a user who just logged in (the edge's `vault` option does it for you).
  const login = createTokenClient({ adapter: firstDollarApp(app), ...viaEmulator });
  const code = emulator.issueCode('firstDollar', app.appId, { userId: 'demo-user' });
  await vault.put('demo-user', await login.exchangeCode(code));
}

// The nightly job: keep refresh tokens alive, then sync every connected user (here: a ping).
const endpoint = firstDollarGraphQLEndpoint({ appId: app.appId });
async function nightly() {
  const report = await vault.keepAlive({ concurrency: 8 }); // one run at a time across processes
  let synced = 0;
  for (const { id } of await vault.list({ state: 'active' })) {
    const gql = createGraphQLClient({ tokenClient: vault.client(id), endpoint });
    if (
      await gql.request('query { ping }').then(
        () => true,
        () => false,
      )
    )
      synced++;
  }
  console.log(
    `nightly job → ${JSON.stringify({ ran: report.ran, renewed: report.renewed, synced })}`,
  );
}
Deno.cron('grantkit nightly', '0 3 * * *', nightly);
if (Deno.env.get('GRANTKIT_CRON') !== '1') {
  await nightly();
  Deno.exit(0);
}
