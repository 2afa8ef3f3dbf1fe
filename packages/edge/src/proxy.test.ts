// The API proxy's bodies and headers (issue #11, defects 1, 2 and 9): request bodies are bounded while
// they are read, decoded answers lose the headers of their encoding, and error answers lose the
// session's tokens.
import { describe, expect, it } from 'vitest';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import {
  createVendorEmulator,
  TEST_CREDENTIALS,
  type ContentCoding,
  type EmulatorOptions,
} from '@grantkit/core/testing';
import { CSRF_HEADER } from './csrf';
import { createAuthHandler } from './handler';
import type { AuthHandlerOptions } from './options';

const ORIGIN = 'https://app.example';
const VENDOR = 'https://api.dev.firstdollar.com';
const APP = TEST_CREDENTIALS.firstDollarApp;
const SAME = {
  origin: ORIGIN,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};
const PING = JSON.stringify({ query: 'query { ping }' });
const MiB = 1024 * 1024;

/** A handler on the emulator, logged in; `sink` answers `/sink` by counting the bytes it receives, as they arrive. */
async function setup(
  options: Partial<AuthHandlerOptions> = {},
  emulatorOptions: EmulatorOptions = {},
) {
  const emu = createVendorEmulator(emulatorOptions);
  const tokens = new Set<string>();
  const sink = { received: 0, firstChunkAt: -1 };
  const last: { headers?: Headers } = {};
  const fetcher: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    last.headers = request.headers;
    if (new URL(request.url).pathname === '/sink') {
      for await (const chunk of request.body ?? []) {
        if (sink.firstChunkAt < 0) sink.firstChunkAt = pulled.bytes;
        sink.received += (chunk as Uint8Array).byteLength;
      }
      return Response.json({ received: sink.received });
    }
    if (
      new URL(request.url).pathname === '/encoded' &&
      new URL(request.url).searchParams.has('echo')
    ) {
      return new Response('{}', {
        status: 401,
        statusText: `Refused ${request.headers.get('authorization')}`,
      });
    }
    if (new URL(request.url).pathname === '/encoded') {
      return new Response('{"raw":true}', {
        headers: {
          'content-type': 'application/json',
          'content-encoding': new URL(request.url).searchParams.get('coding')!,
        },
      });
    }
    const response = await emu.fetch(request);
    if (new URL(request.url).pathname === '/v0/auth/token' && response.ok) {
      const body = (await response.clone().json()) as Record<string, string>;
      for (const k of ['access_token', 'refresh_token']) if (body[k]) tokens.add(body[k]);
    }
    return response;
  };
  const handler = createAuthHandler({
    adapter: firstDollarApp({ ...APP, apiBaseUrl: VENDOR }),
    secret: 'proxy-test-session-secret-0123456789abcdef',
    fetch: fetcher,
    retry: { limit: 0 },
    proxy: {
      '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: APP.appId }),
      '/api/sink': `${VENDOR}/sink`,
      '/api/encoded': `${VENDOR}/encoded`,
    },
    ...options,
  });
  const call = async (path: string, init: RequestInit = {}) =>
    (await handler(new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init })))!;
  const login = await call('/auth/login');
  const intent = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const cb = await call(`/auth/callback?code=${emu.issueCode('firstDollar', APP.appId)}`, {
    headers: { cookie: intent },
  });
  const cookie = cb.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const pulled = { bytes: 0 };
  return { emu, tokens, sink, call, cookie, pulled, last };
}

/** A body of `size` bytes made on demand, in 64 KiB chunks; `pulled.bytes` counts what was read. */
function lazyBody(
  size: number,
  pulled: { bytes: number },
  chunk = 65_536,
): ReadableStream<Uint8Array> {
  const block = new Uint8Array(chunk).fill(0x61);
  return new ReadableStream(
    {
      pull(controller) {
        if (pulled.bytes >= size) return controller.close();
        const n = Math.min(chunk, size - pulled.bytes);
        pulled.bytes += n;
        controller.enqueue(n === chunk ? block.slice() : block.slice(0, n));
      },
    },
    { highWaterMark: 0 },
  );
}

const streamed = (body: ReadableStream<Uint8Array>, headers: Record<string, string> = {}) =>
  ({ method: 'POST', body, duplex: 'half', headers }) as RequestInit;

describe('request bodies are bounded while read (defect 1)', () => {
  it('a 100 MiB chunked body is refused with 413 after reading at most the limit plus one chunk', async () => {
    const { call, cookie, pulled } = await setup();
    const res = await call(
      '/api/graphql',
      streamed(lazyBody(100 * MiB, pulled), { ...SAME, cookie }),
    );
    expect(res.status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(MiB + 2 * 65_536);
  });

  it('a lying Content-Length (10, or garbage) does not let a 100 MiB body be buffered', async () => {
    for (const lie of ['10', '0', 'abc', '-1', '1e3']) {
      const { call, cookie, pulled } = await setup();
      const res = await call(
        '/api/graphql',
        streamed(lazyBody(100 * MiB, pulled), { ...SAME, cookie, 'content-length': lie }),
      );
      expect(res.status, lie).toBe(413);
      expect(pulled.bytes, lie).toBeLessThanOrEqual(MiB + 2 * 65_536);
    }
  });

  it('a declared Content-Length over the limit is refused before any byte is read', async () => {
    const { call, cookie, pulled } = await setup();
    const res = await call(
      '/api/graphql',
      streamed(lazyBody(100 * MiB, pulled), {
        ...SAME,
        cookie,
        'content-length': String(100 * MiB),
      }),
    );
    expect(res.status).toBe(413);
    expect(pulled.bytes).toBeLessThanOrEqual(65_536);
  });

  it('a body larger than 64 KiB streams to the upstream: its first bytes leave before the last are read', async () => {
    const { call, cookie, pulled, sink } = await setup({ maxBodyBytes: 32 * MiB });
    const res = await call('/api/sink', streamed(lazyBody(8 * MiB, pulled), { ...SAME, cookie }));
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ received: 8 * MiB });
    expect(sink.firstChunkAt).toBeGreaterThan(0);
    expect(sink.firstChunkAt).toBeLessThan(MiB);
  });

  it('a streamed body that passes the limit midway is cut there: 413, and the upstream got no more than the limit', async () => {
    const { call, cookie, pulled, sink } = await setup({ maxBodyBytes: 2 * MiB });
    const res = await call('/api/sink', streamed(lazyBody(50 * MiB, pulled), { ...SAME, cookie }));
    expect(res.status).toBe(413);
    expect(sink.received).toBeLessThanOrEqual(2 * MiB);
    expect(pulled.bytes).toBeLessThanOrEqual(2 * MiB + 2 * 65_536);
  });

  it('a small body is still replayed after a 401: renewal and retry answer 200', async () => {
    const { emu, call, cookie } = await setup();
    emu.revokeAccessTokens();
    const res = await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie },
      body: PING,
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { ping: 'pong' } });
  });
});

/** What a browser does with an answer: undo `Content-Encoding`, then parse. */
async function asBrowser(res: Response): Promise<unknown> {
  const coding = res.headers.get('content-encoding');
  const format = ({ gzip: 'gzip', deflate: 'deflate', br: 'brotli' } as Record<string, string>)[
    coding ?? ''
  ];
  if (coding && !format) throw new Error(`unknown content-encoding ${coding}`);
  const body = format
    ? res.body!.pipeThrough(new DecompressionStream(format as CompressionFormat))
    : res.body!;
  const bytes = new Uint8Array(await new Response(body).arrayBuffer());
  const length = res.headers.get('content-length');
  if (length !== null && Number(length) !== bytes.byteLength && !format)
    throw new Error(`content-length ${length} for ${bytes.byteLength} bytes`);
  return JSON.parse(new TextDecoder().decode(bytes));
}

describe('decoded answers lose the headers of their encoding (defect 2)', () => {
  for (const coding of ['gzip', 'deflate', 'br'] as ContentCoding[]) {
    it(`an upstream answering ${coding}: the browser reads the proxied answer`, async () => {
      const { call, cookie, emu } = await setup({}, { compress: coding });
      const res = await call('/api/graphql', {
        method: 'POST',
        headers: { ...SAME, cookie },
        body: PING,
      });
      expect(res.status).toBe(200);
      expect(await asBrowser(res)).toEqual({ data: { ping: 'pong' } });
      // and an error answer too
      emu.revokeAccessTokens();
      emu.revokeRefreshTokens();
      const err = await call('/api/graphql', {
        method: 'POST',
        headers: { ...SAME, cookie },
        body: PING,
      });
      expect(err.status).toBeGreaterThanOrEqual(400);
      await asBrowser(err);
    });
  }

  it('the proxy asks the upstream for gzip or br only, the codings every runtime decodes (workerd: no deflate, no zstd)', async () => {
    const { call, cookie, last } = await setup();
    await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie, 'accept-encoding': 'zstd, deflate' },
      body: PING,
    });
    expect(last.headers?.get('accept-encoding')).toBe('gzip, br');
  });

  it('an answer in a coding the proxy did not ask for (it may still be encoded) is a 502, never mislabelled bytes', async () => {
    const { call, cookie } = await setup();
    for (const coding of ['deflate', 'zstd', 'compress', 'gzip, br']) {
      const res = await call(`/api/encoded?coding=${encodeURIComponent(coding)}`, {
        headers: { ...SAME, cookie },
      });
      expect(res.status, coding).toBe(502);
      expect((await res.json()).error).toBe('upstream_encoding');
    }
    const gzip = await call('/api/encoded?coding=gzip', { headers: { ...SAME, cookie } });
    expect(gzip.headers.get('content-encoding')).toBeNull();
  });

  it('a request body sent gzip-encoded keeps its Content-Encoding upstream (the header describes the bytes sent)', async () => {
    const { call, cookie, last } = await setup();
    await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie, 'content-encoding': 'gzip' },
      body: PING,
    });
    expect(last.headers?.get('content-encoding')).toBe('gzip');
  });
});

/** Every spelling of a token the proxy must not let through. */
function spellings(token: string): string[] {
  const b64 = (s: string) => btoa(s);
  return [
    token,
    encodeURIComponent(token),
    b64(token),
    b64(`Bearer ${token}`),
    b64(`Bearer ${token}`).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, ''),
  ];
}

describe('error answers lose the session tokens (defect 9)', () => {
  for (const status of [400, 403, 500]) {
    it(`an upstream ${status} quoting the Authorization header: no token in the body or headers`, async () => {
      const { call, cookie, emu, tokens } = await setup();
      emu.fault({ path: /graphql$/, echoAuthorization: true, status });
      const res = await call('/api/graphql', {
        method: 'POST',
        headers: { ...SAME, cookie },
        body: PING,
      });
      expect(res.status).toBe(status);
      const seen = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}`;
      expect(seen).toContain('[REDACTED]');
      for (const token of tokens) for (const s of spellings(token)) expect(seen).not.toContain(s);
    });
  }

  it('a 401 quoting the header twice (before and after the renewal): neither the old nor the new token shows', async () => {
    const { call, cookie, emu, tokens } = await setup();
    emu.fault({ path: /graphql$/, echoAuthorization: true, times: 2 });
    const res = await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie },
      body: PING,
    });
    expect(res.status).toBe(401);
    const seen = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}`;
    expect(tokens.size).toBeGreaterThanOrEqual(4); // login + renewal
    for (const token of tokens) for (const s of spellings(token)) expect(seen).not.toContain(s);
  });

  it('a token in the status line (reason phrase) of an answer is redacted too', async () => {
    const { call, cookie, tokens } = await setup();
    const res = await call('/api/encoded?coding=identity&echo=1', { headers: { ...SAME, cookie } });
    expect(res.status).toBe(401);
    for (const token of tokens) expect(res.statusText).not.toContain(token);
    expect(res.statusText).toContain('[REDACTED]');
  });

  it('an error body over 64 KiB is replaced by a generic error of the same status', async () => {
    const { call, cookie, emu } = await setup();
    emu.fault({ path: /graphql$/, status: 502, text: 'x'.repeat(70_000) });
    const res = await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie },
      body: PING,
    });
    expect(res.status).toBe(502);
    expect(await res.json()).toMatchObject({ error: 'upstream_error' });
  });

  it('a successful answer is passed through byte for byte, with its Content-Length', async () => {
    const { call, cookie, emu } = await setup();
    const body = JSON.stringify({ data: { blob: 'y'.repeat(200_000) } });
    emu.fault({ path: /graphql$/, status: 200, text: body, contentType: 'application/json' });
    const res = await call('/api/graphql', {
      method: 'POST',
      headers: { ...SAME, cookie },
      body: PING,
    });
    expect(res.status).toBe(200);
    expect(await res.text()).toBe(body);
  });
});
