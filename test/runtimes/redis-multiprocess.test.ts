// Issue #13, measured as an operator would deploy it: 4 real Node processes (child processes, the
// built packages) serve the same edge handler; requests go round-robin over them; the vendor is the
// emulator over loopback, issuing single-use rotating refresh tokens. On Redis (redisSessionStore +
// redisCoordinator) a session whose access token expired is refreshed exactly once, whatever the
// load; on cookie-only sessions the numbers are recorded (and said in the edge README).
import { fork, type ChildProcess } from 'node:child_process';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createClient } from 'redis';
import { createVendorEmulator, type VendorEmulator } from '@grantkit/core/testing';
import { listenEmulator, type EmulatorServer } from '@grantkit/core/testing/node';
import { fixture } from './harness';
import {
  loggedIn,
  login as loginThrough,
  ping,
  sessionCookie,
  wave,
  type Proc,
} from './many-servers';
import { hasRedis, startRedis, type RedisServer } from '../stores/redis-server';

const enabled = hasRedis();
const TOKEN = '/v0/auth/token';

let redis: RedisServer;
let emu: VendorEmulator;
let vendor: EmulatorServer;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!enabled) return;
  redis = await startRedis();
  emu = createVendorEmulator({ tokenPrefix: 'CANARY-many-' });
  // A vendor that takes a moment to answer a token request: the window in which processes race.
  emu.setLatency((request) => (new URL(request.url).pathname === TOKEN ? 40 : 0));
  vendor = await listenEmulator(emu);
});
afterEach(() => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
});
afterAll(async () => {
  await vendor?.close();
  await redis?.stop();
});

async function spawnServer(env: Record<string, string>): Promise<Proc> {
  const child = fork(fixture('redis-edge-server.mjs'), [], {
    env: { ...process.env, VENDOR_URL: vendor.url, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  children.add(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`server exited ${code}`)));
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

const servers = (n: number, env: Record<string, string>) =>
  Promise.all(Array.from({ length: n }, () => spawnServer(env)));

const refreshes = () => emu.count({ path: TOKEN, grant: 'refresh_token' });

describe.skipIf(!enabled)('many servers, one refresh (4 Node processes)', () => {
  it('on Redis: 200 concurrent requests then 50 with the newest cookie → 1 refresh, 0 failed, still logged in', async () => {
    const procs = await servers(4, { REDIS_URL: redis.url });
    const cookie = await loginThrough(procs[0]!, emu);
    emu.clearRequests();
    const started = Date.now();
    const first = await wave(procs, 200, cookie);
    const second = await wave(procs, 50, first.newest);
    console.log(
      `redis, 4 processes: ${refreshes()} refresh(es) at the vendor; wave 1 ${JSON.stringify(first.statuses)}, wave 2 ${JSON.stringify(second.statuses)}, ${Date.now() - started} ms`,
    );
    expect(refreshes()).toBe(1);
    expect(first.statuses).toEqual({ 200: 200 });
    expect(second.statuses).toEqual({ 200: 50 });
    expect(await loggedIn(procs[3]!, second.newest)).toBe(true);
    // No token in clear in Redis after the flow.
    const raw = createClient({ url: redis.url });
    await raw.connect();
    for (const key of await raw.keys('*')) {
      const value = (await raw.get(key)) ?? '';
      expect(value).not.toContain('CANARY-many-');
      expect(value.startsWith('gk1.')).toBe(true);
    }
    await raw.quit();
  });

  it('cookie-only sessions (no store): the same load, measured', async () => {
    const procs = await servers(4, { REDIS_URL: '' });
    const runs: { refreshes: number; failed: number; loggedIn: boolean }[] = [];
    for (let run = 0; run < 2; run++) {
      const cookie = await loginThrough(procs[0]!, emu);
      emu.clearRequests();
      const first = await wave(procs, 200, cookie);
      const second = await wave(procs, 50, first.newest);
      const failed = 250 - (first.statuses[200] ?? 0) - (second.statuses[200] ?? 0);
      runs.push({
        refreshes: refreshes(),
        failed,
        loggedIn: first.newest !== '' && (await loggedIn(procs[0]!, first.newest)),
      });
      console.log(
        `cookie-only, 4 processes, run ${run + 1}: ${refreshes()} refreshes, ${failed} of 250 failed (${JSON.stringify({ ...first.codes, ...second.codes })}), cleared ${first.cleared + second.cleared}, logged in after: ${runs.at(-1)!.loggedIn}`,
      );
    }
    // What the README says: each process refreshes at least once (4–6 in all); every process but the
    // first to rotate is refused (its refresh token was already used) and answers 401 consent_required.
    for (const r of runs) {
      expect(r.refreshes).toBeGreaterThanOrEqual(2);
      expect(r.refreshes).toBeLessThanOrEqual(8);
      expect(r.failed).toBeGreaterThan(0);
    }
  });

  it('the lock holder is SIGKILLed before it calls the vendor: another process renews after the TTL, nothing lost', async () => {
    const [holder] = await servers(1, { REDIS_URL: redis.url, HOLD: 'before', LOCK_TTL: '1500' });
    const others = await servers(3, { REDIS_URL: redis.url, LOCK_TTL: '1500' });
    const cookie = await loginThrough(others[0]!, emu);
    emu.clearRequests();
    const holding = new Promise<void>((resolve) => holder!.child.once('message', () => resolve()));
    const held = ping(holder!, cookie).catch(() => undefined);
    await holding;
    holder!.child.kill('SIGKILL');
    const started = Date.now();
    const result = await wave(others, 30, cookie);
    const waited = Date.now() - started;
    await held;
    console.log(
      `holder killed before the vendor call: ${refreshes()} refresh, ${JSON.stringify(result.statuses)}, renewed after ${waited} ms`,
    );
    expect(refreshes()).toBe(1);
    expect(result.statuses).toEqual({ 200: 30 });
    expect(waited).toBeGreaterThanOrEqual(1000);
    expect(await loggedIn(others[1]!, result.newest)).toBe(true);
  });

  it('the lock holder is SIGKILLed after the vendor rotated, before the write: the session ends, typed, refused once', async () => {
    const [holder] = await servers(1, { REDIS_URL: redis.url, HOLD: 'after', LOCK_TTL: '1500' });
    const others = await servers(3, { REDIS_URL: redis.url, LOCK_TTL: '1500' });
    const cookie = await loginThrough(others[0]!, emu);
    emu.clearRequests();
    const rotated = new Promise<void>((resolve) => holder!.child.once('message', () => resolve()));
    void ping(holder!, cookie).catch(() => undefined);
    await rotated;
    holder!.child.kill('SIGKILL');
    const result = await wave(others, 30, cookie);
    const refused = emu.count({ path: TOKEN, grant: 'refresh_token', status: 401 });
    console.log(
      `holder killed after the rotation: ${refreshes()} refresh requests (${refused} refused), ${JSON.stringify(result.statuses)} ${JSON.stringify(result.codes)}`,
    );
    expect(refreshes()).toBe(2); // the rotation lost with the process, and one refused reuse
    expect(refused).toBe(1);
    expect(result.statuses[200] ?? 0).toBe(0);
    // The request that meets the refusal answers the vendor's code; the others, in flight meanwhile,
    // find the refusal recorded (the same code) or the session already ended (reauthorization_required
    // or, once its cookie is gone, unauthenticated). None calls the vendor again.
    expect(
      Object.keys(result.codes).every((code) =>
        ['consent_required', 'reauthorization_required', 'unauthenticated'].includes(code),
      ),
    ).toBe(true);
    expect(result.codes.consent_required).toBeGreaterThanOrEqual(1);
    expect(await loggedIn(others[0]!, cookie)).toBe(false);
  });

  it('Redis restarted mid-load: errors while it is down, no 401, then recovery with the session intact', async () => {
    const procs = await servers(4, { REDIS_URL: redis.url, STORE_TIMEOUT: '300' });
    const cookie = await loginThrough(procs[0]!, emu);
    const warm = await wave(procs, 8, cookie);
    expect(warm.statuses).toEqual({ 200: 8 });
    const during: Record<string, number> = {};
    let stop = false;
    const load = (async () => {
      // Bounded: until told to stop, at most 400 rounds of 4 requests.
      for (let i = 0; i < 400 && !stop; i++) {
        const w = await wave(procs, 4, warm.newest);
        for (const [s, n] of Object.entries(w.statuses)) during[s] = (during[s] ?? 0) + n;
        for (const [c, n] of Object.entries(w.codes)) during[c] = (during[c] ?? 0) + n;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    await new Promise((r) => setTimeout(r, 300));
    await redis.shutdown();
    await new Promise((r) => setTimeout(r, 800));
    await redis.start();
    await new Promise((r) => setTimeout(r, 1200));
    stop = true;
    await load;
    const after = await wave(procs, 40, warm.newest);
    console.log(
      `redis restarted mid-load: during ${JSON.stringify(during)}, after ${JSON.stringify(after.statuses)}`,
    );
    expect(during['401'] ?? 0).toBe(0);
    expect(Object.keys(during).some((s) => Number(s) >= 500)).toBe(true);
    expect(after.statuses).toEqual({ 200: 40 });
    expect(await loggedIn(procs[2]!, warm.newest)).toBe(true);
  });

  it('core alone: 4 worker processes sharing one Partner credential make one token request per expiry', async () => {
    emu.clearRequests();
    const workers = Array.from({ length: 4 }, () => {
      const child = fork(fixture('redis-core-worker.mjs'), [], {
        env: { ...process.env, VENDOR_URL: vendor.url, REDIS_URL: redis.url },
        stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
      });
      children.add(child);
      return child;
    });
    const ask = (child: ChildProcess, what?: string) =>
      new Promise<{ tokens?: string[]; ready?: boolean }>((resolve) => {
        child.once('message', (m) => resolve(m as { tokens?: string[] }));
        if (what) child.send(what);
      });
    await Promise.all(workers.map((w) => ask(w)));
    const rounds: number[] = [];
    const seen = new Set<string>();
    // Each round's tokens live 2 s (the emulator's expires_in), so every round after the first starts expired.
    for (let round = 0; round < 3; round++) {
      emu.fault({ path: TOKEN, expiresIn: 2, times: 1 });
      const answers = await Promise.all(workers.map((w) => ask(w, 'tokens')));
      const tokens = answers.flatMap((a) => a.tokens ?? []);
      expect(tokens.filter((t) => t.startsWith('error:'))).toEqual([]);
      expect(new Set(tokens).size).toBe(1);
      seen.add(tokens[0]!);
      rounds.push(emu.count({ path: TOKEN, status: 200 })); // client_credentials first, then refresh_token
      await new Promise((r) => setTimeout(r, 2100));
    }
    console.log(
      `core alone, 4 processes × 10 calls per round, 3 expiries: token requests after each round ${JSON.stringify(rounds)}`,
    );
    expect(rounds).toEqual([1, 2, 3]);
    expect(seen.size).toBe(3);
  });
});
