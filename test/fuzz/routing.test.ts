/**
 * Random HTTP methods and paths (Object.prototype names among them) → the handler, and random
 * `returnTo` values → the cookies a login writes. Invariants: every answer is a Response (never an
 * internal object), never a 500; what a login writes stays one bounded intent cookie (issue #11).
 */
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { counted, nastyString, params, timeout } from './support';
import { createHarness, INTENT_COOKIE, ORIGIN } from './edge-harness';

const PROTO = Object.getOwnPropertyNames(Object.prototype);
const TCHAR = fc.constantFrom(
  ..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789!#$%&'*+-.^_`|~".split(''),
);
/** HTTP method tokens a server like `Deno.serve` passes through unchanged. */
const method = fc.oneof(
  fc.constantFrom(
    ...PROTO,
    'GET',
    'POST',
    'PUT',
    'DELETE',
    'PATCH',
    'OPTIONS',
    'HEAD',
    'get',
    'post',
    'PROPFIND',
    'MKCOL',
  ),
  fc.string({ unit: TCHAR, minLength: 1, maxLength: 20 }),
);
const segment = fc.oneof(
  fc.constantFrom(...PROTO, 'login', 'callback', 'exchange', 'session', 'refresh', 'logout', ''),
  fc.string({ unit: TCHAR, maxLength: 12 }),
);

afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

describe('the route table on random methods and paths', () => {
  const h = createHarness();
  it(
    'answers a Response that is not a 500, or falls through; 405 lists only real methods',
    async () => {
      await fc.assert(
        fc.asyncProperty(method, segment, async (m, name) => {
          let request: Request;
          try {
            request = new Request(`${ORIGIN}/auth/${encodeURIComponent(name)}`, {
              method: m,
              body: m.toUpperCase() === 'GET' || m.toUpperCase() === 'HEAD' ? null : '{}',
            });
          } catch {
            return; // forbidden methods (CONNECT, TRACE, TRACK) never reach a handler
          }
          const res = await h.fd(request);
          if (res === null) return; // not a route: falls through
          expect(res).toBeInstanceOf(Response);
          expect(res.status, `${m} /auth/${name}`).not.toBe(500);
          if (res.status === 405) expect(res.headers.get('allow')).toMatch(/^(GET|POST)$/);
        }),
        params('routes: random method × path', 3000),
      );
    },
    timeout,
  );
});

describe('GET login with random returnTo: the cookies it writes', () => {
  const h = createHarness();
  const returnTo = fc.oneof(
    nastyString.map((s) => `/${s}`),
    fc.integer({ min: 1, max: 3000 }).map((n) => `/${'€'.repeat(n)}`),
    fc.string({ unit: 'grapheme', maxLength: 3000 }).map((s) => `/${s}`),
  );
  it(
    'one intent cookie, under 4 KiB, whatever the path',
    async () => {
      await fc.assert(
        fc.asyncProperty(returnTo, async (value) => {
          const res = await h.call(
            h.fd,
            `/auth/login?returnTo=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'))}`,
          );
          expect(res.status).toBe(302);
          const written = res.setCookies.filter(
            (c) => c.startsWith(INTENT_COOKIE) && !/Max-Age=0\b/.test(c),
          );
          expect(written).toHaveLength(1);
          expect(written[0]!.length).toBeLessThan(4096);
        }),
        params('login: random returnTo → intent cookie size', 500),
      );
    },
    timeout,
  );
});
