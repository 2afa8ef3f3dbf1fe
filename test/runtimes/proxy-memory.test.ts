// Issue #11 defect 1, measured: the built edge handler behind node:http (the Node example's shape) in
// a child process; a client sends 100 MiB chunked; the server's peak RSS growth must stay in the low
// MiB. `/__naive` reads the same body the way the old proxy did (arrayBuffer) and shows what the
// probe sees when a body is buffered.
import { fork, type ChildProcess } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { fixture } from './harness';

const MiB = 1024 * 1024;
const BODY = 100 * MiB;
/** Peak growth allowed for a 100 MiB body (the old proxy grew by more than the body itself). */
const BOUND_MiB = 24;

let child: ChildProcess;
let base = '';
let cookies: { small: string; big: string };

beforeAll(async () => {
  child = fork(fixture('proxy-memory-server.mjs'), [], {
    execArgv: ['--expose-gc'],
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
  });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      if (out.includes('\n')) resolve(out.split('\n')[0]!);
    });
    child.once('exit', (code) => reject(new Error(`fixture exited ${code}`)));
  });
  ({ url: base, cookies } = JSON.parse(line) as { url: string; cookies: typeof cookies });
});

afterAll(() => {
  child?.send('close');
  child?.kill();
});

const json = async (path: string) =>
  (await fetch(`${base}${path}`)).json() as Promise<Record<string, number>>;

/** Sends `size` bytes chunked (64 KiB writes, with backpressure) until done or the server answers; resolves the status. */
function sendChunked(
  path: string,
  size: number,
  cookie: string,
): Promise<{ status: number; body: string; sent: number }> {
  return new Promise((resolve, reject) => {
    const block = Buffer.alloc(65_536, 0x61);
    let sent = 0;
    let answered = false;
    const req = httpRequest(`${base}${path}`, {
      method: 'POST',
      headers: {
        'transfer-encoding': 'chunked',
        'content-type': 'application/json',
        origin: 'http://127.0.0.1',
        'x-grantkit-csrf': '1',
        'sec-fetch-site': 'same-origin',
        cookie,
      },
    });
    req.on('response', (res) => {
      answered = true;
      let body = '';
      res.on('data', (c: Buffer) => (body += c.toString()));
      res.on('end', () => {
        req.destroy();
        resolve({ status: res.statusCode ?? 0, body, sent });
      });
    });
    req.on('error', (e) => (answered ? undefined : reject(e)));
    const pump = () => {
      while (!answered && sent < size) {
        sent += block.length;
        if (!req.write(block)) return void req.once('drain', pump);
      }
      if (!answered) req.end();
    };
    pump();
  });
}

async function measured<T>(
  run: () => Promise<T>,
): Promise<{ result: T; rssGrowthMiB: number; externalGrowthMiB: number }> {
  await json('/__mem/start');
  const result = await run();
  const { rssGrowthMiB, externalGrowthMiB } = await json('/__mem/stop');
  return { result, rssGrowthMiB: rssGrowthMiB!, externalGrowthMiB: externalGrowthMiB! };
}

it('100 MiB chunked to the proxy (limit 1 MiB): 413, and the server grows by a few MiB only', async () => {
  const m = await measured(() => sendChunked('/api/graphql', BODY, cookies.small));
  console.log(
    `proxy, 100 MiB chunked, limit 1 MiB: status ${m.result.status}, sent before the answer ${(m.result.sent / MiB).toFixed(1)} MiB, peak RSS +${m.rssGrowthMiB.toFixed(1)} MiB, external +${m.externalGrowthMiB.toFixed(1)} MiB`,
  );
  expect(m.result.status).toBe(413);
  expect(m.rssGrowthMiB).toBeLessThan(BOUND_MiB);
  expect(m.externalGrowthMiB).toBeLessThan(BOUND_MiB);
});

it('100 MiB chunked to the proxy (limit 256 MiB): streamed to the upstream whole, and the server grows by a few MiB only', async () => {
  const m = await measured(() => sendChunked('/big/api/sink', BODY, cookies.big));
  console.log(
    `proxy, 100 MiB chunked streamed upstream: status ${m.result.status} ${m.result.body}, peak RSS +${m.rssGrowthMiB.toFixed(1)} MiB, external +${m.externalGrowthMiB.toFixed(1)} MiB`,
  );
  expect(m.result.status).toBe(200);
  expect(JSON.parse(m.result.body)).toEqual({ received: BODY });
  expect(m.rssGrowthMiB).toBeLessThan(BOUND_MiB);
  expect(m.externalGrowthMiB).toBeLessThan(BOUND_MiB);
});

it('100 MiB behind a lying Content-Length: 10: 413 after reading about the limit, a few MiB of growth', async () => {
  const m = await measured(() => json(`/__lying?size=${BODY}`));
  console.log(
    `proxy, 100 MiB with Content-Length: 10: status ${m.result.status}, read ${(m.result.pulled! / MiB).toFixed(2)} MiB, peak RSS +${m.rssGrowthMiB.toFixed(1)} MiB, external +${m.externalGrowthMiB.toFixed(1)} MiB`,
  );
  expect(m.result.status).toBe(413);
  expect(m.result.pulled).toBeLessThanOrEqual(MiB + 2 * 65_536);
  expect(m.rssGrowthMiB).toBeLessThan(BOUND_MiB);
});

// Last: the buffered body leaves the process with a larger heap, which would hide growth in later runs.
it('calibration: buffering the 100 MiB body (the old proxy: arrayBuffer) grows the server by more than 100 MiB', async () => {
  const m = await measured(() => sendChunked('/__naive', BODY, ''));
  console.log(
    `naive arrayBuffer of 100 MiB chunked: status ${m.result.status}, peak RSS +${m.rssGrowthMiB.toFixed(1)} MiB, external +${m.externalGrowthMiB.toFixed(1)} MiB`,
  );
  expect(m.result.status).toBe(200);
  expect(m.rssGrowthMiB + m.externalGrowthMiB).toBeGreaterThan(90);
});
