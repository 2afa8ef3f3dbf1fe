import { expect, it } from 'vitest';
import { StoreUnavailableError } from '@grantkit/core';
import {
  createAuthHandler,
  CSRF_HEADER,
  memorySessionStore,
  type SessionStore,
} from '@grantkit/edge';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { failureStatus } from './routes';
// @ts-expect-error plain ESM config shared with the suite
import { suiteHandlerOptions } from '../../../test/edge/config.mjs';

/**
 * A handler on a session store that fails as the shared stores do during an outage: the calls named
 * in `down` reject with StoreUnavailableError. `loggedIn()` gives a session cookie made while it was up.
 */
function outageHarness() {
  const emu = createVendorEmulator();
  const real = memorySessionStore();
  const down = new Set<'get' | 'set' | 'delete'>();
  const fail = (call: 'get' | 'set' | 'delete') => {
    if (down.has(call)) throw new StoreUnavailableError('the session store did not answer in time');
  };
  const sessions: SessionStore = {
    get: async (sid) => (fail('get'), real.get(sid)),
    set: async (sid, tokens, ttl) => (fail('set'), real.set(sid, tokens, ttl)),
    delete: async (sid) => (fail('delete'), real.delete(sid)),
  };
  const reported: unknown[] = [];
  const auth = createAuthHandler({
    ...suiteHandlerOptions({ fetch: emu.fetch }),
    sessions,
    onError: (e) => reported.push(e),
  });
  const origin = 'https://app.example';
  const same = {
    origin,
    [CSRF_HEADER]: '1',
    'sec-fetch-site': 'same-origin',
    'content-type': 'application/json',
  };
  const call = async (path: string, init: RequestInit = {}) =>
    (await auth(new Request(`${origin}${path}`, init)))!;
  const loggedIn = async () => {
    const login = await call('/auth/login');
    const intent = login.headers.getSetCookie()[0]!.split(';')[0]!;
    const code = emu.issueCode('firstDollar', TEST_CREDENTIALS.firstDollarApp.appId);
    const callback = await call(`/auth/callback?code=${code}`, { headers: { cookie: intent } });
    return callback.headers
      .getSetCookie()
      .find((c) => c.startsWith('__Host-grantkit='))!
      .split(';')[0]!;
  };
  return { emu, down, reported, call, same, loggedIn };
}

it('failureStatus: 503 for a store outage, 504 for a vendor timeout, 502 otherwise', async () => {
  const { GrantkitError, ClientRejectedError } = await import('@grantkit/core');
  expect(failureStatus(new StoreUnavailableError('down'))).toBe(503);
  expect(failureStatus(new GrantkitError('timeout', 't'))).toBe(504);
  expect(failureStatus(new ClientRejectedError({ error: 'invalid_client' }, { status: 401 }))).toBe(
    502,
  );
  expect(failureStatus(new Error('x'))).toBe(502);
});

it('a session store outage answers 503 store_unavailable on every route, clears nothing, and the session is back with the store', async () => {
  const { emu, down, reported, call, same, loggedIn } = outageHarness();
  const cookie = await loggedIn();
  const ALL = ['get', 'set', 'delete'] as const;
  for (const c of ALL) down.add(c);
  const ping = JSON.stringify({ query: 'query { ping }' });
  const answers = [
    await call('/auth/session', { headers: { cookie } }),
    await call('/auth/refresh', { method: 'POST', headers: { ...same, cookie } }),
    await call('/api/graphql', { method: 'POST', headers: { ...same, cookie }, body: ping }),
  ];
  for (const res of answers) {
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: 'store_unavailable' });
    expect(res.headers.getSetCookie()).toEqual([]); // the session cookie is kept
  }
  // A login finishing during the outage cannot store its session: 503, not a session without tokens.
  const login2 = await call('/auth/login');
  const exchanged = await call('/auth/exchange', {
    method: 'POST',
    headers: { ...same, cookie: login2.headers.getSetCookie()[0]!.split(';')[0]! },
    body: JSON.stringify({
      code: emu.issueCode('firstDollar', TEST_CREDENTIALS.firstDollarApp.appId),
    }),
  });
  expect(exchanged.status).toBe(503);
  expect(reported.every((e) => e instanceof StoreUnavailableError)).toBe(true);

  down.clear();
  const back = await call('/api/graphql', {
    method: 'POST',
    headers: { ...same, cookie },
    body: ping,
  });
  expect(back.status).toBe(200);
  expect(await back.json()).toEqual({ data: { ping: 'pong' } });
});

it('a session write that fails after the upstream answered (store down mid-request) keeps the answer: the API ran once, the browser is not told to retry', async () => {
  const { emu, down, reported, call, same, loggedIn } = outageHarness();
  const cookie = await loggedIn();
  emu.revokeAccessTokens(); // the proxied call renews, then the store refuses the renewed tokens
  down.add('set');
  emu.clearRequests();
  const res = await call('/api/graphql', {
    method: 'POST',
    headers: { ...same, cookie },
    body: JSON.stringify({ query: 'query { ping }' }),
  });
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ data: { ping: 'pong' } });
  expect(emu.count({ path: /graphql/, status: 200 })).toBe(1);
  expect(reported.some((e) => e instanceof StoreUnavailableError)).toBe(true);
});

it('logout during a store outage still clears the browser’s cookie', async () => {
  const { down, call, same, loggedIn } = outageHarness();
  const cookie = await loggedIn();
  for (const c of ['get', 'set', 'delete'] as const) down.add(c);
  const out = await call('/auth/logout', { method: 'POST', headers: { ...same, cookie } });
  expect(out.status).toBe(200);
  expect(
    out.headers
      .getSetCookie()
      .some((c) => c.startsWith('__Host-grantkit=;') && /Max-Age=0\b/.test(c)),
  ).toBe(true);
});
