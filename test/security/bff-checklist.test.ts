// Issue #7, BFF security checklist: one test per rule of RFC 9700 (OAuth 2.0 Security BCP) and of the
// backend-for-frontend pattern of the IETF "OAuth 2.0 for Browser-Based Applications" draft that
// applies to @grantkit/edge. Each test is named after its rule.
import { createHash } from 'node:crypto';
import {
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  oauth2,
  orangeLogic,
  type AuthorizationCodeAdapter,
} from '@grantkit/core';
import {
  createAuthHandler,
  CSRF_HEADER,
  memorySessionStore,
  type AuthHandlerOptions,
} from '@grantkit/edge';
import { describe, expect, it } from 'vitest';
import {
  AS,
  CANARY,
  FD,
  IDS,
  OL,
  ORIGIN,
  REDIRECT,
  browser,
  canaryEmulator,
  Collector,
} from './harness';

type Flow = 'firstDollar' | 'orangeLogic' | 'oauth2';
/** A proxied call to the vendor's own API (which checks the bearer token), per flow. */
const vendorApi: Record<Flow, { path: string; method: string; body?: string }> = {
  firstDollar: { path: '/api/graphql', method: 'POST', body: '{"query":"query { ping }"}' },
  orangeLogic: { path: '/api/ol', method: 'GET' },
  oauth2: { path: '/api/userinfo', method: 'GET' },
};
const API = 'https://api.example';

const adapters: Record<Flow, () => AuthorizationCodeAdapter> = {
  firstDollar: () =>
    firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    }),
  orangeLogic: () =>
    orangeLogic({
      siteUrl: OL,
      clientId: IDS.ol,
      clientSecret: CANARY.olSecret,
      redirectUri: REDIRECT,
    }),
  oauth2: () =>
    oauth2({
      clientId: IDS.oauth2,
      clientSecret: CANARY.oauth2Secret,
      tokenEndpoint: `${AS}/oauth2/token`,
      authorizationEndpoint: `${AS}/oauth2/authorize`,
      redirectUri: REDIRECT,
    }),
};

/** Every request the edge sends upstream (token endpoint and API), as seen on the wire. */
interface Upstream {
  url: URL;
  method: string;
  headers: Headers;
  body: string;
}

/** An edge for `flow` in front of the canary emulator; an extra API at api.example echoes what it receives. */
function setup(
  flow: Flow,
  extra: Partial<AuthHandlerOptions> & {
    tokenAnswer?: (body: Record<string, unknown>) => Record<string, unknown>;
  } = {},
) {
  const c = canaryEmulator();
  const upstream: Upstream[] = [];
  const { tokenAnswer, ...options } = extra;
  const vendorFetch = (async (input: RequestInfo | URL, init?: RequestInit) => {
    const request = new Request(input, init);
    const url = new URL(request.url);
    upstream.push({
      url,
      method: request.method,
      headers: new Headers(request.headers),
      body: await request.clone().text(),
    });
    if (url.origin === API) {
      return Response.json(
        {
          received: {
            authorization: request.headers.get('authorization'),
            cookie: request.headers.get('cookie'),
            path: url.pathname,
            search: url.search,
          },
        },
        {
          headers: { 'set-cookie': 'upstream=1; Path=/', connection: 'close', 'x-upstream': 'yes' },
        },
      );
    }
    const response = await c.fetch(request);
    if (tokenAnswer && response.ok && /token/.test(url.pathname)) {
      return Response.json(tokenAnswer((await response.json()) as Record<string, unknown>), {
        status: response.status,
        headers: response.headers,
      });
    }
    return response;
  }) as typeof fetch;
  const handler = createAuthHandler({
    adapter: adapters[flow](),
    secret: CANARY.cookieKey,
    fetch: vendorFetch,
    retry: { limit: 0 },
    errorRedirect: '/error',
    proxy: {
      '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
      '/api/echo': `${API}/v1/echo`,
      '/api/ol': `${OL}/webapi/echo`,
      '/api/userinfo': `${AS}/oauth2/userinfo`,
    },
    ...options,
  });
  const seen = new Collector();
  const b = browser(handler, seen);
  const codeFromVendor = async (location: string) => {
    const url = new URL(location);
    if (url.pathname.startsWith('/oauth/app/')) url.searchParams.set('auto', '1');
    const back = new URL((await c.fetch(url, { redirect: 'manual' })).headers.get('location')!);
    return `${back.pathname}${back.search}`;
  };
  /** A full login: /auth/login → the vendor → /auth/callback. */
  const login = async (returnTo = '/home') => {
    const start = await b.call(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
    const back = await codeFromVendor(start.location!);
    const callback = await b.call(back);
    return { start, back, callback };
  };
  return { c, b, seen, upstream, login, codeFromVendor, handler };
}

const setCookies = (response: Response) => response.headers.getSetCookie();
const attributes = (line: string) => {
  const [pair = '', ...rest] = line.split(';').map((s) => s.trim());
  const attrs = new Map(
    rest.map((a) => [
      a.split('=')[0]!.toLowerCase(),
      a.includes('=') ? a.slice(a.indexOf('=') + 1) : '',
    ]),
  );
  return {
    name: pair.slice(0, pair.indexOf('=')),
    value: pair.slice(pair.indexOf('=') + 1),
    attrs,
  };
};

/** Every Set-Cookie a full session life produces: login, callback, exchange, refresh, proxy renewal, logout, failures. */
async function everySetCookie(flow: Flow): Promise<{ route: string; line: string }[]> {
  const s = setup(flow);
  const out: { route: string; line: string }[] = [];
  const keep = (route: string, response: Response) =>
    setCookies(response).forEach((line) => out.push({ route, line }));
  const { start, callback } = await s.login();
  keep('login', start.response);
  keep('callback', callback.response);
  keep('refresh', (await s.b.post('/auth/refresh')).response);
  s.c.emu.revokeAccessTokens();
  const api = vendorApi[flow];
  const renewed = await s.b.call(api.path, {
    method: api.method,
    headers: s.b.same,
    ...(api.body ? { body: api.body } : {}),
  });
  expect(renewed.status, `${flow} proxy renewal: ${renewed.text}`).toBe(200);
  keep('proxy renewal', renewed.response);
  const again = await s.b.call('/auth/login');
  const back = new URL(await s.codeFromVendor(again.location!), ORIGIN);
  const exchanged = await s.b.post('/auth/exchange', {
    code: back.searchParams.get('code'),
    state: back.searchParams.get('state') ?? undefined,
  });
  expect(exchanged.status, `${flow} exchange: ${exchanged.text}`).toBe(200);
  keep('exchange', exchanged.response);
  keep('callback refused', (await s.b.call('/auth/callback?code=bogus')).response);
  keep('logout', (await s.b.post('/auth/logout')).response);
  return out;
}

describe('BFF security checklist (RFC 9700, browser-based apps BFF)', () => {
  it('BFF cookie security: every cookie is __Host-, Secure, HttpOnly, SameSite, Path=/, without Domain', async () => {
    for (const flow of ['firstDollar', 'orangeLogic', 'oauth2'] as const) {
      const lines = await everySetCookie(flow);
      const routes = new Set(lines.map((l) => l.route));
      expect([...routes].sort(), flow).toEqual([
        'callback',
        'callback refused',
        'exchange',
        'login',
        'logout',
        'proxy renewal',
        'refresh',
      ]);
      for (const { route, line } of lines) {
        const { name, attrs } = attributes(line);
        const where = `${flow} ${route}: ${name}`;
        expect(name.startsWith('__Host-'), where).toBe(true);
        expect(attrs.has('secure'), where).toBe(true);
        expect(attrs.has('httponly'), where).toBe(true);
        expect(['lax', 'strict'], where).toContain(attrs.get('samesite')?.toLowerCase());
        expect(attrs.get('path'), where).toBe('/');
        expect(attrs.has('domain'), where).toBe(false);
      }
    }
  });

  it('BFF cookie security: the session cookie is encrypted and authenticated (JWE dir + A256GCM); a flipped bit is "not logged in"', async () => {
    const s = setup('firstDollar');
    await s.login();
    const value = s.b.jar.get('__Host-grantkit')!;
    const parts = value.split('.');
    expect(parts).toHaveLength(5);
    expect(JSON.parse(Buffer.from(parts[0]!, 'base64url').toString())).toMatchObject({
      alg: 'dir',
      enc: 'A256GCM',
    });
    for (let i = 1; i < parts.length; i++) {
      const flipped = [...parts];
      const segment = Buffer.from(flipped[i]!, 'base64url');
      if (segment.length === 0) continue;
      segment[0]! ^= 1;
      flipped[i] = segment.toString('base64url');
      const jar = new Map([['__Host-grantkit', flipped.join('.')]]);
      expect((await s.b.call('/auth/session', { cookies: jar })).json()).toEqual({
        authenticated: false,
      });
      expect((await s.b.call('/api/echo', { headers: s.b.same, cookies: jar })).status).toBe(401);
    }
  });

  describe('RFC 9700 §4.7 and BFF CSRF protection: every state-changing route and the proxy require the custom header and a same-origin Origin / Sec-Fetch-Site', () => {
    const routes = [
      { name: 'POST /auth/exchange', method: 'POST', path: '/auth/exchange', body: '{"code":"x"}' },
      { name: 'POST /auth/refresh', method: 'POST', path: '/auth/refresh' },
      { name: 'POST /auth/logout', method: 'POST', path: '/auth/logout' },
      {
        name: 'POST proxy /api/graphql',
        method: 'POST',
        path: '/api/graphql',
        body: '{"query":"query { ping }"}',
      },
      { name: 'GET proxy /api/echo', method: 'GET', path: '/api/echo' },
      { name: 'DELETE proxy /api/echo', method: 'DELETE', path: '/api/echo' },
    ];
    const base = {
      [CSRF_HEADER]: '1',
      origin: ORIGIN,
      'sec-fetch-site': 'same-origin',
      'content-type': 'application/json',
    };
    const attacks: [string, Record<string, string | undefined>][] = [
      ['no custom header', { [CSRF_HEADER]: undefined }],
      [
        'no custom header, no Origin, no Sec-Fetch-Site (a form post from an old browser)',
        { [CSRF_HEADER]: undefined, origin: undefined, 'sec-fetch-site': undefined },
      ],
      ['a cross-site Origin', { origin: 'https://evil.example' }],
      ['Origin: null', { origin: 'null' }],
      ['a sibling subdomain Origin', { origin: 'https://evil.app.example' }],
      ['the same host over http', { origin: 'http://app.example' }],
      ['Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }],
      ['Sec-Fetch-Site: same-site (a sibling subdomain)', { 'sec-fetch-site': 'same-site' }],
      ['Sec-Fetch-Site: none', { 'sec-fetch-site': 'none' }],
    ];
    for (const route of routes) {
      it(`${route.name}: refused (403 csrf) before any effect; allowed from the app's own origin`, async () => {
        const s = setup('firstDollar');
        await s.login();
        if (route.path === '/auth/exchange') await s.b.call('/auth/login');
        const cookies = new Map(s.b.jar);
        for (const [attack, change] of attacks) {
          const headers: Record<string, string> = {};
          for (const [k, v] of Object.entries({ ...base, ...change }))
            if (v !== undefined) headers[k] = v;
          const before = s.upstream.length;
          const res = await s.b.call(route.path, {
            method: route.method,
            headers,
            ...(route.body ? { body: route.body } : {}),
            cookies: new Map(cookies),
          });
          expect(res.status, `${route.name} with ${attack}`).toBe(403);
          expect(res.json().error, `${route.name} with ${attack}`).toBe('csrf');
          expect(setCookies(res.response), `${route.name} with ${attack} changed cookies`).toEqual(
            [],
          );
          expect(s.upstream.length, `${route.name} with ${attack} reached upstream`).toBe(before);
        }
        const ok = await s.b.call(route.path, {
          method: route.method,
          headers: base,
          ...(route.body ? { body: route.body } : {}),
          cookies: new Map(cookies),
        });
        expect(ok.status, `${route.name} same-origin: ${ok.text}`).not.toBe(403);
      });
    }
  });

  it('RFC 9700 §4.7 (login CSRF): the callback is bound to the browser that started the login (login-intent cookie), and to state where the provider echoes it', async () => {
    for (const flow of ['firstDollar', 'orangeLogic', 'oauth2'] as const) {
      const attacker = setup(flow);
      const start = await attacker.b.call('/auth/login');
      const back = await attacker.codeFromVendor(start.location!);
      // The victim's browser, with no login intent, is sent to the attacker's callback URL.
      const victim = browser(attacker.handler, attacker.seen);
      const res = await victim.call(back);
      expect(res.location, flow).toBe('/error?error=login_intent_missing');
      expect(victim.jar.has('__Host-grantkit'), flow).toBe(false);
      // A victim that started its own login gets the attacker's code: state (or PKCE) refuses it.
      if (flow !== 'firstDollar') {
        await victim.call('/auth/login');
        const injected = await victim.call(back);
        expect(injected.location, flow).toMatch(
          /^\/error\?error=(state_mismatch|exchange_refused)$/,
        );
        expect(victim.jar.has('__Host-grantkit'), flow).toBe(false);
      }
    }
  });

  it('RFC 9700 §2.1.1 and §4.5 (PKCE): the generic flow sends an S256 code_challenge and the matching code_verifier at the exchange', async () => {
    const s = setup('oauth2');
    const { start } = await s.login();
    const auth = new URL(start.location!);
    expect(auth.searchParams.get('code_challenge_method')).toBe('S256');
    const challenge = auth.searchParams.get('code_challenge')!;
    expect(challenge).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(auth.searchParams.get('state')).toMatch(/^[A-Za-z0-9_-]{22,}$/);
    const exchange = s.upstream.find(
      (u) =>
        u.url.pathname === '/oauth2/token' &&
        new URLSearchParams(u.body).get('grant_type') === 'authorization_code',
    )!;
    const verifier = new URLSearchParams(exchange.body).get('code_verifier')!;
    expect(verifier).toMatch(/^[A-Za-z0-9._~-]{43,128}$/);
    expect(createHash('sha256').update(verifier).digest('base64url')).toBe(challenge);
    // The verifier never appears in the browser's view (it travels sealed in the login-intent cookie).
    expect(s.seen.items.some((i) => i.text.includes(verifier))).toBe(false);
    // Two logins, two different challenges.
    const second = new URL((await s.b.call('/auth/login')).location!);
    expect(second.searchParams.get('code_challenge')).not.toBe(challenge);
  });

  it('RFC 9700 §4.2.4 and §4.3.2: after the callback the browser is redirected to a URL without code, state or token, and no document is rendered at the callback', async () => {
    for (const flow of ['firstDollar', 'orangeLogic', 'oauth2'] as const) {
      const s = setup(flow);
      const { callback } = await s.login('/home?tab=1');
      expect(callback.status, flow).toBe(302);
      expect(callback.text, flow).toBe('');
      expect(callback.location, flow).toBe('/home?tab=1');
      // Failures redirect without the code too.
      await s.b.call('/auth/login');
      const failed = await s.b.call('/auth/callback?code=CANARY-code-bogus&state=whatever');
      const noIntent = await browser(s.handler, s.seen).call(
        `/auth/callback?code=CANARY-code-bogus`,
      );
      for (const res of [callback, failed, noIntent]) {
        const location = new URL(res.location!, ORIGIN);
        expect(
          [...location.searchParams.keys()].filter((k) => /code|token|state/i.test(k)),
          `${flow} ${res.location}`,
        ).toEqual([]);
        expect(res.location!, flow).not.toContain('CANARY');
      }
    }
  });

  it('RFC 9700 §4.11.1: the client is no open redirector (returnTo and provider errors never leave the origin)', async () => {
    const s = setup('firstDollar');
    const evil = [
      'https://evil.example/',
      '//evil.example/',
      '/\\evil.example',
      '\\\\evil.example',
      'http:evil.example',
      'javascript:alert(1)',
      '/%2F%2Fevil.example',
      '/\t/evil.example',
      ' //evil.example',
      '/.//evil.example',
      '/a/..//evil.example',
      '/./\\evil.example',
    ];
    for (const returnTo of evil) {
      const { callback } = await s.login(returnTo);
      expect(new URL(callback.location!, ORIGIN).origin, returnTo).toBe(ORIGIN);
      expect(callback.location!.startsWith('//'), returnTo).toBe(false);
    }
    for (const error of [
      'https://evil.example',
      '//evil.example',
      '%0d%0aLocation:%20https://evil.example',
    ]) {
      const res = await s.b.call(`/auth/callback?error=${error}`);
      expect(new URL(res.location!, ORIGIN).origin, error).toBe(ORIGIN);
      expect(res.response.headers.get('location')).not.toMatch(/[\r\n]/);
    }
  });

  it('BFF proxying: only allowlisted upstreams are reached; absolute URLs, other hosts and path tricks are refused or stay on the allowlist', async () => {
    const s = setup('firstDollar');
    await s.login();
    const tricks = [
      '/api/echo/../../evil',
      '/api/echo?url=https://evil.example/',
      '/api/echo/https://evil.example/',
      '/api/echo/%2e%2e/%2e%2e/evil',
      '/api/other',
      '/api//echo',
      '/API/echo',
      '/auth/../api/echo',
    ];
    for (const path of tricks) await s.b.call(path, { headers: s.b.same });
    // An absolute-form request line naming another host: the upstream is still only the allowlisted one.
    await s.handler(
      new Request('https://evil.example/api/echo', {
        headers: {
          ...s.b.same,
          origin: 'https://evil.example',
          cookie: [...s.b.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      }),
    );
    await s.handler(
      new Request(`${ORIGIN}/api/echo`, {
        headers: {
          ...s.b.same,
          host: 'evil.example',
          'x-forwarded-host': 'evil.example',
          cookie: [...s.b.jar].map(([k, v]) => `${k}=${v}`).join('; '),
        },
      }),
    );
    const hosts = new Set(s.upstream.map((u) => u.url.origin));
    expect([...hosts].sort()).toEqual([API, FD].sort());
    for (const u of s.upstream.filter((x) => x.url.origin === API))
      expect(u.url.pathname, u.url.href).toBe('/v1/echo');
  });

  it("BFF proxying: the browser's cookies and Authorization never reach the API, the API's Set-Cookie and hop-by-hop headers never reach the browser", async () => {
    const s = setup('firstDollar');
    await s.login();
    const res = await s.b.call('/api/echo?x=1', {
      headers: {
        ...s.b.same,
        authorization: 'Bearer attacker-chosen',
        connection: 'keep-alive, x-upstream',
      },
    });
    const { received } = res.json() as {
      received: { authorization: string; cookie: string | null; search: string };
    };
    expect(received.cookie).toBeNull();
    expect(received.authorization).toMatch(/^Bearer /);
    expect(received.authorization).not.toContain('attacker-chosen');
    expect(received.search).toBe('?x=1');
    expect(setCookies(res.response)).toEqual([]);
    expect(res.response.headers.get('connection')).toBeNull();
    expect(res.response.headers.get('x-upstream')).toBe('yes');
  });

  it('RFC 9700 §4.14 and BFF: the session never outlives the refresh token (cookie Max-Age bounded by its expiry)', async () => {
    // Orange Logic refresh tokens live 30 days: a 90-day sessionMaxAge is cut to 30 days.
    const ol = setup('orangeLogic', { sessionMaxAge: 90 * 24 * 3600 });
    const { callback } = await ol.login();
    const olAge = Number(
      attributes(
        setCookies(callback.response).find((l) => l.startsWith('__Host-grantkit='))!,
      ).attrs.get('max-age'),
    );
    expect(olAge).toBeLessThanOrEqual(30 * 24 * 3600);
    expect(olAge).toBeGreaterThan(30 * 24 * 3600 - 60);
    // A server that declares refresh_token_expires_in: 2 hours → the cookie lives at most 2 hours, and after a refresh too.
    const short = setup('oauth2', {
      tokenAnswer: (body) => ({ ...body, refresh_token_expires_in: 7200 }),
    });
    const login = await short.login();
    const ages = [login.callback.response, (await short.b.post('/auth/refresh')).response].map(
      (r) =>
        Number(
          attributes(setCookies(r).find((l) => l.startsWith('__Host-grantkit='))!).attrs.get(
            'max-age',
          ),
        ),
    );
    for (const age of ages) expect(age).toBeGreaterThan(7000);
    for (const age of ages) expect(age).toBeLessThanOrEqual(7200);
    // Without a known refresh expiry, sessionMaxAge bounds it.
    const fd = setup('firstDollar', { sessionMaxAge: 3600 });
    const fdAge = Number(
      attributes(
        setCookies((await fd.login()).callback.response).find((l) =>
          l.startsWith('__Host-grantkit='),
        )!,
      ).attrs.get('max-age'),
    );
    expect(fdAge).toBeLessThanOrEqual(3600);
  });

  it('RFC 9700 §4.7 and BFF: the login-intent cookie is short-lived (≤ 10 minutes) and cleared once used', async () => {
    for (const flow of ['firstDollar', 'orangeLogic', 'oauth2'] as const) {
      const s = setup(flow);
      const { start, callback } = await s.login();
      const intent = setCookies(start.response)
        .map(attributes)
        .find((c) => c.name.endsWith('-login'))!;
      expect(Number(intent.attrs.get('max-age')), flow).toBeGreaterThan(0);
      expect(Number(intent.attrs.get('max-age')), flow).toBeLessThanOrEqual(600);
      const cleared = setCookies(callback.response)
        .map(attributes)
        .find((c) => c.name === intent.name);
      expect(cleared?.attrs.get('max-age'), flow).toBe('0');
      expect(s.b.jar.has(intent.name), flow).toBe(false);
    }
  });

  it('BFF: GET session (and the exchange and refresh answers) hold no token, no refresh token, no secret', async () => {
    for (const flow of ['firstDollar', 'orangeLogic', 'oauth2'] as const) {
      const s = setup(flow);
      await s.login();
      const session = await s.b.call('/auth/session');
      const refreshed = await s.b.post('/auth/refresh');
      const start = await s.b.call('/auth/login');
      const back = new URL(await s.codeFromVendor(start.location!), ORIGIN);
      const exchanged = await s.b.post('/auth/exchange', {
        code: back.searchParams.get('code'),
        ...(back.searchParams.get('state') ? { state: back.searchParams.get('state') } : {}),
      });
      for (const res of [session, refreshed, exchanged]) {
        expect(res.status, `${flow} ${res.text}`).toBe(200);
        const keys = Object.keys(res.json());
        expect(
          keys.every((k) => ['authenticated', 'expiresAt', 'scope', 'returnTo'].includes(k)),
          `${flow} ${keys}`,
        ).toBe(true);
      }
      s.seen.expectClean(s.c.issued);
    }
  });

  it('RFC 9700 §4.3 and BFF: every auth response and proxied answer is Cache-Control: no-store', async () => {
    const s = setup('firstDollar');
    const { start, callback } = await s.login();
    const responses: [string, Response][] = [
      ['login', start.response],
      ['callback', callback.response],
      ['session', (await s.b.call('/auth/session')).response],
      ['refresh', (await s.b.post('/auth/refresh')).response],
      ['proxy', (await s.b.call('/api/echo', { headers: s.b.same })).response],
      ['proxy csrf refusal', (await s.b.call('/api/echo')).response],
      ['exchange refusal', (await s.b.post('/auth/exchange', { code: 'x' })).response],
      ['callback without code', (await s.b.call('/auth/callback')).response],
      ['method not allowed', (await s.b.call('/auth/refresh')).response],
      [
        'header too large',
        (await s.b.call('/auth/session', { headers: { 'x-big': 'a'.repeat(9000) } })).response,
      ],
      ['logout', (await s.b.post('/auth/logout')).response],
      ['session after logout', (await s.b.call('/auth/session')).response],
    ];
    for (const [route, res] of responses)
      expect(res.headers.get('cache-control'), route).toMatch(/no-store/);
    // A session answer depends on the cookie: shared caches must key on it.
    expect(responses[2]![1].headers.get('vary')).toMatch(/cookie/i);
  });

  // With the default cookie sessions the session IS the encrypted cookie: logout can only ask the
  // browser to drop it, so a copy taken before logout stays valid until its exp (documented in the
  // SECURITY.md). A server-side store ends the session on the server.
  it('BFF session management: with a server-side session store, a copy of the session cookie is no longer a session after logout', async () => {
    const s = setup('firstDollar', { sessions: memorySessionStore() });
    await s.login();
    const copy = new Map(s.b.jar);
    expect((await s.b.call('/auth/session', { cookies: copy })).json()).toMatchObject({
      authenticated: true,
    });
    expect((await s.b.post('/auth/logout')).status).toBe(200);
    expect((await s.b.call('/auth/session', { cookies: copy })).json()).toEqual({
      authenticated: false,
    });
    expect((await s.b.call('/api/echo', { headers: s.b.same, cookies: copy })).status).toBe(401);
  });
});
