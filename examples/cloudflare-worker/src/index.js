// A Cloudflare Worker: the First Dollar OAuth App backend-for-frontend. Secrets come from
// `wrangler secret put`; FD_API_BASE_URL / FD_CONSENT_BASE_URL point it at an emulator in dev.
// Sessions live in Workers KV (SESSIONS) and each session's refreshes run in one Durable Object
// (REFRESHER), so any number of isolates cause one refresh per session. A login is also filed into
// a vault on Durable Objects (VAULT) under the app's own user id, and a Cron Trigger runs the
// nightly job on it. This example has no user system: see `appUserId` below before deploying.
// Try it: `npm run build && node_modules/.bin/node examples/cloudflare-worker/dev.mjs`
import { createAuthHandler } from '@grantkit/edge';
import {
  durableObjectCoordinator,
  durableObjectEngine,
  kvSessionStore,
  sessionRefresher,
  SharedEngineObject,
} from '@grantkit/edge/cloudflare';
import { createGraphQLClient, firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVault } from '@grantkit/core/vault';

const apiBase = (env) => (env.FD_API_BASE_URL ? { apiBaseUrl: env.FD_API_BASE_URL } : {});
const adapterFor = (env) =>
  firstDollarApp({
    appId: env.FD_APP_ID,
    clientId: env.FD_CLIENT_ID,
    clientSecret: env.FD_CLIENT_SECRET,
    ...apiBase(env),
    ...(env.FD_CONSENT_BASE_URL ? { consentBaseUrl: env.FD_CONSENT_BASE_URL } : {}),
  });
const graphqlEndpoint = (env) =>
  firstDollarGraphQLEndpoint({ appId: env.FD_APP_ID, ...apiBase(env) });

/** The Durable Object class bound as REFRESHER in wrangler.toml; it writes renewed sessions to KV itself. */
export const SessionRefresher = sessionRefresher((env) => ({
  adapter: adapterFor(env),
  sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }),
}));
/** The Durable Object class bound as VAULT: the vault's engine (one object per key, sealed values only). */
export { SharedEngineObject };

// Connections that outlive the session, for background jobs: one refresh per connection across
// every isolate (the engine's lock and compare-and-swap run inside the objects).
let vault;
const vaultFor = (env) =>
  (vault ??= createVault({
    engine: durableObjectEngine(env.VAULT),
    secret: env.TOKEN_SECRET,
    adapter: adapterFor(env),
    onEvent: (event) => console.log(`connection ${event.id}: ${event.from ?? 'new'} → ${event.to}`),
  }));

// Which of YOUR app's users is logging in (its own authenticated user, e.g. from your app's session
// cookie or a Cloudflare Access JWT), or undefined: the login is then not filed into the vault (the
// session still works). Replace this with your user lookup.
// WARNING: GRANTKIT_DEMO_SINGLE_USER = "1" files EVERY login under the one id 'demo-user': all
// browsers then share one connection and an older session adopts the newest login's tokens (user A
// acts with user B's tokens). dev.mjs sets it for the offline demo; never set it on a deployed Worker.
const appUserId = (request, env) =>
  env.GRANTKIT_DEMO_SINGLE_USER === '1' ? 'demo-user' : undefined;

let auth;
const handlerFor = (env) =>
  (auth ??= createAuthHandler({
    adapter: adapterFor(env),
    secret: env.SESSION_SECRET,
    sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }), // sealed at rest
    coordinator: durableObjectCoordinator(env.REFRESHER),
    proxy: { '/api/graphql': graphqlEndpoint(env) },
    // Each login is filed into the vault under the app's own user id (none: not filed).
    vault: { vault: vaultFor(env), connectionId: (request) => appUserId(request, env) },
  }));

// The nightly job: keep refresh tokens alive, then sync every connected user (here: a ping).
async function nightly(env) {
  const vault = vaultFor(env);
  const report = await vault.keepAlive({ concurrency: 8 }); // one run at a time across isolates
  let synced = 0;
  for (const { id } of await vault.list({ state: 'active' })) {
    const gql = createGraphQLClient({
      tokenClient: vault.client(id),
      endpoint: graphqlEndpoint(env),
    });
    if (
      await gql.request('query { ping }').then(
        () => true,
        () => false,
      )
    )
      synced++;
  }
  console.log(
    `nightly job: ${JSON.stringify({ ran: report.ran, renewed: report.renewed, synced })}`,
  );
}

export default {
  async fetch(request, env, ctx) {
    return (await handlerFor(env)(request, env, ctx)) ?? new Response('Not found', { status: 404 });
  },
  // The Cron Trigger of wrangler.toml ([triggers] crons = ["0 3 * * *"]).
  async scheduled(controller, env, ctx) {
    ctx.waitUntil(nightly(env));
  },
};
