// Issue #11 defect 2: an upstream that compresses (the emulator with `compress`, over loopback HTTP),
// the built edge handler in Node, Deno and workerd, and a browser-like fetch reading what the proxy
// answers. Node's and Deno's fetch decode the upstream body but keep Content-Encoding: the old proxy
// copied it onto the decoded bytes and every proxied answer was unreadable.
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { promisify } from 'node:util';
import { Miniflare } from 'miniflare';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createVendorEmulator, type ContentCoding } from '@grantkit/core/testing';
import { listenEmulator, type EmulatorServer } from '@grantkit/core/testing/node';
import { available, bundle, fixture, root } from './harness';
// @ts-expect-error plain ESM fixture shared with the Deno and workerd runs
import { browserChecks, compressionApp } from './fixtures/proxy-compression.mjs';

type Result = { coding: string; what: string; ok: boolean; status?: number; error?: string };
const CODINGS: ContentCoding[] = ['gzip', 'deflate', 'br'];
const run = promisify(execFile);
let servers: EmulatorServer[] = [];
let vendors: Record<string, string> = {};
/** The Accept-Encoding of every request the vendors got, per coding: proves each runtime's fetch asked for it. */
const accepted: Record<string, string[]> = {};

beforeAll(async () => {
  const fallback = (coding: string) => (request: Request) => (
    (accepted[coding] ??= []).push(request.headers.get('accept-encoding') ?? ''),
    null
  );
  servers = await Promise.all(
    CODINGS.map((coding) =>
      listenEmulator(createVendorEmulator({ compress: coding }), { fallback: fallback(coding) }),
    ),
  );
  vendors = Object.fromEntries(CODINGS.map((coding, i) => [coding, servers[i]!.url]));
  // The upstream really compresses, in each coding.
  for (const coding of CODINGS) {
    const res = await fetch(`${vendors[coding]}/no-such-endpoint`, {
      headers: { 'accept-encoding': coding },
    });
    expect(res.headers.get('content-encoding')).toBe(coding);
    await res.body?.cancel();
  }
  for (const k of Object.keys(accepted)) delete accepted[k];
});

afterAll(async () => {
  await Promise.all(servers.map((s) => s.close()));
});

function expectReadable(results: Result[], runtime: string) {
  console.log(
    `${runtime} compressed upstream:`,
    JSON.stringify(results),
    'accept-encoding seen:',
    JSON.stringify(
      Object.fromEntries(Object.entries(accepted).map(([k, v]) => [k, [...new Set(v)]])),
    ),
  );
  // The proxy asks for gzip and br (what every runtime decodes): those answers came compressed. The
  // deflate-only vendor answers the proxy in identity, as a real API would.
  const exercised = CODINGS.filter((coding) =>
    accepted[coding]?.some((a) => a.split(',').some((x) => x.trim() === coding)),
  );
  console.log(`${runtime}: answers compressed in ${exercised.join(', ')}`);
  expect(exercised.length, `${runtime} compressed codings`).toBeGreaterThanOrEqual(2);
  for (const k of Object.keys(accepted)) delete accepted[k];
  expect(results.length).toBe(CODINGS.length * 2);
  expect(results.filter((r) => !r.ok)).toEqual([]);
}

it('Node: answers of a gzip / deflate / br upstream reach the browser readable (handler behind node:http)', async () => {
  const { handler, login } = compressionApp(vendors);
  const server = createServer(async (req, res) => {
    const body =
      req.method === 'GET' || req.method === 'HEAD'
        ? undefined
        : (Readable.toWeb(req) as ReadableStream);
    const headers = Object.entries(req.headers).flatMap(([k, v]) =>
      Array.isArray(v) ? v.map((x) => [k, x]) : v === undefined ? [] : [[k, v]],
    ) as [string, string][];
    const response: Response = await handler(
      new Request(`${origin}${req.url}`, {
        method: req.method,
        headers,
        body,
        duplex: 'half',
      } as RequestInit),
    );
    res.writeHead(response.status, [...response.headers].flat());
    res.end(Buffer.from(await response.arrayBuffer()));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  try {
    expectReadable(await browserChecks(fetch, origin, await login(origin)), 'node');
  } finally {
    server.closeAllConnections();
    server.close();
  }
});

it('Deno: answers of a gzip / deflate / br upstream reach the browser readable (handler behind Deno.serve)', async () => {
  const deno = join(root, 'node_modules/.bin/deno');
  if (!available('deno', existsSync(deno))) return;
  const { stdout } = await run(
    deno,
    [
      'run',
      '--node-modules-dir=manual',
      '--no-remote',
      '--allow-net=127.0.0.1',
      '--allow-read',
      '--allow-env',
      fixture('proxy-compression-deno.mjs'),
      JSON.stringify(vendors),
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
  expectReadable(JSON.parse(stdout.trim().split('\n').pop() ?? '[]') as Result[], 'deno');
});

it('workerd (no nodejs_compat): answers of a gzip / deflate / br upstream reach the browser readable', async () => {
  const script = await bundle(fixture('proxy-compression-worker.mjs'), 'neutral', [
    'workerd',
    'worker',
    'browser',
  ]);
  const mf = new Miniflare({
    modules: true,
    script: await readFile(script, 'utf8'),
    compatibilityDate: '2026-07-01',
    bindings: { VENDORS: JSON.stringify(vendors) },
  });
  try {
    const origin = 'http://localhost';
    const login = await (await mf.dispatchFetch(`${origin}/__login`)).text();
    expect(login.startsWith('{'), login.slice(0, 300)).toBe(true);
    const cookies = JSON.parse(login) as Record<string, string>;
    const browser = (url: string, init: RequestInit) =>
      mf.dispatchFetch(url, init as never) as unknown as Promise<Response>;
    expectReadable(await browserChecks(browser, origin, cookies), 'workerd');
  } finally {
    await mf.dispose();
  }
});
