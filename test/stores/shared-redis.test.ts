// The engine-agnostic shared store (packages/core/src/shared) on the Redis engine, against a real
// redis-server: sealing at rest, the lock with an owner, compare-and-swap writes, the coordinated
// renewal (re-read after acquire, invalid_grant re-check, recorded refusal, dead holder replaced),
// and store outages (typed store_unavailable within the timeout, then recovery).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  createTokenClient,
  firstDollarApp,
  firstDollarPartner,
  isGrantkitError,
  type TokenSet,
} from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createSharedStore, vendorRefresh, type SharedStore } from '@grantkit/core/shared';
import { redisEngine, redisShared } from '@grantkit/core/redis';
import { SUITE_TOKEN_PREFIX } from '../security/canary-scan';
import { connect, hasRedis, startRedis, type RedisServer } from './redis-server';

const enabled = hasRedis();
const SECRET = 'shared-store-test-secret-0123456789abcdef';
const app = TEST_CREDENTIALS.firstDollarApp;
const BASE = 'https://api.dev.firstdollar.com';

let server: RedisServer;
let redis: Awaited<ReturnType<typeof connect>>;
const clients: Awaited<ReturnType<typeof connect>>[] = [];

/** A separate connection per simulated process. */
async function proc() {
  const client = await connect(server.url);
  clients.push(client);
  return client;
}

beforeAll(async () => {
  if (!enabled) return;
  server = await startRedis();
  redis = await proc();
});
afterAll(async () => {
  for (const c of clients) await c.disconnect().catch(() => {});
  await server?.stop();
});

function vendor() {
  const emu = createVendorEmulator();
  const adapter = firstDollarApp({ ...app, apiBaseUrl: BASE });
  const login = () =>
    createTokenClient({ adapter, fetch: emu.fetch }).exchangeCode(
      emu.issueCode('firstDollar', app.appId),
    );
  const refresh = vendorRefresh({ adapter, fetch: emu.fetch });
  const refreshes = () => emu.count({ grant: 'refresh_token' });
  return { emu, adapter, login, refresh, refreshes };
}

describe.skipIf(!enabled)('shared store on Redis', () => {
  beforeEach(async () => {
    await redis.flushAll();
  });

  it('seals every value: no token in Redis, the key name is bound, secrets rotate', async () => {
    const shared = redisShared(redis, { secret: SECRET, prefix: 't:' });
    const { login } = vendor();
    const tokens = await login();
    await shared.set('a', tokens, 60);
    const raw = (await redis.get('t:a'))!;
    expect(raw.startsWith('gk1.')).toBe(true);
    expect(raw).not.toContain(SUITE_TOKEN_PREFIX);
    expect(raw).not.toContain(tokens.refreshToken!);
    expect(raw).not.toContain(tokens.accessToken.split('.')[1]!);
    expect(await redis.pTTL('t:a')).toBeGreaterThan(50_000);
    expect(await shared.get('a')).toEqual(tokens);
    // Moved to another key: the additional data no longer matches.
    await redis.set('t:b', raw);
    expect(await shared.get('b')).toBeUndefined();
    // Rotation: a new first secret still opens the old value, and seals with the new key.
    const rotated = redisShared(redis, {
      secret: ['rotated-store-secret-0123456789abcdefgh', SECRET],
      prefix: 't:',
    });
    expect(await rotated.get('a')).toEqual(tokens);
    const other = redisShared(redis, {
      secret: 'another-store-secret-0123456789abcdefgh',
      prefix: 't:',
    });
    expect(await other.get('a')).toBeUndefined();
    expect(() => redisShared(redis, { secret: 'short' })).toThrow(/32 bytes/);
  });

  it('lock with an owner: only the owner extends or releases; a dead holder is replaced after the TTL', async () => {
    const engine = redisEngine(redis);
    expect(await engine.lock('l', 'A', 300)).toBe(true);
    expect(await engine.lock('l', 'B', 300)).toBe(false);
    expect(await engine.extend('l', 'B', 300)).toBe(false);
    expect(await engine.unlock('l', 'B')).toBe(false);
    expect(await redis.get('l')).toBe('A');
    expect(await engine.extend('l', 'A', 5000)).toBe(true);
    expect(await redis.pTTL('l')).toBeGreaterThan(4000);
    expect(await engine.unlock('l', 'A')).toBe(true);
    expect(await engine.lock('l', 'B', 200)).toBe(true); // B now holds it and "dies"
    await new Promise((r) => setTimeout(r, 260));
    expect(await engine.lock('l', 'C', 200)).toBe(true);
    expect(await engine.unlock('l', 'B')).toBe(false); // the dead holder's late release does nothing
    expect(await redis.get('l')).toBe('C');
  });

  it('compare-and-swap: a stale version never writes; an older set never replaces a newer one', async () => {
    const engine = redisEngine(redis);
    expect(await engine.swap('k', undefined, 'v1', undefined)).toBe(true);
    expect(await engine.swap('k', undefined, 'v2', undefined)).toBe(false);
    const read = (await engine.read('k'))!;
    expect(await engine.swap('k', read.version, 'v2', 1000)).toBe(true);
    expect(await engine.swap('k', read.version, 'v3', 1000)).toBe(false);
    expect(await redis.get('k')).toBe('v2');

    const shared = redisShared(redis, { secret: SECRET });
    const { login } = vendor();
    const older = await login();
    const newer = { ...(await login()), expiresAt: older.expiresAt + 60_000 };
    await shared.set('s', newer);
    await shared.set('s', older);
    expect((await shared.get('s'))?.accessToken).toBe(newer.accessToken);
  });

  it('4 processes renew one expired set at once: 1 refresh at the vendor, all get the same newest set', async () => {
    const { login, refresh, refreshes } = vendor();
    const t1 = await login();
    const stores = await Promise.all(
      [0, 1, 2, 3].map(async () => redisShared(await proc(), { secret: SECRET, lockTtl: 2000 })),
    );
    await stores[0]!.set('s', t1, 600);
    const results = await Promise.all(
      stores.flatMap((s) =>
        [0, 1, 2, 3, 4].map(() => s.renew('s', t1, refresh, { missing: 'end' })),
      ),
    );
    expect(refreshes()).toBe(1);
    expect(new Set(results.map((r) => r.accessToken)).size).toBe(1);
    const stored = await stores[1]!.get('s');
    expect(stored?.accessToken).toBe(results[0]!.accessToken);
    expect(stored?.refreshToken).not.toBe(t1.refreshToken);
    // The session's end is kept by renewals (not extended).
    expect(await redis.pTTL('s')).toBeLessThanOrEqual(600_000);
    expect(await redis.pTTL('s')).toBeGreaterThan(590_000);
  });

  it('re-read after acquire: a set another process stored is adopted, no vendor call', async () => {
    const { login, refresh, refreshes } = vendor();
    const t1 = await login();
    const shared = redisShared(redis, { secret: SECRET });
    const t2 = await refresh(t1);
    await shared.set('s', t2);
    expect(refreshes()).toBe(1);
    const got = await shared.renew('s', t1, refresh, { missing: 'end' });
    expect(got.accessToken).toBe(t2.accessToken);
    expect(refreshes()).toBe(1);
  });

  it('a lost race is no revoked consent: a refusal of an already-rotated refresh token adopts the newer set', async () => {
    const { login, refresh, refreshes } = vendor();
    const t1 = await login();
    const shared = redisShared(redis, { secret: SECRET });
    await shared.set('s', t1);
    // Another writer (outside the lock) rotates t1 while this renewal calls the vendor with it.
    let t2: TokenSet | undefined;
    const racing = async (from: TokenSet | undefined, signal?: AbortSignal) => {
      t2 = await refresh(from);
      const entry = (await redisEngine(redis).read('s'))!;
      const sealed = createSharedStore(redisEngine(redis), { secret: SECRET });
      await sealed.set('s', t2);
      expect(entry.value).not.toBe((await redis.get('s'))!);
      return refresh(from, signal); // t1 again: refused (consent_required on First Dollar)
    };
    const got = await shared.renew('s', t1, racing, { missing: 'end' });
    expect(got.accessToken).toBe(t2!.accessToken);
    expect(refreshes()).toBe(2); // the rotation, and the refused reuse; no third
    expect((await shared.get('s'))?.accessToken).toBe(t2!.accessToken);
  });

  it('a refusal of the newest refresh token is typed, recorded once: other processes get it without a vendor call', async () => {
    const { emu, login, refresh, refreshes } = vendor();
    const t1 = await login();
    const shared = redisShared(redis, { secret: SECRET });
    await shared.set('s', t1);
    emu.revokeConsent(app.appId);
    await expect(shared.renew('s', t1, refresh, { missing: 'end' })).rejects.toMatchObject({
      code: 'consent_required',
    });
    const again = redisShared(await proc(), { secret: SECRET });
    const second = await again.renew('s', t1, refresh, { missing: 'end' }).catch((e: unknown) => e);
    expect(isGrantkitError(second, 'consent_required')).toBe(true);
    expect((second as { consentUrl?: string }).consentUrl).toMatch(/^https:/);
    expect(refreshes()).toBe(1);
    expect(await again.get('s')).toBeUndefined();
    // A logged-out (deleted) session ends without a vendor call.
    await again.delete('s');
    await expect(again.renew('s', t1, refresh, { missing: 'end' })).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    expect(refreshes()).toBe(1);
  });

  it('a holder that dies with the lock is replaced after the TTL; waiters back off, not hot-loop', async () => {
    const { login, refresh, refreshes } = vendor();
    const t1 = await login();
    const shared = redisShared(redis, { secret: SECRET, lockTtl: 600 });
    await shared.set('s', t1);
    await redis.set('s\u0000lock', 'dead-process', { PX: 600 }); // s's lock (lockNameOf)
    let commands = 0;
    const counting = redisShared(
      {
        get: (k) => (commands++, redis.get(k)),
        eval: (s, o) => (commands++, redis.eval(s, o)),
        evalSha: (s, o) => (commands++, redis.evalSha(s, o)),
      },
      { secret: SECRET, lockTtl: 600 },
    );
    const started = Date.now();
    const got = await counting.renew('s', t1, refresh, { missing: 'end' });
    const waited = Date.now() - started;
    expect(got.accessToken).not.toBe(t1.accessToken);
    expect(refreshes()).toBe(1);
    expect(waited).toBeGreaterThanOrEqual(450);
    expect(waited).toBeLessThan(2000);
    expect(commands).toBeLessThan(40); // ~600 ms of backoff is a handful of round trips
  });

  it('the holder extends its lock while the vendor is slow: no second renewal', async () => {
    const { emu, login, refresh, refreshes } = vendor();
    const t1 = await login();
    const a = redisShared(await proc(), { secret: SECRET, lockTtl: 300 });
    const b = redisShared(await proc(), { secret: SECRET, lockTtl: 300 });
    await a.set('s', t1);
    emu.fault({ path: '/v0/auth/token', latencyMs: 1000 });
    const first = a.renew('s', t1, refresh, { missing: 'end' });
    await new Promise((r) => setTimeout(r, 100));
    const second = b.renew('s', t1, refresh, { missing: 'end' });
    const [x, y] = await Promise.all([first, second]);
    expect(x.accessToken).toBe(y.accessToken);
    expect(refreshes()).toBe(1);
  });

  it('core alone: 4 Partner clients on one key make one token request per expiry', async () => {
    const emu = createVendorEmulator({ accessTokenTtl: { firstDollar: 3600 } });
    const partner = TEST_CREDENTIALS.firstDollarPartner;
    const make = async () =>
      createTokenClient(
        redisShared(await proc(), { secret: SECRET }).options({
          adapter: firstDollarPartner({ ...partner, apiBaseUrl: BASE }),
          fetch: emu.fetch,
          key: 'fd:partner',
        }),
      );
    const all = await Promise.all([make(), make(), make(), make()]);
    const tokens = await Promise.all(all.flatMap((c) => [c.getAccessToken(), c.getAccessToken()]));
    expect(new Set(tokens).size).toBe(1);
    expect(emu.count({ grant: 'client_credentials' })).toBe(1);
    const raw = (await redis.get('fd:partner'))!;
    expect(raw.startsWith('gk1.')).toBe(true);
  });

  it('store outage: store_unavailable within the timeout, nothing deleted, then recovery', async () => {
    const { login, refresh, refreshes } = vendor();
    const t1 = await login();
    const client = await proc();
    const shared = redisShared(client, { secret: SECRET, storeTimeout: 300 });
    await shared.set('s', t1);
    // Hung (SIGSTOP): calls time out.
    server.pause();
    let started = Date.now();
    await expect(shared.get('s')).rejects.toMatchObject({
      code: 'store_unavailable',
      name: 'StoreUnavailableError',
    });
    await expect(shared.renew('s', t1, refresh, { missing: 'end' })).rejects.toMatchObject({
      code: 'store_unavailable',
    });
    expect(Date.now() - started).toBeLessThan(1500);
    server.resume();
    expect((await shared.get('s'))?.accessToken).toBe(t1.accessToken);
    // Restarted (SHUTDOWN SAVE, then start): refused while down, back with its data.
    await server.shutdown();
    started = Date.now();
    const down = await shared.renew('s', t1, refresh, { missing: 'end' }).catch((e: unknown) => e);
    expect(isGrantkitError(down, 'store_unavailable')).toBe(true);
    expect(String(down)).not.toContain(SUITE_TOKEN_PREFIX);
    expect(Date.now() - started).toBeLessThan(1000);
    expect(refreshes()).toBe(0);
    await server.start();
    // Bounded: the client reconnects within a second.
    let got: TokenSet | undefined;
    for (let i = 0; i < 40 && !got; i++)
      got = await shared
        .renew('s', t1, refresh, { missing: 'end' })
        .catch(() => new Promise<undefined>((r) => setTimeout(r, 50)));
    expect(got?.accessToken).not.toBe(t1.accessToken);
    expect(refreshes()).toBe(1);
  });
});

// Every export of the shared layer is usable without an engine of ours: a Map-free check that the
// options are validated at creation.
describe('shared store options', () => {
  it('refuses a short secret and bad timings at creation', () => {
    const engine = {} as Parameters<typeof createSharedStore>[0];
    expect(() => createSharedStore(engine, { secret: 'x' })).toThrow(/32 bytes/);
    expect(() => createSharedStore(engine, { secret: SECRET, lockTtl: 10 })).toThrow(/lockTtl/);
  });
  it('a client without its own key is refused', () => {
    const engine = {} as Parameters<typeof createSharedStore>[0];
    const store: SharedStore = createSharedStore(engine, { secret: SECRET });
    expect(() =>
      store.options({ adapter: firstDollarPartner(TEST_CREDENTIALS.firstDollarPartner), key: '' }),
    ).toThrow(/key/);
  });
});
