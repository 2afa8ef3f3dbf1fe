// `npm run build && node_modules/.bin/node examples/cloudflare-worker/dev.mjs`
// Runs the Worker in workerd (miniflare, no nodejs_compat) with the vendor emulator playing First
// Dollar, walks login → consent → callback → ping, then fires the Cron Trigger (the nightly job).
import { build } from 'esbuild';
import { Miniflare, Response as MfResponse } from 'miniflare';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';

const app = TEST_CREDENTIALS.firstDollarApp;
const origin = 'http://localhost:8787';
const emulator = createVendorEmulator({
  firstDollar: { apps: [{ ...app, redirectUri: `${origin}/auth/callback` }] },
});
const { outputFiles } = await build({
  entryPoints: [new URL('./src/index.js', import.meta.url).pathname],
  bundle: true,
  format: 'esm',
  platform: 'neutral',
  conditions: ['workerd', 'worker', 'browser'],
  mainFields: ['module', 'main'],
  write: false,
});
const mf = new Miniflare({
  modules: true,
  script: outputFiles[0].text,
  compatibilityDate: '2026-07-01',
  kvNamespaces: ['SESSIONS'],
  durableObjects: { REFRESHER: 'SessionRefresher', VAULT: 'SharedEngineObject' },
  bindings: {
    FD_APP_ID: app.appId,
    FD_CLIENT_ID: app.clientId,
    FD_CLIENT_SECRET: app.clientSecret,
    SESSION_SECRET: 'dev-only-session-secret-change-me-0123456789',
    TOKEN_SECRET: 'dev-only-vault-secret-change-me-0123456789',
    FD_API_BASE_URL: 'https://emulator.test',
    FD_CONSENT_BASE_URL: 'https://emulator.test',
    // One browser, no user system: every login files into the vault as 'demo-user'. Demo only —
    // never on a deployed Worker (all users would share one connection's tokens). =0 turns it off.
    GRANTKIT_DEMO_SINGLE_USER: process.env.GRANTKIT_DEMO_SINGLE_USER ?? '1',
  },
  outboundService: async (req) => {
    const res = await emulator.handle(
      new Request(req.url, {
        method: req.method,
        headers: [...req.headers],
        body: req.method === 'GET' ? null : await req.arrayBuffer(),
      }),
    );
    return new MfResponse(await res.arrayBuffer(), {
      status: res.status,
      headers: [...res.headers],
    });
  },
});
const cookies = new Map();
const call = async (path, init = {}) => {
  const res = await mf.dispatchFetch(`${origin}${path}`, {
    ...init,
    redirect: 'manual',
    headers: { ...init.headers, cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') },
  });
  for (const c of res.headers.getSetCookie()) {
    const [pair] = c.split(';');
    const i = pair.indexOf('=');
    cookies.set(pair.slice(0, i), pair.slice(i + 1));
  }
  return res;
};
const login = await call('/auth/login?returnTo=/');
console.log('login →', login.status, login.headers.get('location'));
const consent = await emulator.fetch(`${login.headers.get('location')}?auto=1`, {
  redirect: 'manual',
});
const callback = new URL(consent.headers.get('location'));
console.log('consent →', callback.pathname, '(code received)');
console.log('callback →', (await call(`${callback.pathname}${callback.search}`)).status);
console.log('session →', await (await call('/auth/session')).text());
const ping = await call('/api/graphql', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-grantkit-csrf': '1', origin },
  body: JSON.stringify({ query: 'query { ping }' }),
});
console.log('POST /api/graphql →', ping.status, await ping.text());
// Every access token revoked at the vendor: the proxy's 401 goes to the session's Durable Object, which refreshes once.
emulator.revokeAccessTokens();
const again = await call('/api/graphql', {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-grantkit-csrf': '1', origin },
  body: JSON.stringify({ query: 'query { ping }' }),
});
console.log(
  'after revocation →',
  again.status,
  await again.text(),
  `(refreshes: ${emulator.count({ grant: 'refresh_token' })})`,
);
// The Cron Trigger of wrangler.toml, as Cloudflare fires it: the nightly job keeps the vault's
// refresh tokens alive and syncs every connection (a GraphQL call each), with no user online.
const graphqlCalls = () => emulator.requests.filter((r) => r.path.endsWith('/graphql')).length;
const before = graphqlCalls();
const cron = await (await mf.getWorker()).scheduled({ cron: '0 3 * * *' });
console.log(
  `Cron Trigger (0 3 * * *) → ${cron.outcome} (connections synced: ${graphqlCalls() - before})`,
);
await mf.dispose();
