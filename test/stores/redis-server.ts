// A throwaway redis-server for the store tests: Debian's binary on 127.0.0.1, a free port, no
// persistence. Missing locally → the tests skip with a message; with GRANTKIT_CI=1 → a failure.
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createClient } from 'redis';

export const REDIS_SERVER = process.env.REDIS_SERVER_PATH ?? 'redis-server';

/** Whether redis-server can run here; in CI its absence fails the suite. */
export function hasRedis(): boolean {
  const present = spawnSync(REDIS_SERVER, ['--version'], { stdio: 'ignore' }).status === 0;
  if (present) return true;
  if (process.env.GRANTKIT_CI === '1')
    throw new Error('redis-server is missing, and GRANTKIT_CI=1 makes that a failure');
  console.warn(
    'skipping the Redis store tests: redis-server is not installed (run .ci/run, or apt-get install redis-server)',
  );
  return false;
}

export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

export interface RedisServer {
  port: number;
  url: string;
  /** Stops the server (SIGKILL: an outage, not a shutdown). */
  kill(): Promise<void>;
  /** Starts it again on the same port: empty after `kill`, with its data after `shutdown`. */
  start(): Promise<void>;
  /** `SHUTDOWN SAVE`: an operator's restart (the data comes back with `start`). */
  shutdown(): Promise<void>;
  /** SIGSTOP / SIGCONT: a hung server (connections open, no answer). */
  pause(): void;
  resume(): void;
  stop(): Promise<void>;
}

/** Starts redis-server on 127.0.0.1 and a free port; resolves once it answers PING. */
export async function startRedis(): Promise<RedisServer> {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'grantkit-redis-'));
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn(
      REDIS_SERVER,
      [
        '--port',
        String(port),
        '--bind',
        '127.0.0.1',
        '--save',
        '',
        '--appendonly',
        'no',
        '--protected-mode',
        'yes',
        '--dir',
        dir,
      ],
      { stdio: 'ignore' },
    );
    // Bounded: 100 × 50 ms.
    for (let i = 0; i < 100; i++) {
      const probe = createClient({
        url: `redis://127.0.0.1:${port}`,
        socket: { reconnectStrategy: false, connectTimeout: 500 },
      });
      probe.on('error', () => {});
      try {
        await probe.connect();
        await probe.ping();
        await probe.quit();
        return;
      } catch {
        try {
          await probe.disconnect();
        } catch {
          // Never connected.
        }
        await new Promise((r) => setTimeout(r, 50));
      }
    }
    throw new Error(`redis-server did not start on port ${port}`);
  };
  const kill = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      c.once('exit', () => resolve());
      c.kill('SIGKILL');
    });
  };
  const shutdown = async () => {
    const c = child;
    child = undefined;
    if (!c || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => c.once('exit', () => resolve()));
    const admin = createClient({
      url: `redis://127.0.0.1:${port}`,
      socket: { reconnectStrategy: false },
    });
    admin.on('error', () => {});
    await admin.connect();
    await admin.sendCommand(['SHUTDOWN', 'SAVE']).catch(() => {});
    try {
      await admin.disconnect();
    } catch {
      // Already closed by the shutdown.
    }
    await exited;
  };
  await start();
  return {
    port,
    url: `redis://127.0.0.1:${port}`,
    kill,
    start,
    shutdown,
    pause: () => void child?.kill('SIGSTOP'),
    resume: () => void child?.kill('SIGCONT'),
    stop: async () => {
      child?.kill('SIGCONT');
      await kill();
    },
  };
}

/** A node-redis client the way the README tells users to make one (fails fast while Redis is down). */
export async function connect(url: string) {
  const client = createClient({
    url,
    disableOfflineQueue: true,
    socket: {
      reconnectStrategy: (retries: number) => Math.min(50 * 2 ** retries, 500),
      connectTimeout: 1000,
    },
  });
  client.on('error', () => {}); // reconnects by itself; grantkit reports store_unavailable meanwhile
  await client.connect();
  return client;
}
