/**
 * Random `returnTo` values → safeReturnTo, and GET login → callback / POST exchange. Invariant: what
 * the browser is sent back to is always a same-origin path (no open redirect).
 */
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { safeReturnTo } from '@grantkit/edge';
import { counted, nastyString, params, timeout } from './support';
import { createHarness, FD_APP, isSameOriginPath, SAME } from './edge-harness';

const TRICKY = [
  '//evil.example',
  '/\\evil.example',
  '\\\\evil.example',
  '%2F%2Fevil.example',
  '/%2F%2Fevil.example',
  '/%5Cevil.example',
  'javascript:alert(1)',
  '/javascript:alert(1)',
  'https://evil.example/',
  'https:evil.example',
  '/\t/evil.example',
  '/\n/evil.example',
  '/\r//evil.example',
  ' //evil.example',
  '/.//evil.example',
  '/a/..//evil.example',
  '/%2e//evil.example',
  '/%2E%2E//evil.example',
  '/./\\evil.example',
  '/\u3002evil',
  '/\uff0f\uff0fevil.example',
  '/\u2028//evil',
  '/?next=//evil.example',
  '/#//evil.example',
  '/@evil.example',
  '/evil.example:443',
  `/${'a'.repeat(5000)}`,
  '/\u00e9\ud83d\ude00',
  '/\ud800',
  '',
];

/** returnTo built from the pieces open redirects are made of. */
const pieces = fc
  .array(
    fc.constantFrom(
      '/',
      '//',
      '\\',
      '.',
      '..',
      '%2e',
      '%2E',
      '%2f',
      '%2F',
      '%5c',
      '%09',
      'evil.example',
      '@',
      ':',
      '?',
      '#',
      '\t',
      '\n',
      ' ',
      'javascript:',
      'https:',
      '\u2028',
      '\uff0f',
      '\u3002',
      '\u00e9',
      'a',
      '%',
      '%00',
      '\u0000',
      '\u007f',
    ),
    { minLength: 1, maxLength: 10 },
  )
  .map((p) => p.join(''));

const returnTo = fc.oneof(
  { weight: 2, arbitrary: fc.constantFrom(...TRICKY) },
  { weight: 4, arbitrary: pieces },
  { weight: 2, arbitrary: pieces.map((p) => `/${p}`) },
  { weight: 2, arbitrary: nastyString },
  { weight: 1, arbitrary: nastyString.map((s) => `/${s}`) },
);

afterAll(() => console.info('fuzz cases:', Object.fromEntries(counted)));

describe('safeReturnTo on random values', () => {
  it('gives a same-origin path or the fallback, and is stable on its own output', () => {
    fc.assert(
      fc.property(returnTo, (value) => {
        const out = safeReturnTo(value, '/home');
        if (out === '/home') return;
        expect(isSameOriginPath(out), JSON.stringify(out)).toBe(true);
        // A safe path stays itself: what the handler stores is what it later redirects to.
        expect(safeReturnTo(out, '/home')).toBe(out);
      }),
      params('safeReturnTo', 4000),
    );
  });
});

describe('GET login → callback and POST exchange with random returnTo', () => {
  const h = createHarness();
  beforeAll(async () => {
    await h.loggedIn(); // warm the keys and the emulator
  });

  it(
    'redirects the browser to a same-origin path only',
    async () => {
      await fc.assert(
        fc.asyncProperty(
          returnTo,
          fc.boolean(),
          fc.constantFrom('callback', 'exchange'),
          async (value, encode, route) => {
            // The raw form lets the URL parser see the value as a browser would send it (when it can be sent at all).
            const query = encode
              ? `?returnTo=${encodeURIComponent(value.replace(/[\ud800-\udfff]/g, '\ufffd'))}`
              : `?returnTo=${value.replace(/[#\ud800-\udfff]/g, '')}`;
            const { res, cookies } = await h.login(h.fd, query);
            h.assertNoSecret(res);
            const code = h.emu.issueCode('firstDollar', FD_APP.appId);
            if (route === 'callback') {
              const cb = await h.call(h.fd, `/auth/callback?code=${code}`, {
                cookie: h.cookieHeader(cookies),
              });
              expect(cb.status).toBe(302);
              const location = cb.headers.get('location')!;
              expect(isSameOriginPath(location), JSON.stringify(location)).toBe(true);
              h.assertNoSecret(cb);
            } else {
              const ex = await h.call(h.fd, '/auth/exchange', {
                method: 'POST',
                cookie: h.cookieHeader(cookies),
                headers: SAME,
                body: JSON.stringify({ code }),
              });
              expect(ex.status).toBe(200);
              const body = JSON.parse(ex.text) as { authenticated: boolean; returnTo: string };
              expect(body.authenticated).toBe(true);
              expect(isSameOriginPath(body.returnTo), JSON.stringify(body.returnTo)).toBe(true);
              h.assertNoSecret(ex);
            }
          },
        ),
        params('login→callback returnTo', 500),
      );
    },
    timeout,
  );
});
