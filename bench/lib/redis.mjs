// (6) Many servers on Redis. Runs as a child of run.mjs and prints one line `@@RESULT {json}`.
//  (a) What a renewal spends on the shared store: taking the lock, re-reading, the compare-and-swap
//      write and the release (the vendor call itself excluded: timed apart and subtracted), p50/p99
//      ms, uncontended (one renewal at a time) and with 4 clients (own connections) renewing the same
//      key at once (one renews, three wait and adopt: their time is the wait).
//  (b) Proxied requests per second through the built edge handler (in this process, the vendor and
//      the upstream are the in-process emulator): sessions in Redis (one GET + unseal per request)
//      against cookie-only sessions (the tokens sealed in the cookie), rounds interleaved.
// A redis-server of its own on 127.0.0.1 and a free port, no persistence; missing → skipped.
import { createTokenClient, firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createSharedStore, vendorRefresh } from '@grantkit/core/shared';
import { redisEngine } from '@grantkit/core/redis';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createAuthHandler } from '@grantkit/edge';
import { redisCoordinator, redisSessionStore } from '@grantkit/edge/redis';
import { connectRedis, hasRedisServer, startRedisServer } from './redis-server.mjs';

const RENEWALS = Number(process.env.BENCH_REDIS_RENEWALS ?? 300);
const ROUNDS = Number(process.env.BENCH_REDIS_ROUNDS ?? 6);
const ROUND_MS = Number(process.env.BENCH_REDIS_ROUND_MS ?? 700);
const CONCURRENCY = Number(process.env.BENCH_REDIS_CONCURRENCY ?? 16);
const SECRET = 'bench-redis-store-secret-0123456789abcdef';
const app = TEST_CREDENTIALS.firstDollarApp;
const VENDOR = 'https://api.dev.firstdollar.com';

let server;
const result = (value) => {
  server?.kill('SIGKILL');
  console.log(`@@RESULT ${JSON.stringify(value)}`);
  process.exit(0);
};
if (!hasRedisServer()) result({ skipped: 'redis-server is not installed' });

const { port, process: redisProcess } = await startRedisServer();
server = redisProcess;
const connect = () => connectRedis(port);
const pct = (values, p) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
};
const median = (values) => pct(values, 50);

try {
  const redis = await connect();
  const emu = createVendorEmulator();
  const adapter = firstDollarApp({ ...app, apiBaseUrl: VENDOR, consentBaseUrl: VENDOR });
  const vendor = vendorRefresh({ adapter, fetch: emu.fetch });
  let vendorMs = 0;
  const timedVendor = async (from, signal) => {
    const t0 = performance.now();
    try {
      return await vendor(from, signal);
    } finally {
      vendorMs = performance.now() - t0;
    }
  };
  const login = () =>
    createTokenClient({ adapter, fetch: emu.fetch }).exchangeCode(
      emu.issueCode('firstDollar', app.appId),
    );

  /* (a) uncontended: lock + re-read + CAS write + unlock per renewal */
  const store = createSharedStore(redisEngine(redis), { secret: SECRET });
  let tokens = await login();
  await store.set('bench:s', tokens, 3600);
  const alone = [];
  for (let i = 0; i < RENEWALS; i++) {
    const t0 = performance.now();
    tokens = await store.renew('bench:s', tokens, timedVendor, { missing: 'end' });
    alone.push(performance.now() - t0 - vendorMs);
  }
  /* (a) 4 clients at once on one key */
  const stores = await Promise.all(
    [0, 1, 2, 3].map(async () =>
      createSharedStore(redisEngine(await connect()), { secret: SECRET }),
    ),
  );
  const contended = [];
  const refreshesBefore = emu.count({ grant: 'refresh_token' });
  const rounds = Math.max(20, Math.round(RENEWALS / 10));
  for (let i = 0; i < rounds; i++) {
    const base = tokens;
    const times = await Promise.all(
      stores.map(async (s) => {
        const t0 = performance.now();
        const got = await s.renew('bench:s', base, vendor, { missing: 'end' });
        return { ms: performance.now() - t0, got };
      }),
    );
    tokens = times[0].got;
    if (new Set(times.map((t) => t.got.accessToken)).size !== 1)
      throw new Error('contended renewals disagreed');
    for (const t of times) contended.push(t.ms);
  }
  const contendedRefreshes = emu.count({ grant: 'refresh_token' }) - refreshesBefore;

  /* (b) proxied req/s: Redis session store vs cookie-only */
  const common = {
    adapter,
    secret: SECRET,
    cookie: { secure: false },
    fetch: emu.fetch,
    proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: app.appId }) },
  };
  const handlers = {
    redis: createAuthHandler({
      ...common,
      sessions: redisSessionStore(redis, { secret: SECRET }),
      coordinator: redisCoordinator(redis, { secret: SECRET, adapter, fetch: emu.fetch }),
    }),
    cookie: createAuthHandler(common),
  };
  const origin = 'http://127.0.0.1';
  const sessionOf = async (handler) => {
    const nav = { 'sec-fetch-site': 'none', 'sec-fetch-mode': 'navigate' };
    const intent = await handler(new Request(`${origin}/auth/login`, { headers: nav }));
    const cookie = intent.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .join('; ');
    const cb = await handler(
      new Request(`${origin}/auth/callback?code=${emu.issueCode('firstDollar', app.appId)}`, {
        headers: { ...nav, cookie },
      }),
    );
    return cb.headers
      .getSetCookie()
      .map((c) => c.split(';')[0])
      .filter((c) => !c.endsWith('='))
      .join('; ');
  };
  const cookies = {
    redis: await sessionOf(handlers.redis),
    cookie: await sessionOf(handlers.cookie),
  };
  const headers = (name) => ({
    origin,
    'x-grantkit-csrf': '1',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
    cookie: cookies[name],
  });
  const body = JSON.stringify({ query: 'query { ping }' });
  const run = async (name, total) => {
    let started = 0;
    let failures = 0;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: CONCURRENCY }, async () => {
        while (started < total) {
          started++;
          const response = await handlers[name](
            new Request(`${origin}/api/graphql`, { method: 'POST', headers: headers(name), body }),
          );
          const text = await response.text();
          if (response.status !== 200 || !text.includes('pong')) failures++;
        }
      }),
    );
    if (failures) throw new Error(`${name}: ${failures}/${total} proxied requests failed`);
    return performance.now() - t0;
  };
  for (const name of ['cookie', 'redis']) await run(name, 300); // warm up
  const probe = ((await run('cookie', 300)) + (await run('redis', 300))) / 2;
  const perRound = Math.max(300, Math.round((ROUND_MS / Math.max(probe, 1)) * 300));
  const rps = { redis: [], cookie: [] };
  for (let r = 0; r < ROUNDS; r++) {
    for (const name of r % 2 ? ['redis', 'cookie'] : ['cookie', 'redis'])
      rps[name].push((perRound / (await run(name, perRound))) * 1000);
  }

  await redis.quit();
  result({
    renewal: {
      alone: { n: alone.length, p50: median(alone), p99: pct(alone, 99) },
      contended: {
        n: contended.length,
        clients: 4,
        p50: median(contended),
        p99: pct(contended, 99),
        refreshes: contendedRefreshes,
        rounds,
      },
    },
    proxy: {
      concurrency: CONCURRENCY,
      rounds: ROUNDS,
      requestsPerRound: perRound,
      redisRps: median(rps.redis),
      cookieRps: median(rps.cookie),
    },
  });
} catch (error) {
  server.kill('SIGKILL');
  throw error;
}
