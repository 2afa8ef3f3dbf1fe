// Issue #13 on Deno KV, with the built packages in real Deno processes sharing one KV file
// (`deno run --unstable-kv`, offline): the SharedEngine contract of @grantkit/core/deno-kv, a lock
// contended by two processes (with SQLite's "database is locked" refusals retried), and 2 Deno
// servers behind Deno.serve running the edge handler on denoKvSessionStore + denoKvCoordinator: an
// expired session under 200 then 50 concurrent proxied requests is refreshed exactly once, no request
// fails, the user stays logged in, and a raw dump of the KV file holds no token.
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVendorEmulator, type VendorEmulator } from '@grantkit/core/testing';
import { listenEmulator, type EmulatorServer } from '@grantkit/core/testing/node';
import { findLeaks } from '../security/canary-scan';
import { available, credentials, fixture, root } from './harness';
import {
  loggedIn,
  login as loginThrough,
  ping,
  sessionCookie,
  wave,
  type Proc,
} from './many-servers';

const run = promisify(execFile);
const deno = join(root, 'node_modules/.bin/deno');
const enabled = available('deno', existsSync(deno));
const TOKEN = '/v0/auth/token';
const CANARY = 'CANARY-denokv-';

let dir: string;
let denoDir: string;
const children = new Set<ChildProcess>();

beforeAll(async () => {
  if (!enabled) return;
  dir = await mkdtemp(join(tmpdir(), 'grantkit-kv-'));
  denoDir = await mkdtemp(join(tmpdir(), 'deno-'));
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  children.clear();
  if (dir) await rm(dir, { recursive: true, force: true });
  if (denoDir) await rm(denoDir, { recursive: true, force: true });
});

const args = (file: string, ...rest: string[]) => [
  'run',
  '--unstable-kv',
  '--node-modules-dir=manual',
  '--no-remote',
  '--allow-net=127.0.0.1',
  '--allow-read',
  `--allow-write=${dir}`,
  '--allow-env',
  fixture(file),
  ...rest,
];
const env = (extra: Record<string, string> = {}) => ({
  ...process.env,
  DENO_NO_UPDATE_CHECK: '1',
  DENO_DIR: denoDir,
  ...extra,
});
const lastLine = (stdout: string) => stdout.trim().split('\n').pop() ?? '';

async function denoRun<T>(file: string, ...rest: string[]): Promise<T> {
  const { stdout } = await run(deno, args(file, ...rest), {
    cwd: root,
    env: env(),
    timeout: 60_000,
  });
  return JSON.parse(lastLine(stdout)) as T;
}

describe.skipIf(!enabled)('Deno KV engine, in Deno, on a real KV file', () => {
  it('conformance: lock owner, dead holder replaced after the TTL, CAS on versionstamps, exact TTL expiry, sealed values', async () => {
    const checks = await denoRun<Record<string, [unknown, unknown]>>(
      'deno-kv-conformance.mjs',
      'conformance',
      join(dir, 'conformance.sqlite'),
    );
    const actual = Object.fromEntries(Object.entries(checks).map(([k, [a]]) => [k, a]));
    const expected = Object.fromEntries(Object.entries(checks).map(([k, [, e]]) => [k, e]));
    expect(Object.keys(checks).length).toBeGreaterThan(30);
    expect(actual).toEqual(expected);
  });

  it("types: a real Deno.Kv (Deno's own types, deno check) fits the structural DenoKvLike of both packages", async () => {
    const { stdout, stderr } = await run(
      deno,
      [
        'check',
        '--unstable-kv',
        '--sloppy-imports',
        '--node-modules-dir=manual',
        '--no-remote',
        fixture('deno-kv-typecheck.mjs'),
      ],
      { cwd: root, env: env(), timeout: 60_000 },
    );
    expect(`${stdout}${stderr}`).not.toMatch(/error/i);
  });

  it('2 processes contend for one lock on one file: mutual exclusion, "database is locked" retried, nothing lost', async () => {
    const path = join(dir, 'contend.sqlite');
    const started = Date.now();
    const results = await Promise.all(
      [0, 1].map(() =>
        denoRun<{ taken: number; waits: number; busy: number; count: number }>(
          'deno-kv-conformance.mjs',
          'contend',
          path,
          '10',
          '10',
        ),
      ),
    );
    const final = Math.max(...results.map((r) => r.count));
    console.log(
      `deno kv, 2 processes × 10 tasks × 10 locked increments: count ${final}, ${results.map((r) => r.busy).join('+')} "database is locked" retried, ${results.map((r) => r.waits).join('+')} lock waits, ${Date.now() - started} ms`,
    );
    expect(results.map((r) => r.taken)).toEqual([100, 100]);
    expect(final).toBe(200);
  });
});

describe.skipIf(!enabled)(
  'core only on Deno KV (createTokenClient with denoKvShared().options)',
  () => {
    it('2 Deno processes × 10 concurrent getAccessToken on one Partner credential → 1 token request at the vendor', async () => {
      const emu = createVendorEmulator({ tokenPrefix: CANARY });
      emu.setLatency((request) => (new URL(request.url).pathname === TOKEN ? 40 : 0));
      const vendor = await listenEmulator(emu);
      try {
        const path = join(dir, 'partner.sqlite');
        const results = await Promise.all(
          [0, 1].map(() =>
            denoRun<{ tokens: string[] }>(
              'deno-kv-conformance.mjs',
              'partner',
              path,
              vendor.url,
              JSON.stringify(credentials),
            ),
          ),
        );
        const requests = emu.count({ path: TOKEN, grant: 'client_credentials' });
        console.log(
          `deno kv, core only, 2 processes × 10 calls: ${requests} token request(s) at the vendor`,
        );
        expect(requests).toBe(1);
        expect(results.map((r) => r.tokens.length)).toEqual([1, 1]);
        expect(results[0]!.tokens).toEqual(results[1]!.tokens);
      } finally {
        await vendor.close();
      }
    });
  },
);

async function spawnServer(extra: Record<string, string>): Promise<Proc> {
  const child = spawn(deno, args('deno-kv-edge-server.mjs'), {
    cwd: root,
    env: env(extra),
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  children.add(child);
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    const timer = setTimeout(
      () => reject(new Error('the Deno server did not start in 30 s')),
      30_000,
    );
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) {
        clearTimeout(timer);
        resolve(out.split('\n')[0]!);
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the Deno server exited ${code}`));
    });
  });
  return { url: (JSON.parse(line) as { url: string }).url, child };
}

/** Resolves when `proc` prints `text` on a line (bounded by the test's timeout). */
const printed = (proc: Proc, text: string) =>
  new Promise<void>((resolve) => {
    const onData = (c: Buffer) => {
      if (c.toString().split('\n').includes(text)) {
        proc.child.stdout!.off('data', onData);
        resolve();
      }
    };
    proc.child.stdout!.on('data', onData);
  });

describe.skipIf(!enabled)(
  'many servers, one refresh (2 Deno processes on one Deno KV file)',
  () => {
    let emu: VendorEmulator;
    let vendor: EmulatorServer;
    beforeAll(async () => {
      emu = createVendorEmulator({ tokenPrefix: CANARY });
      // A vendor that takes a moment to answer a token request: the window in which processes race.
      emu.setLatency((request) => (new URL(request.url).pathname === TOKEN ? 40 : 0));
      vendor = await listenEmulator(emu);
    });
    afterAll(async () => {
      await vendor?.close();
    });

    it('200 concurrent requests then 50 with the newest cookie → 1 refresh, 0 failed, still logged in; the KV file holds no token', async () => {
      const path = join(dir, 'sessions.sqlite');
      const procs = await Promise.all(
        [0, 1].map(() => spawnServer({ VENDOR_URL: vendor.url, KV_PATH: path })),
      );
      const cookie = await loginThrough(procs[0]!, emu);
      emu.clearRequests();
      const started = Date.now();
      const first = await wave(procs, 200, cookie);
      const second = await wave(procs, 50, first.newest);
      const refreshes = emu.count({ path: TOKEN, grant: 'refresh_token' });
      const errors = await Promise.all(
        procs.map(async (p) => (await (await fetch(`${p.url}/__errors`)).json()) as string[]),
      );
      const stats = await Promise.all(
        procs.map(
          async (p) =>
            (await (await fetch(`${p.url}/__stats`)).json()) as {
              reads: number;
              commits: number;
              refused: number;
            },
        ),
      );
      const kvOps = stats.reduce((a, b) => ({
        reads: a.reads + b.reads,
        commits: a.commits + b.commits,
        refused: a.refused + b.refused,
      }));
      console.log(
        `deno kv, 2 processes: ${refreshes} refresh(es) at the vendor; wave 1 ${JSON.stringify(first.statuses)}, wave 2 ${JSON.stringify(second.statuses)}, ${Date.now() - started} ms; KV since start (login included) ${JSON.stringify(kvOps)}; handler errors ${JSON.stringify(errors.flat())}`,
      );
      expect(refreshes).toBe(1);
      expect(first.statuses).toEqual({ 200: 200 });
      expect(second.statuses).toEqual({ 200: 50 });
      expect(first.cleared + second.cleared).toBe(0);
      // Writes: the login's session, then one lock, one compare-and-swap, one release (a few more when
      // both processes race for the lock): not one write per request.
      expect(kvOps.commits).toBeLessThanOrEqual(10);
      expect(await loggedIn(procs[1]!, second.newest)).toBe(true);
      expect(await loggedIn(procs[0]!, second.newest)).toBe(true);

      // A raw dump of the KV file after the flow: every entry sealed, no token in clear.
      const { stdout } = await run(deno, args('deno-kv-dump.mjs', path), {
        cwd: root,
        env: env(),
        timeout: 60_000,
      });
      const dump = lastLine(stdout);
      const entries = JSON.parse(dump) as { key: string[]; value: { v?: unknown; x?: unknown } }[];
      const sessions = entries.filter(
        (e) =>
          e.key[0] === 'grantkit' &&
          e.key[1]?.startsWith('grantkit:session:') &&
          !e.key[1].endsWith('\u0000lock'),
      );
      expect(sessions.length).toBeGreaterThanOrEqual(1);
      for (const entry of sessions) expect(String(entry.value.v).startsWith('gk1.')).toBe(true);
      expect(dump.length).toBeGreaterThan(100);
      expect(findLeaks(dump)).toEqual([]);
    });

    it('the lock holder is SIGKILLed before it calls the vendor: another process renews after the TTL, nothing lost', async () => {
      const path = join(dir, 'sigkill.sqlite');
      const [holder, other] = await Promise.all([
        spawnServer({ VENDOR_URL: vendor.url, KV_PATH: path, HOLD: 'before', LOCK_TTL: '1500' }),
        spawnServer({ VENDOR_URL: vendor.url, KV_PATH: path, LOCK_TTL: '1500' }),
      ]);
      const cookie = await loginThrough(other!, emu);
      emu.clearRequests();
      const holding = printed(holder!, 'holding');
      const held = ping(holder!, cookie).catch(() => undefined);
      await holding;
      holder!.child.kill('SIGKILL');
      const started = Date.now();
      const result = await wave([other!], 30, cookie);
      const waited = Date.now() - started;
      await held;
      const refreshes = emu.count({ path: TOKEN, grant: 'refresh_token' });
      console.log(
        `deno kv, holder killed before the vendor call: ${refreshes} refresh, ${JSON.stringify(result.statuses)}, renewed after ${waited} ms`,
      );
      expect(refreshes).toBe(1);
      expect(result.statuses).toEqual({ 200: 30 });
      expect(waited).toBeGreaterThanOrEqual(900); // the TTL (1.5 s) less one heartbeat (0.5 s), at least
      expect(await loggedIn(other!, result.newest)).toBe(true);
    });
  },
);
