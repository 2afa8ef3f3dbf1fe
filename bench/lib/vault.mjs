// (8) The vault's keep-alive on Redis (issue #15). Runs as a child of run.mjs and prints one line
// `@@RESULT {json}`.
//  1,000 Orange Logic connections filed into a vault on a redis-server of its own, their refresh
//  tokens lapsing in 2 days (inside the 7-day window); then 2 processes (children of this one, each
//  with its own Redis connection) start `vault.keepAlive({ concurrency: 8, jitter: 0 })` at the same
//  moment against the vendor emulator on loopback HTTP. Reported: which process ran, the run's
//  duration and renewals/s, and the vendor's refresh count (each connection renewed once, none
//  twice: 1,000 refreshes and 1,000 connections with a new lastRefreshed). Baseline: the same 1,000
//  refreshes from plain token clients (memory storage, no vault), concurrency 8, in one such child
//  process, same emulator: the difference is what the vault adds (Redis lock, re-read,
//  compare-and-swap, sealing, health records).
// redis-server missing → skipped with a line saying so.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createTokenClient, orangeLogic } from '@grantkit/core';
import { redisEngine } from '@grantkit/core/redis';
import { createVault } from '@grantkit/core/vault';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { listenEmulator } from '@grantkit/core/testing/node';
import { connectRedis, hasRedisServer, startRedisServer } from './redis-server.mjs';

const CONNECTIONS = Number(process.env.BENCH_VAULT_CONNECTIONS ?? 1000);
const CONCURRENCY = 8;
const SECRET = 'bench-vault-secret-0123456789abcdef-0123';
const ol = TEST_CREDENTIALS.orangeLogic;
const DAY = 86_400_000;
const adapterFor = (siteUrl) => orangeLogic({ ...ol, siteUrl });

/* ------------------------------------------------ a keep-alive process */

if (process.argv[2] === '--worker' || process.argv[2] === '--baseline') {
  const [, , mode, port, vendorUrl] = process.argv;
  const adapter = adapterFor(vendorUrl);
  // stdin: one JSON line (the baseline's codes), then `go`.
  const lines = createInterface({ input: process.stdin })[Symbol.asyncIterator]();
  const { codes } = JSON.parse((await lines.next()).value);
  let run;
  if (mode === '--worker') {
    const redis = await connectRedis(port);
    const vault = createVault({
      engine: redisEngine(redis),
      secret: SECRET,
      adapter,
      retry: { limit: 0 },
    });
    run = async () => {
      const report = await vault.keepAlive({ concurrency: CONCURRENCY, jitter: 0 });
      await redis.quit();
      return report;
    };
  } else {
    const login = createTokenClient({ adapter });
    const sets = [];
    for (let i = 0; i < codes.length; i += 50)
      sets.push(...(await Promise.all(codes.slice(i, i + 50).map((c) => login.exchangeCode(c)))));
    run = async () => {
      let next = 0;
      await Promise.all(
        Array.from({ length: CONCURRENCY }, async () => {
          while (next < sets.length) {
            const client = createTokenClient({ adapter, retry: { limit: 0 } });
            await client.setTokenSet(sets[next++]);
            await client.refresh();
          }
        }),
      );
      return { refreshed: sets.length };
    };
  }
  process.stdout.write('ready\n');
  // Starts when the parent says so, so both keep-alive processes start together.
  await lines.next();
  const t0 = performance.now();
  const report = await run();
  const wallMs = performance.now() - t0;
  process.stdout.write(`${JSON.stringify({ ...report, wallMs })}\n`);
  process.exit(0);
}

/* ------------------------------------------------ the bench */

let server;
const result = (value) => {
  server?.kill('SIGKILL');
  console.log(`@@RESULT ${JSON.stringify(value)}`);
  process.exit(0);
};
if (!hasRedisServer()) result({ skipped: 'redis-server is not installed' });

const { port, process: redisProcess } = await startRedisServer();
server = redisProcess;

/** A keep-alive (or baseline) process, started and waiting for the go line. */
function worker(vendorUrl, mode = '--worker', codes = []) {
  const proc = spawn(
    process.execPath,
    [fileURLToPath(import.meta.url), mode, String(port), vendorUrl],
    { stdio: ['pipe', 'pipe', 'inherit'] },
  );
  proc.stdin.write(`${JSON.stringify({ codes })}\n`);
  let out = '';
  let onReady;
  const ready = new Promise((resolve) => (onReady = resolve));
  const done = new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      proc.kill('SIGKILL');
      reject(new Error('a keep-alive process took over 240 s'));
    }, 240_000);
    proc.stdout.on('data', (d) => {
      out += d;
      if (out.includes('ready\n')) onReady();
    });
    proc.on('close', (code) => {
      clearTimeout(timer);
      const line = out.trim().split('\n').pop();
      if (code !== 0 || !line?.startsWith('{')) reject(new Error(`keep-alive process: ${code}`));
      else resolve(JSON.parse(line));
    });
  });
  return { ready, done, go: () => proc.stdin.end('go\n') };
}

try {
  const redis = await connectRedis(port);
  const emu = createVendorEmulator();
  const vendor = await listenEmulator(emu);
  try {
    const adapter = adapterFor(vendor.url);
    const login = createTokenClient({ adapter, fetch: emu.fetch });
    const ids = Array.from({ length: CONNECTIONS }, (_, i) => `user-${String(i).padStart(4, '0')}`);
    const issue = async (id) => ({
      ...(await login.exchangeCode(emu.issueCode('orangeLogic', ol.clientId, { userId: id }))),
      // As if filed 28 days ago: the refresh token lapses in 2 days, inside the keep-alive window.
      refreshExpiresAt: Date.now() + 2 * DAY,
    });

    // Baseline: the same number of refreshes, plain token clients, no vault, one child process.
    const base = worker(
      vendor.url,
      '--baseline',
      ids.map((id) => emu.issueCode('orangeLogic', ol.clientId, { userId: id })),
    );
    await base.ready;
    const baseBefore = emu.count({ grant: 'refresh_token' });
    base.go();
    const baselineMs = (await base.done).wallMs;
    const baselineRefreshes = emu.count({ grant: 'refresh_token' }) - baseBefore;

    // The vault: filed from here, kept alive by 2 processes started together.
    const filer = createVault({
      engine: redisEngine(redis),
      secret: SECRET,
      adapter,
      fetch: emu.fetch,
    });
    for (let i = 0; i < ids.length; i += 50)
      await Promise.all(ids.slice(i, i + 50).map(async (id) => filer.put(id, await issue(id))));
    const workers = [worker(vendor.url), worker(vendor.url)];
    await Promise.all(workers.map((w) => w.ready));
    const before = emu.count({ grant: 'refresh_token' });
    const t1 = performance.now();
    for (const w of workers) w.go();
    const reports = await Promise.all(workers.map((w) => w.done));
    const wallMs = performance.now() - t1;
    const refreshes = emu.count({ grant: 'refresh_token' }) - before;
    const listed = await filer.list();
    const renewedOnce = listed.filter((c) => c.lastRefreshed !== undefined).length;
    const ran = reports.filter((r) => r.ran);
    // A second run right after: nothing left to renew.
    const again = await filer.keepAlive({ concurrency: CONCURRENCY, jitter: 0 });
    const refreshesAfterSecondRun = emu.count({ grant: 'refresh_token' }) - before;
    await redis.quit();
    const run = ran[0];
    result({
      connections: CONNECTIONS,
      concurrency: CONCURRENCY,
      processes: 2,
      processesThatRan: ran.length,
      renewed: reports.reduce((n, r) => n + r.renewed, 0),
      failed: reports.reduce((n, r) => n + r.failed, 0),
      vendorRefreshes: refreshes,
      connectionsRefreshed: renewedOnce,
      secondRunRenewed: again.renewed,
      refreshesAfterSecondRun,
      durationMs: run?.durationMs ?? null,
      wallMs,
      renewalsPerSecond: run ? (run.renewed / run.durationMs) * 1000 : null,
      baseline: {
        refreshes: baselineRefreshes,
        durationMs: baselineMs,
        refreshesPerSecond: (baselineRefreshes / baselineMs) * 1000,
      },
      ratio: run ? run.durationMs / baselineMs : null,
    });
  } finally {
    await vendor.close();
  }
} catch (error) {
  server?.kill('SIGKILL');
  throw error;
}
