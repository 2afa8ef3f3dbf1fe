import { execFile } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect, it } from 'vitest';
import { createVendorEmulator } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { available, credentials, expected, fixture, root } from './harness';
import { describeEdgeSuite, type EdgeResult } from '../edge/named';

const run = promisify(execFile);
const deno = join(root, 'node_modules/.bin/deno');

it('Deno: the built packages run the scenario, offline, over loopback HTTP', async () => {
  const { existsSync } = await import('node:fs');
  if (!available('deno', existsSync(deno))) return;
  const emulator = createVendorEmulator();
  const server = await listenEmulator(emulator);
  try {
    const { stdout } = await run(
      deno,
      [
        'run',
        '--node-modules-dir=manual',
        '--no-remote',
        '--allow-net=127.0.0.1',
        '--allow-read',
        '--allow-env',
        fixture('deno.mjs'),
        server.url,
        JSON.stringify(credentials),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          DENO_NO_UPDATE_CHECK: '1',
          DENO_DIR: await mkdtemp(join(tmpdir(), 'deno-')),
        },
        timeout: 60_000,
      },
    );
    const { deno: version, ...result } = JSON.parse(
      stdout.trim().split('\n').pop() ?? '{}',
    ) as Record<string, unknown>;
    console.log(`deno ${String(version)}:`, JSON.stringify(result));
    expect(result).toEqual(expected);
  } finally {
    await server.close();
  }
});

describeEdgeSuite(
  'Deno: the edge handler suite, the handler behind Deno.serve on 127.0.0.1',
  {},
  async () => {
    const { existsSync } = await import('node:fs');
    if (!available('deno', existsSync(deno))) return undefined;
    const { stdout } = await run(
      deno,
      [
        'run',
        '--node-modules-dir=manual',
        '--no-remote',
        '--allow-net=127.0.0.1',
        '--allow-read',
        '--allow-env',
        fixture('edge-deno.mjs'),
      ],
      {
        cwd: root,
        env: {
          ...process.env,
          DENO_NO_UPDATE_CHECK: '1',
          DENO_DIR: await mkdtemp(join(tmpdir(), 'deno-')),
        },
        timeout: 90_000,
      },
    );
    return JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as EdgeResult[];
  },
);
