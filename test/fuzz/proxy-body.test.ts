/**
 * The API proxy under random bodies and answers (issue #11, defects 1, 2, 9). Invariants:
 * - a request body is never read past maxBodyBytes plus one chunk, whatever its chunking and its
 *   Content-Length (absent, true, too small, too large, garbage); past the limit the answer is 413
 *   and the upstream got no more than the limit; under it, the upstream got exactly the bytes sent;
 * - an answer the runtime decoded (gzip, br) reaches the browser readable, without Content-Encoding
 *   and with a Content-Length that matches or none; a coding the proxy did not ask for is a 502;
 * - an error answer never carries the session's access or refresh token, raw, URL-encoded or base64
 *   at any offset, however much text surrounds it.
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { counted, params, timeout } from './support';

const ORIGIN = 'https://app.example';
const VENDOR = 'https://api.dev.firstdollar.com';
const APP = TEST_CREDENTIALS.firstDollarApp;
const LIMIT = 256 * 1024;
const SAME = {
  origin: ORIGIN,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};

/** What the fake upstream at `/u` answers next; the bytes it got. */
const next: { answer?: (request: Request) => Response; received: number; sum: number } = {
  received: 0,
  sum: 0,
};
const emu = createVendorEmulator();
const tokens: string[] = [];
const fetcher: typeof fetch = async (input, init) => {
  const request = new Request(input, init);
  if (new URL(request.url).pathname === '/u') {
    next.received = 0;
    next.sum = 0;
    for await (const chunk of request.body ?? []) {
      next.received += (chunk as Uint8Array).byteLength;
      for (const b of chunk as Uint8Array) next.sum = (next.sum + b) % 65_521;
    }
    return next.answer?.(request) ?? Response.json({ received: next.received, sum: next.sum });
  }
  const response = await emu.fetch(request);
  if (new URL(request.url).pathname === '/v0/auth/token' && response.ok) {
    const body = (await response.clone().json()) as Record<string, string>;
    tokens.push(body.access_token!, body.refresh_token!);
  }
  return response;
};
const handler = createAuthHandler({
  adapter: firstDollarApp({ ...APP, apiBaseUrl: VENDOR }),
  secret: 'fuzz-proxy-session-secret-0123456789abcdef',
  fetch: fetcher,
  retry: { limit: 0 },
  maxBodyBytes: LIMIT,
  proxy: {
    '/api/u': `${VENDOR}/u`,
    '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: APP.appId }),
  },
});
const call = async (path: string, init: RequestInit = {}) =>
  (await handler(new Request(`${ORIGIN}${path}`, { redirect: 'manual', ...init })))!;

let cookie = '';
async function session(): Promise<string> {
  if (cookie) return cookie;
  const login = await call('/auth/login', { headers: { 'sec-fetch-site': 'none' } });
  const intent = login.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .join('; ');
  const cb = await call(`/auth/callback?code=${emu.issueCode('firstDollar', APP.appId)}`, {
    headers: { cookie: intent, 'sec-fetch-site': 'none' },
  });
  cookie = cb.headers
    .getSetCookie()
    .map((c) => c.split(';')[0])
    .filter((c) => c !== undefined && !c.endsWith('='))
    .join('; ');
  return cookie;
}

/** Keeps the browser's session cookie current after a renewal (a 401 answer renews the tokens). */
function renewed(res: Response) {
  const set = res.headers
    .getSetCookie()
    .map((c) => c.split(';')[0]!)
    .filter((c) => !c.endsWith('='));
  if (set.length > 0) cookie = set.join('; ');
}

afterAll(() => {
  console.log('proxy-body fuzz cases:', JSON.stringify(Object.fromEntries(counted)));
});

describe('proxy request bodies', () => {
  const declared = fc.oneof(
    fc.constant({ kind: 'none' as const }),
    fc.constant({ kind: 'true' as const }),
    fc.nat({ max: 1000 }).map((n) => ({ kind: 'low' as const, n })),
    fc.integer({ min: LIMIT + 1, max: 2 ** 40 }).map((n) => ({ kind: 'high' as const, n })),
    fc
      .constantFrom('abc', '-1', '1e9', '0x10', ' 12 ', '', '9'.repeat(30))
      .map((v) => ({ kind: 'garbage' as const, v })),
  );

  it(
    'are bounded while read: 413 past the limit (nothing more read than limit + a chunk), exact bytes upstream under it',
    async () => {
      const name = 'proxy: chunked and lying bodies';
      const cookieHeader = await session();
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3 * LIMIT }),
          fc.integer({ min: 1, max: 100_000 }),
          declared,
          fc.nat(255),
          async (size, chunk, length, fill) => {
            let pulled = 0;
            const body = new ReadableStream<Uint8Array>(
              {
                pull(controller) {
                  if (pulled >= size) return controller.close();
                  const n = Math.min(chunk, size - pulled);
                  pulled += n;
                  controller.enqueue(new Uint8Array(n).fill(fill));
                },
              },
              { highWaterMark: 0 },
            );
            const headers: Record<string, string> = { ...SAME, cookie: cookieHeader };
            if (length.kind === 'true') headers['content-length'] = String(size);
            if (length.kind === 'low' || length.kind === 'high')
              headers['content-length'] = String(length.n);
            if (length.kind === 'garbage') headers['content-length'] = length.v;
            next.received = -1;
            const res = await call('/api/u', {
              method: 'POST',
              body,
              duplex: 'half',
              headers,
            } as RequestInit);
            const text = await res.text();
            if (length.kind === 'high') {
              expect(res.status).toBe(413);
              expect(next.received).toBe(-1);
            } else if (size > LIMIT) {
              expect(res.status, text).toBe(413);
              expect(pulled).toBeLessThanOrEqual(LIMIT + chunk + 65_536);
              expect(next.received).toBeLessThanOrEqual(LIMIT);
            } else {
              expect(res.status, text).toBe(200);
              expect(JSON.parse(text)).toEqual({ received: size, sum: (size * fill) % 65_521 });
            }
          },
        ),
        params(name, 60),
      );
    },
    timeout,
  );
});

const FORMAT = { gzip: 'gzip', br: 'brotli', deflate: 'deflate' } as const;

/** An upstream answer encoded in `coding`, then decoded the way a runtime's fetch does (headers kept). */
async function encodedAnswer(
  status: number,
  text: string,
  coding: keyof typeof FORMAT,
): Promise<Response> {
  const bytes = new Uint8Array(
    await new Response(
      new Response(text).body!.pipeThrough(
        new CompressionStream(FORMAT[coding] as CompressionFormat),
      ),
    ).arrayBuffer(),
  );
  const decoded = new Response(bytes).body!.pipeThrough(
    new DecompressionStream(FORMAT[coding] as CompressionFormat),
  );
  return new Response(decoded, {
    status,
    headers: {
      'content-type': 'application/json',
      'content-encoding': coding,
      'content-length': String(bytes.byteLength),
    },
  });
}

describe('proxy answers', () => {
  it(
    'decoded by the runtime reach the browser readable, without the headers of the encoding',
    async () => {
      const name = 'proxy: compressed upstream answers';
      const cookieHeader = await session();
      await fc.assert(
        fc.asyncProperty(
          fc.jsonValue({ maxDepth: 3 }),
          fc.constantFrom('gzip', 'br', 'deflate') as fc.Arbitrary<keyof typeof FORMAT>,
          fc.constantFrom(200, 201, 400, 404, 500, 503),
          async (value, coding, status) => {
            const text = JSON.stringify(value) ?? 'null';
            const answer = await encodedAnswer(status, text, coding);
            next.answer = () => answer;
            const res = await call('/api/u', {
              method: 'POST',
              body: '{}',
              headers: { ...SAME, cookie: cookieHeader },
            });
            next.answer = undefined;
            const body = await res.text();
            if (coding === 'deflate') {
              expect(res.status).toBe(502);
              expect(JSON.parse(body).error).toBe('upstream_encoding');
              return;
            }
            expect(res.status).toBe(status);
            expect(res.headers.get('content-encoding')).toBeNull();
            const length = res.headers.get('content-length');
            expect(
              length === null || Number(length) === new TextEncoder().encode(body).byteLength,
            ).toBe(true);
            expect(body).toBe(text);
          },
        ),
        params(name, 60),
      );
    },
    timeout,
  );

  /** Whether `text` carries 16 or more consecutive bytes of `token`, raw, URL-encoded or inside base64 at any offset. */
  function leaks(text: string, token: string): boolean {
    const window = token.slice(4, 20);
    const percentDecoded = text.replace(/%([0-9a-f]{2})/gi, (_, hex: string) =>
      String.fromCharCode(parseInt(hex, 16)),
    );
    if (text.includes(window) || percentDecoded.includes(window)) return true;
    for (const run of text.match(/[A-Za-z0-9+/_-]{20,}/g) ?? []) {
      for (let shift = 0; shift < 4; shift++) {
        const part = run.slice(shift).replace(/-/g, '+').replace(/_/g, '/');
        const usable = part.slice(0, part.length - (part.length % 4));
        try {
          if (atob(usable).includes(window)) return true;
        } catch {
          // not base64 at this shift
        }
      }
    }
    return false;
  }

  it(
    'that are errors never carry the session tokens, in any spelling, at any offset, whatever their size',
    async () => {
      const name = 'proxy: echoed tokens in error answers';
      await session();
      const spelled = fc.record({
        which: fc.constantFrom(0, 1),
        how: fc.constantFrom('raw', 'bearer', 'url', 'base64', 'base64url', 'json'),
        before: fc.string({ maxLength: 40 }),
        after: fc.string({ maxLength: 40 }),
      });
      await fc.assert(
        fc.asyncProperty(
          fc.array(spelled, { minLength: 1, maxLength: 4 }),
          fc.integer({ min: 400, max: 599 }),
          fc.constantFrom(0, 1000, 70_000),
          fc.boolean(),
          async (parts, status, padding, inHeader) => {
            // The upstream quotes the access token it was sent, and the session's refresh token.
            const render = (live: string[], p: (typeof parts)[number]) => {
              const token = live[p.which]!;
              const raw = p.how === 'bearer' ? `Bearer ${token}` : token;
              const spelledToken =
                p.how === 'url'
                  ? encodeURIComponent(`Bearer ${token}`)
                  : p.how === 'base64'
                    ? btoa(p.before.replace(/[^\x20-\x7e]/g, '') + `Bearer ${token}`)
                    : p.how === 'base64url'
                      ? btoa(`x${token}`).replace(/\+/g, '-').replace(/\//g, '_')
                      : p.how === 'json'
                        ? JSON.stringify(raw).slice(1, -1)
                        : raw;
              return `${p.before}${spelledToken}${p.after}`;
            };
            const sent = new Set<string>();
            next.answer = (request) => {
              const live = [
                request.headers.get('authorization')!.replace(/^Bearer /, ''),
                tokens.at(-1)!,
              ];
              for (const t of live) sent.add(t);
              const text = JSON.stringify({
                error: 'invalid_token',
                quoted: parts.map((p) => render(live, p)),
                pad: 'z'.repeat(padding),
              });
              const headerValue = render(live, parts[0]!).replace(/[^\x20-\x7e]/g, '');
              return new Response(text, {
                status,
                headers: {
                  'content-type': 'application/json',
                  ...(inHeader && { 'x-debug': headerValue }),
                },
              });
            };
            const res = await call('/api/u', {
              method: 'POST',
              body: '{}',
              headers: { ...SAME, cookie },
            });
            next.answer = undefined;
            renewed(res);
            const seen = `${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${await res.text()}`;
            expect(res.status).toBe(status);
            for (const token of sent)
              expect(leaks(seen, token), `token in ${seen.slice(0, 300)}`).toBe(false);
          },
        ),
        params(name, 80),
      );
    },
    timeout,
  );
});
