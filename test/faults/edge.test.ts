// Fault matrix, part 3: the edge proxy (`createAuthHandler`, cookie sessions) in front of the
// emulator as First Dollar. Faults hit the vendor while a browser calls the proxied GraphQL route:
// on the refresh the proxy triggers (the access token is revoked first, so the upstream answers 401),
// on the upstream call itself, and on the callback's code exchange. Each row asserts the JSON error
// (or redirect) the browser gets, that its session cookie is neither dropped nor replaced unless the
// grant is gone, that the same cookie works once the fault clears, and exact request counts.
import { describe, expect, it } from 'vitest';
import { createAuthHandler, CSRF_HEADER, type AuthHandlerOptions } from '@grantkit/edge';
import { firstDollarApp } from '@grantkit/core';
import type { Fault } from '@grantkit/core/testing';
import {
  BASE,
  CANARY,
  HTML_PAGE,
  RETRIES,
  TIMEOUT_MS,
  app,
  expectNoSecrets,
  faults,
  recorder,
  retry,
  type Recorder,
} from './harness';

const TOKEN = '/v0/auth/token';
const UPSTREAM = `/app/${app.appId}/graphql`;
const ALWAYS = Infinity;
const ATTEMPTS = 1 + RETRIES;
const ORIGIN = 'https://app.example';
const SESSION = '__Host-grantkit';
const SECRET = 'fault-matrix-session-secret-0123456789abcdef';
const CONSENT_URL = `${BASE}/oauth/app/${app.appId}/`;

type Jar = Record<string, string>;
interface Answer {
  status: number;
  headers: Headers;
  text: string;
  setCookies: string[];
}

function edge(extra: Partial<AuthHandlerOptions> = {}) {
  // The edge token client reads the wall clock: the vendor's clock starts there too.
  const rec: Recorder = recorder({ now: Date.now() });
  const handler = createAuthHandler({
    adapter: firstDollarApp({ ...app, apiBaseUrl: BASE, consentBaseUrl: BASE }),
    secret: SECRET,
    fetch: rec.fetch,
    proxy: { '/api/graphql': `${BASE}${UPSTREAM}` },
    errorRedirect: '/error',
    timeout: TIMEOUT_MS,
    retry,
    ...extra,
  });
  const seen: string[] = [];
  const call = async (
    path: string,
    init: {
      method?: string;
      cookies?: Jar;
      body?: string;
      signal?: AbortSignal;
      readBody?: boolean;
    } = {},
  ): Promise<Answer> => {
    const cookie = Object.entries(init.cookies ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('; ');
    const post = init.method === 'POST';
    const headers: Record<string, string> = {
      ...(cookie ? { cookie } : {}),
      ...(post
        ? {
            origin: ORIGIN,
            [CSRF_HEADER]: '1',
            'sec-fetch-site': 'same-origin',
            'content-type': 'application/json',
          }
        : {}),
    };
    const request = new Request(`${ORIGIN}${path}`, {
      method: init.method ?? 'GET',
      headers,
      redirect: 'manual',
      ...(init.body ? { body: init.body } : {}),
      ...(init.signal ? { signal: init.signal } : {}),
    });
    const res = (await handler(request))!;
    const text = init.readBody === false ? '' : await res.text();
    seen.push(
      `${res.status}\n${[...res.headers].map(([k, v]) => `${k}: ${v}`).join('\n')}\n${text}`,
    );
    return {
      status: res.status,
      headers: res.headers,
      text,
      setCookies: res.headers.getSetCookie(),
    };
  };
  const jar = (setCookies: readonly string[], into: Jar = {}): Jar => {
    for (const line of setCookies) {
      const pair = line.split(';')[0]!;
      const eq = pair.indexOf('=');
      const value = pair.slice(eq + 1);
      if (value === '' || /max-age=0/i.test(line)) delete into[pair.slice(0, eq)];
      else into[pair.slice(0, eq)] = value;
    }
    return into;
  };
  const login = async (): Promise<Jar> => {
    const start = await call('/auth/login');
    const cookies = jar(start.setCookies);
    const cb = await call(`/auth/callback?code=${rec.code()}`, { cookies });
    expect(cb.status).toBe(302);
    return jar(cb.setCookies, cookies);
  };
  const ping = (cookies: Jar, extra: { signal?: AbortSignal; readBody?: boolean } = {}) =>
    call('/api/graphql', {
      method: 'POST',
      cookies,
      body: JSON.stringify({ query: 'query { ping }' }),
      ...extra,
    });
  /** Everything the browser received: no secret, vendor token or code in clear. */
  const expectNothingLeaked = () => expectNoSecrets(seen.join('\n'), rec.secrets());
  return { ...rec, call, jar, login, ping, expectNothingLeaked };
}

const sessionCookie = (a: Answer) => a.setCookies.find((c) => c.startsWith(`${SESSION}=`));

interface ProxyRow {
  name: string;
  /** Revoke the access token first, so the call needs a refresh. */
  refresh: boolean;
  faults?: Fault | Fault[];
  arrange?: (e: ReturnType<typeof edge>) => void;
  heal?: (e: ReturnType<typeof edge>) => void;
  expect: { status: number; error?: string; body?: unknown };
  /** What the failed response does to the session cookie. */
  cookie: 'kept' | 'renewed' | 'cleared';
  requests: { upstream: number; token: number };
  /** Token requests of the call after the fault clears (same cookie; a new login when cleared). */
  recovery: number;
}

const pong = { data: { ping: 'pong' } };
const rows: ProxyRow[] = [
  {
    name: 'refresh: 500 every attempt',
    refresh: true,
    faults: { path: TOKEN, status: 500, times: ALWAYS },
    expect: { status: 502, error: 'oauth_error' },
    cookie: 'kept',
    requests: { upstream: 1, token: ATTEMPTS },
    recovery: 1,
  },
  {
    name: 'refresh: 502 HTML page every attempt',
    refresh: true,
    faults: { path: TOKEN, status: 502, text: HTML_PAGE, times: ALWAYS },
    expect: { status: 502, error: 'http_error' },
    cookie: 'kept',
    requests: { upstream: 1, token: ATTEMPTS },
    recovery: 1,
  },
  {
    name: 'refresh: 503 once, absorbed by a retry',
    refresh: true,
    faults: { path: TOKEN, status: 503 },
    expect: { status: 200, body: pong },
    cookie: 'renewed',
    requests: { upstream: 2, token: 2 },
    recovery: 0,
  },
  {
    name: 'refresh: timeout every attempt',
    refresh: true,
    faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
    expect: { status: 504, error: 'timeout' },
    cookie: 'kept',
    requests: { upstream: 1, token: ATTEMPTS },
    recovery: 1,
  },
  {
    name: 'refresh: connection reset every attempt',
    refresh: true,
    faults: { path: TOKEN, drop: true, times: ALWAYS },
    expect: { status: 502, error: 'network_error' },
    cookie: 'kept',
    requests: { upstream: 1, token: ATTEMPTS },
    recovery: 1,
  },
  {
    name: 'refresh: truncated JSON',
    refresh: true,
    faults: { path: TOKEN, malformedJson: true },
    expect: { status: 502, error: 'invalid_response' },
    cookie: 'kept',
    requests: { upstream: 1, token: 1 },
    recovery: 1,
  },
  {
    name: 'refresh: 200 without access_token',
    refresh: true,
    faults: { path: TOKEN, body: { refresh_token: CANARY, expires_in: 3600 } },
    expect: { status: 502, error: 'invalid_response' },
    cookie: 'kept',
    requests: { upstream: 1, token: 1 },
    recovery: 1,
  },
  {
    name: 'refresh: answer without a new refresh token (rotation only sometimes)',
    refresh: true,
    faults: { path: TOKEN, keepRefreshToken: true },
    expect: { status: 200, body: pong },
    cookie: 'renewed',
    requests: { upstream: 2, token: 1 },
    recovery: 0,
  },
  {
    name: 'refresh: 429 with Retry-After every attempt',
    refresh: true,
    faults: { path: TOKEN, status: 429, retryAfter: 1, times: ALWAYS },
    expect: { status: 502, error: 'oauth_error' },
    cookie: 'kept',
    requests: { upstream: 1, token: ATTEMPTS },
    recovery: 1,
  },
  // Issue #11: a refused client (wrong secret) is the operator's problem: 502, the session is kept.
  {
    name: 'refresh: 400 invalid_client keeps the session (502 client_rejected)',
    refresh: true,
    faults: { path: TOKEN, status: 400, body: { error: 'invalid_client' } },
    expect: { status: 502, error: 'client_rejected' },
    cookie: 'kept',
    requests: { upstream: 1, token: 1 },
    recovery: 1,
  },
  {
    name: 'refresh: 400 invalid_grant clears the session',
    refresh: true,
    faults: { path: TOKEN, status: 400, body: { error: 'invalid_grant' } },
    expect: { status: 401, error: 'reauthorization_required' },
    cookie: 'cleared',
    requests: { upstream: 1, token: 1 },
    recovery: 0,
  },
  {
    name: 'refresh: 401 consent revoked clears the session',
    refresh: true,
    arrange: (e) => e.emu.revokeConsent(app.appId),
    heal: (e) => e.emu.grantConsent(app.appId),
    expect: { status: 401, error: 'consent_required' },
    cookie: 'cleared',
    requests: { upstream: 1, token: 1 },
    recovery: 0,
  },
  {
    name: 'upstream: 503',
    refresh: false,
    faults: { path: UPSTREAM, status: 503, body: { errors: [{ message: 'Service Unavailable' }] } },
    expect: { status: 503, body: { errors: [{ message: 'Service Unavailable' }] } },
    cookie: 'kept',
    requests: { upstream: 1, token: 0 },
    recovery: 0,
  },
  {
    name: 'upstream: 502 HTML page',
    refresh: false,
    faults: { path: UPSTREAM, status: 502, text: HTML_PAGE },
    expect: { status: 502 },
    cookie: 'kept',
    requests: { upstream: 1, token: 0 },
    recovery: 0,
  },
  {
    name: 'upstream: connection reset',
    refresh: false,
    faults: { path: UPSTREAM, drop: true },
    expect: { status: 502, error: 'network_error' },
    cookie: 'kept',
    requests: { upstream: 1, token: 0 },
    recovery: 0,
  },
  {
    name: 'upstream: latency spike',
    refresh: false,
    faults: { path: UPSTREAM, latencyMs: 30 },
    expect: { status: 200, body: pong },
    cookie: 'kept',
    requests: { upstream: 1, token: 0 },
    recovery: 0,
  },
  {
    name: 'upstream: 401 every time: one refresh, then the 401 passes through',
    refresh: false,
    faults: {
      path: UPSTREAM,
      status: 401,
      body: { errors: [{ message: 'Unauthorized' }] },
      times: 2,
    },
    expect: { status: 401, body: { errors: [{ message: 'Unauthorized' }] } },
    cookie: 'renewed',
    requests: { upstream: 2, token: 1 },
    recovery: 0,
  },
];

describe('fault matrix: edge proxy (createAuthHandler, cookie sessions)', () => {
  for (const row of rows) {
    it(row.name, async () => {
      const e = edge();
      const cookies = await e.login();
      const original = cookies[SESSION];
      expect(original).toEqual(expect.any(String));
      if (row.refresh) e.emu.revokeAccessTokens();
      e.emu.clearRequests();
      if (row.faults) faults(e.emu, row.faults);
      row.arrange?.(e);

      const res = await e.ping(cookies);
      expect(res.status).toBe(row.expect.status);
      if (row.expect.error !== undefined)
        expect(JSON.parse(res.text)).toMatchObject({ error: row.expect.error });
      if (row.expect.body !== undefined) expect(JSON.parse(res.text)).toEqual(row.expect.body);
      expect(e.emu.count({ path: UPSTREAM })).toBe(row.requests.upstream);
      expect(e.emu.count({ path: TOKEN })).toBe(row.requests.token);
      const written = sessionCookie(res);
      if (row.cookie === 'kept') expect(written).toBeUndefined();
      if (row.cookie === 'renewed') expect(written).toMatch(new RegExp(`^${SESSION}=[^;]+;`));
      if (row.cookie === 'cleared') expect(written).toMatch(new RegExp(`^${SESSION}=;.*Max-Age=0`));
      e.expectNothingLeaked();

      e.emu.clearFaults();
      row.heal?.(e);
      e.emu.clearRequests();
      const next =
        row.cookie === 'cleared' ? await e.login() : e.jar(res.setCookies, { ...cookies });
      if (row.cookie === 'cleared') e.emu.clearRequests();
      const again = await e.ping(next);
      expect(again.status).toBe(200);
      expect(JSON.parse(again.text)).toEqual(pong);
      expect(e.emu.count({ path: TOKEN })).toBe(row.recovery);
      // A kept session still holds the revoked access token: one 401, one refresh, one retry.
      expect(e.emu.count({ path: UPSTREAM })).toBe(row.recovery > 0 ? 2 : 1);
      if (row.recovery > 0) expect(sessionCookie(again)).toBeDefined();
      e.expectNothingLeaked();
    });
  }

  it('upstream: connection reset mid-body after a 200: the broken stream reaches the browser, the session is kept', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.clearRequests();
    e.emu.fault({ path: UPSTREAM, reset: true });
    const res = await e.ping(cookies, { readBody: false });
    expect(res.status).toBe(200);
    expect(sessionCookie(res)).toBeUndefined();
    expect(e.emu.count({ path: TOKEN })).toBe(0);
    const again = await e.ping(cookies);
    expect(JSON.parse(again.text)).toEqual(pong);
    expect(e.emu.count({ path: UPSTREAM })).toBe(2);
    e.expectNothingLeaked();
  });

  it('upstream: a hung GraphQL endpoint is cut by the browser abort, answered 502 aborted, session kept', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.clearRequests();
    e.emu.fault({ path: UPSTREAM, latencyMs: 5000 });
    const started = performance.now();
    const browser = new AbortController(); // the browser goes away
    setTimeout(() => browser.abort(), 50);
    const res = await e.ping(cookies, { signal: browser.signal });
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'aborted' });
    expect(sessionCookie(res)).toBeUndefined();
    expect(e.emu.count({ path: UPSTREAM })).toBe(1);
    const again = await e.ping(cookies);
    expect(JSON.parse(again.text)).toEqual(pong);
    e.expectNothingLeaked();
  });

  it('upstream: a GraphQL endpoint slower than upstreamTimeout is answered 504 timeout, session kept', async () => {
    const e = edge({ upstreamTimeout: 100 });
    const cookies = await e.login();
    e.emu.clearRequests();
    e.emu.fault({ path: UPSTREAM, latencyMs: 3000 });
    const started = performance.now();
    const res = await e.ping(cookies);
    expect(performance.now() - started).toBeLessThan(1000);
    expect(res.status).toBe(504);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'timeout' });
    expect(sessionCookie(res)).toBeUndefined();
    expect(e.emu.count({ path: UPSTREAM })).toBe(1);
    const again = await e.ping(cookies);
    expect(JSON.parse(again.text)).toEqual(pong);
    e.expectNothingLeaked();
  });

  it('refresh token reused after a lost rotation: network_error, then consent_required (the vendor spent it)', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.revokeAccessTokens();
    e.emu.clearRequests();
    e.emu.fault({ path: TOKEN, reset: true });
    const lost = await e.ping(cookies);
    expect(lost.status).toBe(502);
    expect(JSON.parse(lost.text)).toMatchObject({ error: 'network_error' });
    expect(sessionCookie(lost)).toBeUndefined();
    const reused = await e.ping(cookies);
    expect(reused.status).toBe(401);
    expect(JSON.parse(reused.text)).toMatchObject({ error: 'consent_required' });
    expect(sessionCookie(reused)).toMatch(new RegExp(`^${SESSION}=;`));
    expect(e.emu.count({ path: TOKEN, grant: 'refresh_token' })).toBe(2);
    expect(e.emu.count({ path: TOKEN, grant: 'refresh_token', status: 401 })).toBe(1);
    const fresh = await e.login();
    expect(JSON.parse((await e.ping(fresh)).text)).toEqual(pong);
    e.expectNothingLeaked();
  });

  it('an old cookie replayed after a rotation (another tab) still works in the same isolate', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.revokeAccessTokens();
    const renewed = await e.ping(cookies);
    expect(sessionCookie(renewed)).toBeDefined();
    e.emu.clearRequests();
    const replay = await e.ping(cookies); // the pre-rotation cookie
    expect(replay.status).toBe(200);
    expect(JSON.parse(replay.text)).toEqual(pong);
    expect(e.emu.count({ path: TOKEN })).toBe(0);
    e.expectNothingLeaked();
  });
});

describe('fault matrix: edge POST refresh', () => {
  it('500 every attempt: 502 oauth_error, cookie kept, the same cookie refreshes once the fault clears', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.clearRequests();
    e.emu.fault({ path: TOKEN, status: 500, times: ALWAYS });
    const res = await e.call('/auth/refresh', { method: 'POST', cookies });
    expect(res.status).toBe(502);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'oauth_error' });
    expect(sessionCookie(res)).toBeUndefined();
    expect(e.emu.count({ path: TOKEN })).toBe(ATTEMPTS);
    e.emu.clearFaults();
    e.emu.clearRequests();
    const again = await e.call('/auth/refresh', { method: 'POST', cookies });
    expect(again.status).toBe(200);
    expect(JSON.parse(again.text)).toMatchObject({ authenticated: true });
    expect(sessionCookie(again)).toBeDefined();
    expect(e.emu.count({ path: TOKEN, grant: 'refresh_token', status: 200 })).toBe(1);
    expect(e.emu.count({ path: TOKEN })).toBe(1);
    e.expectNothingLeaked();
  });

  it('consent revoked: 401 consent_required and the session cleared; a new login works', async () => {
    const e = edge();
    const cookies = await e.login();
    e.emu.revokeConsent(app.appId);
    e.emu.clearRequests();
    const res = await e.call('/auth/refresh', { method: 'POST', cookies });
    expect(res.status).toBe(401);
    expect(JSON.parse(res.text)).toMatchObject({ error: 'consent_required' });
    expect(sessionCookie(res)).toMatch(new RegExp(`^${SESSION}=;.*Max-Age=0`));
    expect(e.emu.count({ path: TOKEN })).toBe(1);
    e.emu.grantConsent(app.appId);
    const fresh = await e.login();
    expect(JSON.parse((await e.ping(fresh)).text)).toEqual(pong);
    e.expectNothingLeaked();
  });
});

describe('fault matrix: edge callback (code exchange)', () => {
  const cases: {
    name: string;
    faults?: Fault;
    arrange?: (e: ReturnType<typeof edge>) => void;
    location: string;
    requests: number;
  }[] = [
    {
      name: 'exchange 500 every attempt → error redirect',
      faults: { path: TOKEN, status: 500, times: ALWAYS },
      location: '/error?error=exchange_refused',
      requests: ATTEMPTS,
    },
    {
      name: 'exchange timeout every attempt → error redirect',
      faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
      location: '/error?error=timeout',
      requests: ATTEMPTS,
    },
    {
      name: 'exchange connection reset → error redirect',
      faults: { path: TOKEN, drop: true, times: ALWAYS },
      location: '/error?error=network_error',
      requests: ATTEMPTS,
    },
    {
      name: 'exchange 401 consent revoked → back to consent',
      arrange: (e) => e.emu.revokeConsent(app.appId),
      location: CONSENT_URL,
      requests: 1,
    },
  ];
  for (const c of cases) {
    it(c.name, async () => {
      const e = edge();
      const start = await e.call('/auth/login');
      const cookies = e.jar(start.setCookies);
      if (c.faults) faults(e.emu, c.faults);
      c.arrange?.(e);
      const cb = await e.call(`/auth/callback?code=${e.code()}`, { cookies });
      expect(cb.status).toBe(302);
      expect(cb.headers.get('location')).toBe(c.location);
      expect(sessionCookie(cb)).toBeUndefined();
      expect(e.emu.count({ path: TOKEN })).toBe(c.requests);
      e.expectNothingLeaked();
      e.emu.clearFaults();
      e.emu.grantConsent(app.appId);
      const next = await e.login();
      expect(JSON.parse((await e.ping(next)).text)).toEqual(pong);
      e.expectNothingLeaked();
    });
  }
});
