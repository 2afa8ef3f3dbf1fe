// Issue #13, encrypted at rest: after every flow, the raw contents of each shared store (every key
// and value of a real redis-server, every value of a Workers KV namespace) are scanned for the
// canaries and every token and code the emulator issued. A dump of the store holds no token.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import {
  createTokenClient,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  firstDollarPartner,
} from '@grantkit/core';
import { redisShared } from '@grantkit/core/redis';
import { createAuthHandler } from '@grantkit/edge';
import { redisCoordinator, redisSessionStore } from '@grantkit/edge/redis';
import { kvSessionStore, kvTokenStorage } from '@grantkit/edge/cloudflare';
import { workersKv } from '../stores/workers-kv';
import { CANARY, FD, IDS, browser, canaryEmulator, captureConsole, Collector } from './harness';
import { hasRedis, startRedis, type RedisServer } from '../stores/redis-server';

const enabled = hasRedis();
const STORE_SECRET = CANARY.cookieKey;
let server: RedisServer;
let redis: ReturnType<typeof createClient>;
let seen: Collector;
let restoreConsole: () => void;

beforeAll(async () => {
  if (!enabled) return;
  server = await startRedis();
  redis = createClient({ url: server.url });
  redis.on('error', () => {});
  await redis.connect();
});
afterAll(async () => {
  await redis?.quit().catch(() => {});
  await server?.stop();
});
beforeEach(() => {
  seen = new Collector();
  restoreConsole = captureConsole(seen);
});
afterEach(() => restoreConsole());

/** Every key and raw value in Redis, into the collector. */
async function dumpRedis(): Promise<number> {
  const keys = await redis.keys('*');
  for (const key of keys) seen.add(`redis ${key}`, `${key} = ${(await redis.get(key)) ?? ''}`);
  return keys.length;
}

const ping = { query: 'query { ping }' };

describe.skipIf(!enabled)('shared stores hold no token in clear', () => {
  it('edge on Redis (sessions + coordinator) and a core Partner client on Redis: login, proxy, renewals, logout', async () => {
    const c = canaryEmulator();
    const adapter = firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    });
    const handler = createAuthHandler({
      adapter,
      secret: [CANARY.cookieKey, CANARY.cookieKeyOld],
      fetch: c.fetch,
      retry: { limit: 0 },
      sessions: redisSessionStore(redis, { secret: STORE_SECRET }),
      coordinator: redisCoordinator(redis, {
        secret: STORE_SECRET,
        adapter,
        fetch: c.fetch,
        retry: { limit: 0 },
      }),
      proxy: {
        '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
      },
      onError: (error) => console.error('grantkit edge', error),
    });
    const users = [browser(handler, seen), browser(handler, seen)];
    for (const b of users) {
      await b.call('/auth/login');
      const code = c.issueCode('firstDollar', IDS.fdApp.appId);
      expect((await b.post('/auth/exchange', { code })).status).toBe(200);
      expect((await b.post('/api/graphql', ping)).json()).toEqual({ data: { ping: 'pong' } });
    }
    c.emu.revokeAccessTokens();
    for (const b of users) expect((await b.post('/api/graphql', ping)).status).toBe(200); // renewed through the coordinator
    expect((await users[0]!.post('/auth/refresh')).status).toBe(200);
    c.emu.revokeConsent(IDS.fdApp.appId);
    c.emu.revokeAccessTokens();
    expect((await users[1]!.post('/api/graphql', ping)).json().error).toBe('consent_required');
    c.emu.grantConsent(IDS.fdApp.appId);

    const partner = createTokenClient(
      redisShared(redis, { secret: STORE_SECRET }).options({
        adapter: firstDollarPartner({
          clientId: IDS.fdPartner,
          clientSecret: CANARY.fdPartnerSecret,
          apiBaseUrl: FD,
        }),
        fetch: c.fetch,
        key: 'fd:partner',
      }),
    );
    await partner.getAccessToken();
    await partner.refresh();

    expect(await dumpRedis()).toBeGreaterThanOrEqual(2); // a live session and the Partner set, at least
    expect((await users[0]!.post('/auth/logout')).status).toBe(200);
    await dumpRedis();
    seen.expectClean(c.issued);
  });

  it('Workers KV sessions and Partner tokens, sealed', async () => {
    const c = canaryEmulator();
    const ns = await workersKv(); // workerd's own KV, through miniflare
    const { kv } = ns;
    const adapter = firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    });
    const handler = createAuthHandler({
      adapter,
      secret: CANARY.cookieKey,
      fetch: c.fetch,
      sessions: kvSessionStore(kv, { secret: STORE_SECRET }),
      proxy: {
        '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
      },
    });
    const b = browser(handler, seen);
    await b.call('/auth/login');
    expect(
      (await b.post('/auth/exchange', { code: c.issueCode('firstDollar', IDS.fdApp.appId) }))
        .status,
    ).toBe(200);
    c.emu.revokeAccessTokens();
    expect((await b.post('/api/graphql', ping)).status).toBe(200);
    const partner = createTokenClient({
      adapter: firstDollarPartner({
        clientId: IDS.fdPartner,
        clientSecret: CANARY.fdPartnerSecret,
        apiBaseUrl: FD,
      }),
      fetch: c.fetch,
      storage: kvTokenStorage(kv, { secret: STORE_SECRET }),
    });
    await partner.getAccessToken();
    const data = await ns.dump();
    await ns.dispose();
    expect(data.size).toBe(2);
    for (const [key, value] of data) seen.add(`kv ${key}`, value);
    seen.expectClean(c.issued);
  });
});
