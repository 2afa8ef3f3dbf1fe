// The vault (@grantkit/core/vault) on the memory engine, on a real redis-server and on real Durable
// Objects (workerd through miniflare: @grantkit/edge/cloudflare's durableObjectEngine), against the
// vendor emulator with a simulated clock (Date faked, the emulator's clock moved in step): health
// states, one event per state change, cooldowns, keep-alive over weeks, delete racing a renewal,
// several processes, and a canary scan of events, listed states and every value the store holds.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createGraphQLClient,
  createTokenClient,
  firstDollarApp,
  isGrantkitError,
  oauth2,
  orangeLogic,
  type Adapter,
  type TokenSet,
} from '@grantkit/core';
import {
  createVendorEmulator,
  TEST_CREDENTIALS,
  type VendorEmulator,
} from '@grantkit/core/testing';
import { redisEngine } from '@grantkit/core/redis';
import { SEALED_PREFIX } from '@grantkit/core/shared';
import { durableObjectEngine } from '@grantkit/edge/cloudflare';
import {
  createVault,
  memoryEngine,
  type SharedEngine,
  type Vault,
  type VaultEvent,
  type VaultOptions,
} from '@grantkit/core/vault';
import { findLeaks } from '../security/canary-scan';
import { engineObjects } from './durable-objects';
import { connect, hasRedis, startRedis, type RedisServer } from './redis-server';

const enabled = hasRedis();
const SECRET = 'vault-test-secret-0123456789abcdef-0123';
const DAY = 86_400_000;
const HOUR = 3_600_000;
const OL = 'https://tenant.orangelogic.example';
const FD = 'https://api.dev.firstdollar.com';
const OA = 'https://as.example';
const ol = TEST_CREDENTIALS.orangeLogic;
const fdApp = TEST_CREDENTIALS.firstDollarApp;
const oa = TEST_CREDENTIALS.oauth2;

let server: RedisServer | undefined;
const redisClients: Awaited<ReturnType<typeof connect>>[] = [];
let objects: Awaited<ReturnType<typeof engineObjects>> | undefined;

beforeAll(async () => {
  if (enabled) server = await startRedis();
  objects = await engineObjects();
});
afterAll(async () => {
  for (const c of redisClients) await c.disconnect().catch(() => {});
  await server?.stop();
  await objects?.dispose();
});

/** The engine with every key under `prefix`: each test's own keys in Durable Objects shared by all. */
function prefixed(engine: SharedEngine, prefix: string): SharedEngine {
  return {
    read: (k) => engine.read(prefix + k),
    write: (k, v, t) => engine.write(prefix + k, v, t),
    swap: (k, ver, v, t) => engine.swap(prefix + k, ver, v, t),
    lock: (k, o, t) => engine.lock(prefix + k, o, t),
    extend: (k, o, t) => engine.extend(prefix + k, o, t),
    unlock: (k, o) => engine.unlock(prefix + k, o),
    remove: (k) => engine.remove(prefix + k),
  };
}
let run = 0;

/** Every value any engine call wrote, for the canary scan of raw store contents. */
function recording(engine: SharedEngine, written: string[]): SharedEngine {
  return {
    ...engine,
    read: (k) => engine.read(k),
    write: (k, v, t) => (written.push(k, v), engine.write(k, v, t)),
    swap: (k, ver, v, t) => (written.push(k, v), engine.swap(k, ver, v, t)),
    lock: (k, o, t) => engine.lock(k, o, t),
    extend: (k, o, t) => engine.extend(k, o, t),
    unlock: (k, o) => engine.unlock(k, o),
    remove: (k) => engine.remove(k),
  };
}

interface World {
  emu: VendorEmulator;
  events: VaultEvent[];
  written: string[];
  /** A vault in a new "process": its own engine client, the same store. */
  vault(adapter: Adapter, options?: Partial<VaultOptions>): Promise<Vault>;
  /** A new "process"'s engine client on the same store (to wrap one and pass it as `engine`). */
  engine(): Promise<SharedEngine>;
  /** Moves the simulated clock (Date and the emulator together). */
  advance(ms: number): void;
  /** Keys and values in the store now (Redis); the memory engine: every value written. */
  raw(): Promise<string[]>;
}

const engines = [
  {
    name: 'memory',
    make: () => {
      const e = memoryEngine();
      return async () => e;
    },
  },
  ...(enabled
    ? [
        {
          name: 'redis',
          make: () => async () => {
            const client = await connect(server!.url);
            redisClients.push(client);
            return redisEngine(client);
          },
        },
      ]
    : []),
  {
    name: 'durable object',
    // A new engine client per "process" (an isolate), on the same objects; each test its own keys.
    make: () => {
      const prefix = `t${++run}:`;
      return async () => prefixed(durableObjectEngine(objects!.namespace), prefix);
    },
  },
];

describe.each(engines)(
  'vault on $name',
  ({ name, make }) => {
    let world: World;

    beforeEach(async () => {
      vi.useFakeTimers({ toFake: ['Date'] });
      vi.setSystemTime(Date.UTC(2030, 0, 1));
      if (name === 'redis') {
        const admin = await connect(server!.url);
        await admin.flushAll();
        await admin.disconnect();
      }
      const emu = createVendorEmulator({ now: Date.now() });
      const events: VaultEvent[] = [];
      const written: string[] = [];
      const newEngine = make();
      world = {
        emu,
        events,
        written,
        engine: () => newEngine(),
        async vault(adapter, options = {}) {
          return createVault({
            engine: recording(await newEngine(), written),
            secret: SECRET,
            adapter,
            fetch: emu.fetch,
            retry: { limit: 0 },
            onEvent: (e) => events.push(e),
            ...options,
          });
        },
        advance(ms) {
          emu.clock.advance(ms);
          vi.setSystemTime(Date.now() + ms);
        },
        async raw() {
          // Every byte the Durable Objects stored on disk (all tests' so far), and what was written.
          if (name === 'durable object') return [...(await objects!.rawFiles()), ...written];
          if (name !== 'redis') return written;
          const admin = await connect(server!.url);
          const keys = await admin.keys('*');
          const values = await Promise.all(keys.map((k) => admin.get(k)));
          await admin.disconnect();
          return [...keys, ...values.map(String)];
        },
      };
    });
    afterEach(() => {
      vi.useRealTimers();
    });

    const olAdapter = () => orangeLogic({ ...ol, siteUrl: OL });
    /** A generic RFC 6749 server with revocation (RFC 7009). */
    const oaAdapter = () =>
      oauth2({
        tokenEndpoint: `${OA}/oauth2/token`,
        revocationEndpoint: `${OA}/oauth2/revoke`,
        clientId: oa.clientId,
        clientSecret: oa.clientSecret,
        redirectUri: oa.redirectUri,
      });
    const olLogin = (emu: VendorEmulator, userId = 'user_1') =>
      createTokenClient({ adapter: olAdapter(), fetch: emu.fetch }).exchangeCode(
        emu.issueCode('orangeLogic', ol.clientId, { userId }),
      );
    const fdAdapter = () =>
      firstDollarApp({
        appId: fdApp.appId,
        clientId: fdApp.clientId,
        clientSecret: fdApp.clientSecret,
        apiBaseUrl: FD,
      });
    const fdLogin = (emu: VendorEmulator, userId = 'user_1') =>
      createTokenClient({ adapter: fdAdapter(), fetch: emu.fetch }).exchangeCode(
        emu.issueCode('firstDollar', fdApp.appId, { userId }),
      );
    const olRefreshes = (emu: VendorEmulator) =>
      emu.count({ vendor: 'orangeLogic', grant: 'refresh_token' });
    const stateEvents = (events: VaultEvent[], to: VaultEvent['to']) =>
      events.filter((e) => e.to === to);

    it('Orange Logic, 45 days with a daily keep-alive: never needs re-authorization; one vendor refresh per keep-alive that needed one', async () => {
      const { emu, events } = world;
      const vault = await world.vault(olAdapter());
      await vault.put('u1', await olLogin(emu));
      const put = (await vault.get('u1'))!;
      expect(put.state).toBe('active');
      expect(put.refreshExpiresAt! - Date.now()).toBe(30 * DAY);
      let renewed = 0;
      const renewedOn: number[] = [];
      for (let day = 1; day <= 45; day++) {
        world.advance(DAY);
        const report = await vault.keepAlive({ jitter: 0 });
        expect(report.ran).toBe(true);
        expect(report.failed).toBe(0);
        if (report.renewed) renewedOn.push(day);
        renewed += report.renewed;
        expect((await vault.get('u1'))!.state).toBe('active');
      }
      expect(renewedOn).toEqual([23]); // refresh token of day 0 lapses on day 30: renewed once inside the 7-day window
      expect(olRefreshes(emu)).toBe(renewed);
      // The connection still works on day 45, from a fresh client (any process, any time).
      const res = await vault.client('u1').fetch(`${OL}/webapi/echo`);
      expect(res.status).toBe(200);
      expect(stateEvents(events, 'needs_reauthorization')).toHaveLength(0);
      expect(events.map((e) => e.to)).toEqual(['active']); // the put
    });

    it('Orange Logic without keep-alive: needs re-authorization after 30 days, exactly one event, no vendor call', async () => {
      const { emu, events } = world;
      const vault = await world.vault(olAdapter());
      await vault.put('u1', await olLogin(emu, 'a'));
      await vault.put('u2', await olLogin(emu, 'b'));
      world.advance(29 * DAY);
      expect((await vault.list({ state: 'active' })).map((c) => c.id)).toEqual(['u1', 'u2']);
      world.advance(DAY + HOUR);
      // Listed as data at once (derived from the refresh expiry), before anyone tried it.
      expect(
        (await vault.list({ state: 'needs_reauthorization' })).map((c) => [c.id, c.reason]),
      ).toEqual([
        ['u1', 'refresh_token_expired'],
        ['u2', 'refresh_token_expired'],
      ]);
      const before = emu.requests.length;
      // u1: the app tries to use it.
      for (let i = 0; i < 3; i++) {
        const error = await vault
          .client('u1')
          .getAccessToken()
          .catch((e: unknown) => e);
        expect(isGrantkitError(error, 'reauthorization_required')).toBe(true);
      }
      // u2: the nightly keep-alive finds it (and so does a second run).
      expect((await vault.keepAlive({ jitter: 0 })).needsReauthorization).toBe(1);
      expect((await vault.keepAlive({ jitter: 0 })).needsReauthorization).toBe(0);
      expect(emu.requests.length).toBe(before);
      const reauth = stateEvents(events, 'needs_reauthorization');
      expect(
        reauth.map((e) => [e.id, e.from, e.to === 'needs_reauthorization' && e.reason]),
      ).toEqual([
        ['u1', 'active', 'refresh_token_expired'],
        ['u2', 'active', 'refresh_token_expired'],
      ]);
      // A later login of the same user revives the same connection.
      await vault.put('u1', await olLogin(emu, 'a'));
      expect((await vault.get('u1'))!.state).toBe('active');
      expect((await vault.client('u1').fetch(`${OL}/webapi/echo`)).status).toBe(200);
    });

    it('First Dollar consent revoked: exactly one state-change event across two processes; then zero vendor calls', async () => {
      const { emu, events } = world;
      const a = await world.vault(fdAdapter());
      const b = await world.vault(fdAdapter());
      await a.put('u1', await fdLogin(emu));
      const endpoint = `${FD}/app/${fdApp.appId}/graphql`;
      const gql = createGraphQLClient({ tokenClient: b.client('u1'), endpoint });
      expect(await gql.request<{ ping: string }>('query { ping }')).toEqual({ ping: 'pong' });
      emu.revokeConsent(fdApp.appId);
      world.advance(2 * HOUR); // the access token expired
      const results = await Promise.all(
        [
          a.client('u1').getAccessToken(),
          b.client('u1').getAccessToken(),
          a.client('u1').getAccessToken(),
        ].map((p) => p.catch((e: unknown) => e)),
      );
      for (const error of results)
        expect(
          isGrantkitError(error, 'consent_required') ||
            isGrantkitError(error, 'reauthorization_required'),
        ).toBe(true);
      expect(results.some((e) => isGrantkitError(e, 'consent_required'))).toBe(true);
      expect(emu.count({ vendor: 'firstDollar', grant: 'refresh_token' })).toBe(1);
      const reauth = stateEvents(events, 'needs_reauthorization');
      expect(reauth).toHaveLength(1);
      expect(reauth[0]).toMatchObject({
        type: 'connection_state',
        id: 'u1',
        from: 'active',
        to: 'needs_reauthorization',
        reason: 'consent_revoked',
        errorCode: 'consent_required',
      });
      const listed = await b.list({ state: 'needs_reauthorization' });
      expect(listed).toMatchObject([{ id: 'u1', reason: 'consent_revoked' }]);
      expect(listed[0]!.consentUrl).toContain(`/oauth/app/${fdApp.appId}/`);
      // In that state: no vendor call at all, whatever the app does, for days.
      const before = emu.requests.length;
      for (let day = 0; day < 5; day++) {
        world.advance(DAY);
        await a.keepAlive({ jitter: 0 });
        const error = await b
          .client('u1')
          .fetch(endpoint, {
            method: 'POST',
            body: '{"query":"query { ping }"}',
            headers: { 'content-type': 'application/json' },
          })
          .catch((e: unknown) => e);
        expect(isGrantkitError(error, 'consent_required')).toBe(true);
      }
      expect(emu.requests.length).toBe(before);
      expect(stateEvents(events, 'needs_reauthorization')).toHaveLength(1);
    });

    it('a vendor failing for 5 days: at most one call per cooldown, then needs re-authorization after failingDays, then nothing', async () => {
      const { emu, events } = world;
      const vault = await world.vault(olAdapter(), {
        cooldown: 300,
        maxCooldown: 6 * 3600,
        failingDays: 3,
      });
      await vault.put('u1', await olLogin(emu));
      world.advance(DAY + HOUR); // the access token expired
      emu.fault({ path: '/webapi/security/oauth2/token_48I_v1', status: 503, times: 100_000 });
      const start = Date.now();
      const calls: number[] = [];
      let seen = 0;
      const STEP = 10 * 60_000;
      for (let t = 0; t < 5 * DAY; t += STEP) {
        const error = await vault
          .client('u1')
          .getAccessToken()
          .catch((e: unknown) => e);
        expect(isGrantkitError(error)).toBe(true);
        if (t % (6 * HOUR) === 0) await vault.keepAlive({ jitter: 0 });
        const refreshes = emu.requests.filter(
          (r) => r.vendor === 'orangeLogic' && r.grant === 'refresh_token',
        );
        for (; seen < refreshes.length; seen++) calls.push(refreshes[seen]!.at);
        world.advance(STEP);
      }
      expect(calls.length).toBeGreaterThan(5);
      // Each gap at least the cooldown after that many failures (300 s doubling, at most 6 h).
      for (let i = 1; i < calls.length; i++)
        expect(calls[i]! - calls[i - 1]!).toBeGreaterThanOrEqual(
          Math.min(300_000 * 2 ** (i - 1), 6 * HOUR),
        );
      const failing = stateEvents(events, 'refresh_failing');
      expect(failing).toHaveLength(1); // attempts grow without a new event: the state did not change
      const reauth = stateEvents(events, 'needs_reauthorization');
      expect(reauth).toHaveLength(1);
      expect(reauth[0]).toMatchObject({ reason: 'refresh_failing', errorCode: 'oauth_error' });
      expect(reauth[0]!.at - start).toBeGreaterThanOrEqual(3 * DAY);
      expect(reauth[0]!.at - start).toBeLessThanOrEqual(3 * DAY + 6 * HOUR + STEP);
      // Left alone after it: no call in the remaining two days.
      expect(calls.at(-1)!).toBe(reauth[0]!.at);
      const c = (await vault.get('u1'))!;
      expect(c).toMatchObject({
        state: 'needs_reauthorization',
        reason: 'refresh_failing',
        failure: { errorCode: 'oauth_error' },
      });
      expect(c.failure!.attempts).toBe(calls.length);
    });

    it("an id naming another connection's lock (alice:lock) cannot hold it: alice still renews", async () => {
      const vault = await world.vault(olAdapter());
      await vault.put('alice', await olLogin(world.emu, 'alice'));
      await vault.put('alice:lock', await olLogin(world.emu, 'mallory'));
      world.advance(25 * 3600_000); // both 24 h access tokens expired
      const before = olRefreshes(world.emu);
      // Bounded by a real-time signal: the clock here is frozen, so a held lock would wait forever.
      const signal = AbortSignal.timeout(5000);
      await expect(vault.client('alice').getAccessToken({ signal })).resolves.toEqual(
        expect.any(String),
      );
      expect(olRefreshes(world.emu) - before).toBe(1);
      expect((await vault.get('alice'))?.state).toBe('active');
    });

    it('a failing connection recovers: refresh_failing, then active, one event each', async () => {
      const { emu, events } = world;
      const vault = await world.vault(olAdapter());
      await vault.put('u1', await olLogin(emu));
      world.advance(DAY + HOUR);
      emu.fault({ path: '/webapi/security/oauth2/token_48I_v1', drop: true });
      expect(
        isGrantkitError(
          await vault
            .client('u1')
            .getAccessToken()
            .catch((e: unknown) => e),
          'network_error',
        ),
      ).toBe(true);
      expect(await vault.get('u1')).toMatchObject({
        state: 'refresh_failing',
        failure: { attempts: 1, errorCode: 'network_error' },
      });
      // Inside the cooldown: the same error, no vendor call.
      const n = emu.requests.length;
      expect(
        isGrantkitError(
          await vault
            .client('u1')
            .getAccessToken()
            .catch((e: unknown) => e),
          'network_error',
        ),
      ).toBe(true);
      expect(emu.requests.length).toBe(n);
      world.advance(301_000);
      expect(typeof (await vault.client('u1').getAccessToken())).toBe('string');
      const c = (await vault.get('u1'))!;
      expect(c.state).toBe('active');
      expect(c.failure).toBeUndefined();
      expect(c.lastRefreshed).toBe(Date.now());
      expect(c.lastUsed).toBe(Date.now());
      expect(events.map((e) => e.to)).toEqual(['active', 'refresh_failing', 'active']);
    });

    it('delete revokes at the vendor, and a renewal racing it cannot bring the connection back', async () => {
      const { emu, events } = world;
      const adapter = oaAdapter();
      const login = () =>
        createTokenClient({ adapter, fetch: emu.fetch }).exchangeCode(
          emu.issueCode('oauth2', oa.clientId),
          { redirectUri: oa.redirectUri },
        );
      const a = await world.vault(adapter);
      const b = await world.vault(adapter);
      await a.put('u1', await login());
      world.advance(2 * HOUR);
      // A renewal in process A is at the vendor (slow) when process B deletes the connection.
      emu.setLatency(() => 150);
      const renewal = a
        .client('u1')
        .getTokenSet()
        .then(
          (t) => t,
          (e: unknown) => e,
        );
      await new Promise((r) => setTimeout(r, 40));
      const result = await b.delete('u1');
      emu.setLatency(undefined);
      const renewed = await renewal;
      expect(result.status).toBe('revoked');
      expect(await a.get('u1')).toBeUndefined();
      expect(await b.list()).toEqual([]);
      // The newest refresh token (the one the racing renewal got) is the one revoked.
      if (!(renewed instanceof Error)) {
        const reuse = createTokenClient({ adapter, fetch: emu.fetch });
        await reuse.setTokenSet({ ...(renewed as TokenSet), expiresAt: Date.now() - 1 });
        expect(
          isGrantkitError(
            await reuse.refresh().catch((e: unknown) => e),
            'reauthorization_required',
          ),
        ).toBe(true);
      }
      // Nothing brings it back: a client, a keep-alive, another renewal.
      expect(
        isGrantkitError(
          await a
            .client('u1')
            .getAccessToken()
            .catch((e: unknown) => e),
          'reauthorization_required',
        ),
      ).toBe(true);
      await a.keepAlive({ jitter: 0, window: 365 * 86400 });
      expect(await b.get('u1')).toBeUndefined();
      if (name === 'redis')
        expect((await world.raw()).filter((v) => v.includes('u1') && !v.includes('lock'))).toEqual(
          [],
        );
      expect(events.filter((e) => e.id === 'u1').map((e) => e.to)).toEqual(['active', 'deleted']);
    });

    it('delete while a renewal holds the lock but has not reached the vendor: the stored set is still revoked', async () => {
      const { emu } = world;
      const adapter = oaAdapter();
      const tokens = await createTokenClient({ adapter, fetch: emu.fetch }).exchangeCode(
        emu.issueCode('oauth2', oa.clientId),
        { redirectUri: oa.redirectUri },
      );
      // Process A takes the refresh lock, then waits until process B has removed the record.
      let lockHeld!: () => void;
      const held = new Promise<void>((r) => (lockHeld = r));
      let recordRemoved!: () => void;
      const removed = new Promise<void>((r) => (recordRemoved = r));
      const engineA = await world.engine();
      const engineB = await world.engine();
      const a = await world.vault(adapter, {
        engine: {
          ...engineA,
          lock: async (k, o, t) => {
            const ok = await engineA.lock(k, o, t);
            if (ok) {
              lockHeld();
              await removed;
            }
            return ok;
          },
        },
      });
      const b = await world.vault(adapter, {
        engine: {
          ...engineB,
          remove: async (k) => {
            await engineB.remove(k);
            recordRemoved();
          },
        },
      });
      await a.put('u1', tokens);
      world.advance(2 * HOUR);
      const renewal = a
        .client('u1')
        .getTokenSet()
        .catch((e: unknown) => e);
      await held;
      const result = await b.delete('u1');
      expect(isGrantkitError(await renewal, 'reauthorization_required')).toBe(true);
      expect(emu.count({ grant: 'refresh_token' })).toBe(0); // A never reached the vendor
      expect(result.status).toBe('revoked');
      const reuse = createTokenClient({ adapter, fetch: emu.fetch });
      await reuse.setTokenSet({ ...tokens, expiresAt: Date.now() - 1 });
      expect(
        isGrantkitError(await reuse.refresh().catch((e: unknown) => e), 'reauthorization_required'),
      ).toBe(true);
      expect(await b.list()).toEqual([]);
    });

    it('keep-alive runs once at a time across processes; each connection renewed once', async () => {
      const { emu } = world;
      const a = await world.vault(olAdapter());
      const b = await world.vault(olAdapter());
      for (let i = 0; i < 20; i++)
        await a.put(`u${String(i).padStart(2, '0')}`, await olLogin(emu, `user${i}`));
      world.advance(25 * DAY);
      const before = olRefreshes(emu);
      const [ra, rb] = await Promise.all([
        a.keepAlive({ concurrency: 4, jitter: 5 }),
        b.keepAlive({ concurrency: 4, jitter: 5 }),
      ]);
      expect([ra.ran, rb.ran].filter(Boolean)).toHaveLength(1);
      expect(ra.renewed + rb.renewed).toBe(20);
      expect(olRefreshes(emu) - before).toBe(20);
      // Right after: nothing left to renew.
      expect((await b.keepAlive({ jitter: 0 })).renewed).toBe(0);
      expect((await a.list()).every((c) => c.refreshExpiresAt! - Date.now() === 30 * DAY)).toBe(
        true,
      );
    });

    it('canary scan: no token in any event, listed state or raw store value', async () => {
      const { emu, events } = world;
      const vault = await world.vault(fdAdapter());
      const tokens = await fdLogin(emu);
      await vault.put('u1', tokens);
      await vault.put('u2', await fdLogin(emu, 'user_2'));
      world.advance(2 * HOUR);
      await vault.client('u1').getAccessToken();
      emu.revokeConsent(fdApp.appId, 'user_2');
      await vault
        .client('u2')
        .getAccessToken()
        .catch(() => {});
      emu.fault({ path: '/v0/auth/token', status: 500 });
      world.advance(2 * HOUR);
      await vault
        .client('u1')
        .getAccessToken()
        .catch(() => {});
      await vault.delete('u2');
      expect(events.map((e) => e.to)).toEqual([
        'active',
        'active',
        'needs_reauthorization',
        'refresh_failing',
        'deleted',
      ]);
      const texts = [
        JSON.stringify(events),
        JSON.stringify(await vault.list()),
        JSON.stringify(await vault.get('u1')),
        ...(await world.raw()),
        ...world.written,
      ];
      expect(texts.join('\n')).not.toContain(tokens.accessToken);
      for (const text of texts) expect(findLeaks(text)).toEqual([]);
      expect(world.written.length).toBeGreaterThan(10);
      // The Durable Objects' files do hold the sealed values the scan just read.
      if (name === 'durable object')
        expect((await objects!.rawFiles()).some((f) => f.includes(SEALED_PREFIX))).toBe(true);
    });
  },
  180_000,
); // bounds the Durable Object run (~10 ms a call through miniflare on a loaded machine)

describe.skipIf(!enabled)('vault keep-alive at scale on Redis', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('1,000 connections, keep-alive with concurrency 8 from 2 processes: each renewed once, none twice', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.UTC(2030, 0, 1));
    const admin = await connect(server!.url);
    await admin.flushAll();
    await admin.disconnect();
    const emu = createVendorEmulator({ now: Date.now() });
    const adapter = orangeLogic({ ...ol, siteUrl: OL });
    const vaults = await Promise.all(
      [0, 1].map(async () => {
        const client = await connect(server!.url);
        redisClients.push(client);
        return createVault({
          engine: redisEngine(client),
          secret: SECRET,
          adapter,
          fetch: emu.fetch,
          retry: { limit: 0 },
        });
      }),
    );
    const login = createTokenClient({ adapter, fetch: emu.fetch });
    const ids = Array.from({ length: 1000 }, (_, i) => `user-${String(i).padStart(4, '0')}`);
    // Filed from both processes at once (the index converges by compare-and-swap).
    for (let i = 0; i < ids.length; i += 20) {
      await Promise.all(
        ids
          .slice(i, i + 20)
          .map(async (id, k) =>
            vaults[k % 2]!.put(
              id,
              await login.exchangeCode(emu.issueCode('orangeLogic', ol.clientId, { userId: id })),
            ),
          ),
      );
    }
    expect((await vaults[1]!.list()).map((c) => c.id)).toEqual(ids);
    emu.clock.advance(25 * DAY);
    vi.setSystemTime(Date.now() + 25 * DAY);
    const refreshes = () => emu.count({ grant: 'refresh_token' });
    const t0 = performance.now();
    const reports = await Promise.all(
      vaults.map((v) => v.keepAlive({ concurrency: 8, jitter: 0 })),
    );
    const ms = performance.now() - t0;
    expect(reports.filter((r) => r.ran)).toHaveLength(1);
    const ran = reports.find((r) => r.ran)!;
    expect(ran).toMatchObject({ checked: 1000, renewed: 1000, failed: 0 });
    expect(refreshes()).toBe(1000);
    // Each renewed once: the next run (from either process) finds nothing to renew.
    expect((await vaults[1]!.keepAlive({ concurrency: 8, jitter: 0 })).renewed).toBe(0);
    expect(refreshes()).toBe(1000);
    console.info(
      `vault keep-alive: 1000 connections renewed in ${Math.round(ms)} ms (concurrency 8, Redis, 2 processes)`,
    );
  }, 120_000);
});
