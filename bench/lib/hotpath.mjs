// (2) Hot path: ns per token call with a valid cached token, interleaved over rounds (child process).
// Prints one JSON line: { rounds, results: { name: { ns, samples, calls, note? } } }.
import { createTokenClient, oauth2 } from '@grantkit/core';
import { OAuth2Client, OAuth2Fetch } from '@badgateway/oauth2-client';

const ROUNDS = Number(process.env.BENCH_HOT_ROUNDS ?? 15);
const BATCH_MS = Number(process.env.BENCH_HOT_BATCH_MS ?? 80);

const impls = [];

// Baseline: the cheapest possible async token getter.
const emptyAsync = async () => 'token';
impls.push({ name: 'empty async fn', call: emptyAsync });
// Reference only (not a target): the cost of reading the clock, which any expiry check needs.
let until = Date.now() + 3_600_000;
const clockAsync = async () => (Date.now() < until ? 'token' : '');
impls.push({ name: 'async fn + Date.now() (reference)', call: clockAsync });
// The floor of a check at use (the target's reference, issue #18): one clock read, then an already
// settled promise, without an `async` frame.
const settledClock = () => Promise.resolve(Date.now() < until ? 'token' : '');
impls.push({ name: 'settled promise after Date.now() (floor)', call: settledClock });

// grantkit: a client holding a token valid for an hour.
const gk = createTokenClient({
  adapter: oauth2({
    clientId: 'bench',
    clientSecret: 'secret',
    tokenEndpoint: 'http://127.0.0.1:9/token',
    clientCredentials: true,
  }),
});
await gk.setTokenSet({
  accessToken: 'at-grantkit',
  tokenType: 'Bearer',
  expiresAt: Date.now() + 3_600_000,
});
impls.push({ name: 'grantkit getAccessToken()', call: () => gk.getAccessToken() });

// @badgateway/oauth2-client: OAuth2Fetch given a valid token by getNewToken (no timer).
const bgClient = new OAuth2Client({
  clientId: 'bench',
  clientSecret: 'secret',
  tokenEndpoint: 'http://127.0.0.1:9/token',
});
const bg = new OAuth2Fetch({
  client: bgClient,
  scheduleRefresh: false,
  getNewToken: () => ({
    accessToken: 'at-badgateway',
    refreshToken: null,
    expiresAt: Date.now() + 3_600_000,
  }),
});
await bg.getAccessToken(); // primes the cache through getNewToken + storeToken path
impls.push({ name: 'badgateway OAuth2Fetch.getAccessToken()', call: () => bg.getAccessToken() });

// @auth0/auth0-spa-js: needs `window` (for window.crypto); Node's WebCrypto is enough. The token is
// put in the memory cache as handleRedirectCallback would (private _saveEntryInCache).
let auth0Note;
try {
  globalThis.window ??= globalThis;
  const { Auth0Client } = await import('@auth0/auth0-spa-js');
  const a0 = new Auth0Client({
    domain: 'tenant.example',
    clientId: 'bench',
    cacheLocation: 'memory',
    authorizationParams: { redirect_uri: 'http://127.0.0.1/cb' },
  });
  const scope = a0.scope?.default ?? 'openid profile email';
  await a0._saveEntryInCache({
    client_id: 'bench',
    access_token: 'at-auth0',
    token_type: 'Bearer',
    expires_in: 86_400,
    audience: 'default',
    scope,
    id_token: 'x.y.z',
    decodedToken: { claims: { __raw: 'x.y.z', sub: 'u' }, user: { sub: 'u' } },
  });
  if ((await a0.getTokenSilently()) !== 'at-auth0') throw new Error('cached token not served');
  impls.push({ name: 'auth0-spa-js getTokenSilently()', call: () => a0.getTokenSilently() });
  auth0Note = 'Node with globalThis.window = globalThis; token seeded in the memory cache';
} catch (error) {
  auth0Note = `n/a: ${error?.message ?? error}`;
}

async function batch(call, n) {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - t0) / n;
}

// Calibrate: warm up, then pick a per-implementation call count giving ~BATCH_MS per batch.
for (const impl of impls) {
  await batch(impl.call, 20_000);
  const ns = await batch(impl.call, 20_000);
  impl.n = Math.max(5_000, Math.min(2_000_000, Math.round((BATCH_MS * 1e6) / ns)));
  impl.samples = [];
}
for (let round = 0; round < ROUNDS; round++) {
  // A B C D, then B C D A, ...: interleaved, rotating the order so none always runs first.
  for (let k = 0; k < impls.length; k++) {
    const impl = impls[(round + k) % impls.length];
    impl.samples.push(await batch(impl.call, impl.n));
  }
}
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const results = {};
for (const impl of impls)
  results[impl.name] = {
    ns: median(impl.samples),
    samples: impl.samples.map((x) => +x.toFixed(1)),
    calls: impl.n,
  };
if (!impls.some((i) => i.name.startsWith('auth0')))
  results['auth0-spa-js getTokenSilently()'] = { ns: null, note: auth0Note };
else results['auth0-spa-js getTokenSilently()'].note = auth0Note;
console.log(`@@RESULT ${JSON.stringify({ rounds: ROUNDS, batchMs: BATCH_MS, results })}`);
