import { expect, it } from 'vitest';
import { canStartLogin, safeReturnTo } from './csrf';
import { createKeyring, openedSessions } from './session';
import { sessionSeconds } from './store';

const at = (headers: Record<string, string>) =>
  new Request('https://app.example/auth/login', { headers });

it('canStartLogin: the app itself, a typed URL or a bookmark may start a login; another site may not', () => {
  expect(canStartLogin(at({}), [])).toBe(true);
  expect(
    canStartLogin(at({ 'sec-fetch-site': 'same-origin', referer: 'https://app.example/x' }), []),
  ).toBe(true);
  expect(canStartLogin(at({ 'sec-fetch-site': 'none' }), [])).toBe(true);
  expect(canStartLogin(at({ 'sec-fetch-site': 'cross-site' }), [])).toBe(false);
  expect(
    canStartLogin(
      at({ 'sec-fetch-site': 'same-site', referer: 'https://sibling.app.example/' }),
      [],
    ),
  ).toBe(false);
  // No Fetch Metadata (older browsers): the Referer decides when there is one.
  expect(canStartLogin(at({ referer: 'https://evil.example/' }), [])).toBe(false);
  expect(canStartLogin(at({ referer: 'not a url' }), [])).toBe(false);
  // A separate SPA origin the handler allows.
  expect(
    canStartLogin(at({ 'sec-fetch-site': 'same-site', referer: 'https://spa.app.example/login' }), [
      'https://spa.app.example',
    ]),
  ).toBe(true);
  expect(canStartLogin(at({ 'sec-fetch-site': 'cross-site' }), ['https://spa.app.example'])).toBe(
    false,
  );
});

it('safeReturnTo bounds the encoded path, not the characters typed', () => {
  expect(safeReturnTo(`/${'a'.repeat(2047)}`)).toBe(`/${'a'.repeat(2047)}`);
  expect(safeReturnTo(`/${'€'.repeat(300)}`)).toBe('/'); // 300 characters, 2,701 once encoded
  expect(safeReturnTo(`/${'€'.repeat(227)}`)).toHaveLength(2044);
});

it('sessionSeconds: maxAge counts from the login, then the refresh token caps it', () => {
  const tokens = { accessToken: 'a', tokenType: 'Bearer', expiresAt: 0 };
  expect(sessionSeconds(tokens, 3600, 10_000_000)).toBe(3600);
  expect(sessionSeconds(tokens, 3600, 10_000_000, 10_000_000 - 3_000_000)).toBe(600);
  expect(sessionSeconds(tokens, 3600, 10_000_000, 10_000_000 - 4_000_000)).toBe(-400);
  expect(
    sessionSeconds(
      { ...tokens, refreshExpiresAt: 10_000_000 + 60_000 },
      3600,
      10_000_000,
      9_000_000,
    ),
  ).toBe(60);
});

it('a keyring seals each purpose with its own key: a session never opens as a login intent, nor the reverse', async () => {
  const keyring = createKeyring(['k'.repeat(32), 'old'.repeat(11)]);
  const session = await keyring.seal('session', { sid: 's' }, 60);
  const intent = await keyring.seal('login', { nonce: 'n', returnTo: '/' }, 60);
  expect(await keyring.open('session', session)).toMatchObject({ sid: 's' });
  expect(await keyring.open('login', intent)).toMatchObject({ nonce: 'n' });
  expect(await keyring.open('login', session)).toBeUndefined();
  expect(await keyring.open('session', intent)).toBeUndefined();
  // Rotation: the second secret still opens what it sealed.
  const older = createKeyring(['old'.repeat(11)]);
  expect(
    await keyring.open('session', await older.seal('session', { sid: 'o' }, 60)),
  ).toMatchObject({ sid: 'o' });
});

it('openedSessions is bounded in bytes of cookie values, whatever their count, and forgets expired entries', () => {
  const cache = openedSessions(10_000);
  for (let i = 0; i < 100; i++) cache.set(`${i}`.padEnd(1000, 'x'), { sid: `${i}` }, 2_000);
  expect(cache.bytes).toBeLessThanOrEqual(10_000);
  expect(cache.get('99'.padEnd(1000, 'x'), 1_000)).toEqual({ sid: '99' });
  expect(cache.get('0'.padEnd(1000, 'x'), 1_000)).toBeUndefined(); // evicted, oldest first
  expect(cache.get('99'.padEnd(1000, 'x'), 2_000)).toBeUndefined(); // expired
  cache.set('y'.repeat(20_000), { sid: 'huge' }, 2_000); // larger than the whole budget: not kept
  expect(cache.bytes).toBeLessThanOrEqual(10_000);
});

it('a session renewed just before sessionMaxAge still ends sessionMaxAge after its login', async () => {
  const { vi } = await import('vitest');
  const { createAuthHandler, CSRF_HEADER } = await import('@grantkit/edge');
  const { createVendorEmulator, TEST_CREDENTIALS } = await import('@grantkit/core/testing');
  // @ts-expect-error plain ESM config shared with the suite
  const { suiteHandlerOptions } = await import('../../../test/edge/config.mjs');
  const start = Date.UTC(2026, 10, 30, 12);
  vi.useFakeTimers({ toFake: ['Date'], now: start });
  try {
    const emu = createVendorEmulator({ now: start, accessTokenTtl: { firstDollar: 600 } });
    const auth = createAuthHandler({
      ...suiteHandlerOptions({ fetch: emu.fetch }),
      sessionMaxAge: 3600,
    });
    const origin = 'https://app.example';
    const same = { origin, [CSRF_HEADER]: '1', 'sec-fetch-site': 'same-origin' };
    const cookieOf = (res: Response) =>
      res.headers.getSetCookie().find((c) => c.startsWith('__Host-grantkit='))!;
    const login = (await auth(new Request(`${origin}/auth/login`)))!;
    const intent = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const code = emu.issueCode('firstDollar', TEST_CREDENTIALS.firstDollarApp.appId);
    let session = cookieOf(
      (await auth(
        new Request(`${origin}/auth/callback?code=${code}`, { headers: { cookie: intent } }),
      ))!,
    );
    expect(session).toMatch(/Max-Age=3600\b/);
    // Renew every 50 minutes, as a stolen cookie's holder would to keep it alive.
    vi.setSystemTime(start + 3000_000);
    emu.clock.set(start + 3000_000);
    const renewed = (await auth(
      new Request(`${origin}/auth/refresh`, {
        method: 'POST',
        headers: { ...same, cookie: session.split(';')[0]! },
      }),
    ))!;
    expect(renewed.status).toBe(200);
    session = cookieOf(renewed);
    expect(Number(/Max-Age=(\d+)/.exec(session)![1])).toBeLessThanOrEqual(600);
    vi.setSystemTime(start + 3601_000);
    emu.clock.set(start + 3601_000);
    const after = (await auth(
      new Request(`${origin}/auth/session`, { headers: { cookie: session.split(';')[0]! } }),
    ))!;
    expect(await after.json()).toEqual({ authenticated: false });
  } finally {
    vi.useRealTimers();
  }
});

it('csrfRefusal: a same-origin request that only lacks the header is told so; another origin is cross-site', async () => {
  const { csrfRefusal, CSRF_HEADER } = await import('./csrf');
  const post = (headers: Record<string, string>) =>
    new Request('https://app.example/auth/logout', { method: 'POST', headers });
  expect(
    csrfRefusal(post({ origin: 'https://app.example', 'sec-fetch-site': 'same-origin' }), []),
  ).toBe('missing_header');
  expect(csrfRefusal(post({}), [])).toBe('missing_header');
  expect(csrfRefusal(post({ origin: 'https://evil.example', [CSRF_HEADER]: '1' }), [])).toBe(
    'cross_site',
  );
  expect(csrfRefusal(post({ origin: 'https://evil.example' }), [])).toBe('cross_site');
  expect(csrfRefusal(post({ 'sec-fetch-site': 'same-site', [CSRF_HEADER]: '1' }), [])).toBe(
    'cross_site',
  );
  expect(
    csrfRefusal(
      post({ origin: 'https://spa.example', 'sec-fetch-site': 'same-site', [CSRF_HEADER]: '1' }),
      ['https://spa.example'],
    ),
  ).toBeUndefined();
  expect(
    csrfRefusal(
      post({ origin: 'https://app.example', 'sec-fetch-site': 'same-origin', [CSRF_HEADER]: '1' }),
      [],
    ),
  ).toBeUndefined();
});
