// The vault on Deno KV, with the built packages in real Deno processes sharing one KV file: filed
// from one process, a keep-alive started by 2 processes at once runs once (the engine lock) and
// renews every connection exactly once; a raw dump of the KV file holds no token.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { findLeaks } from '../security/canary-scan';
import { available, fixture, root } from './harness';

const run = promisify(execFile);
const deno = join(root, 'node_modules/.bin/deno');
const enabled = available('deno', existsSync(deno));
const CANARY = 'CANARY-vault-denokv-';
let dir: string;
let denoDir: string;

beforeAll(async () => {
  if (!enabled) return;
  dir = await mkdtemp(join(tmpdir(), 'grantkit-vault-kv-'));
  denoDir = await mkdtemp(join(tmpdir(), 'deno-'));
});
afterAll(async () => {
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
const env = () => ({ ...process.env, DENO_NO_UPDATE_CHECK: '1', DENO_DIR: denoDir });

async function denoRun<T>(file: string, rest: string[], input?: string): Promise<T> {
  const child = run(deno, args(file, ...rest), { cwd: root, env: env(), timeout: 90_000 });
  if (input !== undefined) {
    child.child.stdin!.end(input);
  } else child.child.stdin!.end();
  const { stdout } = await child;
  return JSON.parse(stdout.trim().split('\n').pop() ?? '') as T;
}

describe.skipIf(!enabled)('vault on Deno KV, in Deno', () => {
  it('50 connections: keep-alive from 2 processes at once runs once, renews each exactly once; the KV file holds no token', async () => {
    const emu = createVendorEmulator({ tokenPrefix: CANARY });
    const vendor = await listenEmulator(emu);
    try {
      const path = join(dir, 'vault.sqlite');
      const codes = Array.from({ length: 50 }, (_, i) =>
        emu.issueCode('orangeLogic', TEST_CREDENTIALS.orangeLogic.clientId, { userId: `u${i}` }),
      );
      const put = await denoRun<{ put: number; events: unknown[] }>(
        'vault-deno-kv.mjs',
        ['put', path, vendor.url],
        JSON.stringify({ codes }),
      );
      expect(put.put).toBe(50);
      expect(put.events).toHaveLength(50); // one `active` per new connection
      const started = Date.now();
      const reports = await Promise.all(
        [0, 1].map(() =>
          denoRun<{
            ran: boolean;
            renewed: number;
            failed: number;
            checked: number;
            durationMs: number;
          }>('vault-deno-kv.mjs', ['keepalive', path, vendor.url]),
        ),
      );
      const ran = reports.filter((r) => r.ran);
      console.log(
        `vault on deno kv: 50 connections renewed by ${ran.length} of 2 processes in ${ran[0]?.durationMs} ms (${Date.now() - started} ms with Deno start-up)`,
      );
      // At once: one runs, the other finds the lock held. One after the other: the second finds
      // nothing due. Either way, each connection is renewed exactly once.
      expect(ran.length).toBeGreaterThanOrEqual(1);
      expect(reports.reduce((n, r) => n + r.renewed, 0)).toBe(50);
      expect(emu.count({ grant: 'refresh_token' })).toBe(50);
      expect(reports.every((r) => r.failed === 0)).toBe(true);
      const listed = await denoRun<{ connections: { id: string; state: string }[] }>(
        'vault-deno-kv.mjs',
        ['list', path, vendor.url],
      );
      expect(listed.connections).toHaveLength(50);
      expect(listed.connections.every((c) => c.state === 'active')).toBe(true);
      const { stdout } = await run(
        deno,
        [
          'run',
          '--unstable-kv',
          '--allow-read',
          `--allow-write=${dir}`,
          fixture('deno-kv-dump.mjs'),
          path,
        ],
        { cwd: root, env: env(), timeout: 60_000 },
      );
      expect(stdout.length).toBeGreaterThan(1000);
      expect(findLeaks(stdout)).toEqual([]);
      expect(findLeaks(JSON.stringify([put, reports, listed]))).toEqual([]);
    } finally {
      await vendor.close();
    }
  });
});
