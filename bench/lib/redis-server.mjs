// A throwaway redis-server for the Redis benches (redis.mjs, vault.mjs): Debian's binary on
// 127.0.0.1, a free port, no persistence, killed with the bench.
import { spawn, spawnSync } from 'node:child_process';
import { createServer } from 'node:net';
import { createClient } from 'redis';

/** Whether redis-server can run here (without it, a Redis bench reports itself skipped). */
export const hasRedisServer = () =>
  spawnSync('redis-server', ['--version'], { stdio: 'ignore' }).status === 0;

/** Starts redis-server on a free port: `{ port, process }` (kill `process` when done). */
export async function startRedisServer() {
  const port = await new Promise((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port: p } = s.address();
      s.close(() => resolve(p));
    });
  });
  const process = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  return { port, process };
}

/** A node-redis client of the server on `port`, connected (bounded: 100 × 50 ms while it starts). */
export async function connectRedis(port) {
  const client = createClient({ url: `redis://127.0.0.1:${port}`, disableOfflineQueue: true });
  client.on('error', () => {});
  for (let i = 0; ; i++) {
    try {
      return await client.connect();
    } catch (error) {
      if (i >= 100) throw error;
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
