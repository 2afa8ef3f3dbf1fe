// Issue #7, canary secrets: every secret, key, token, code and cookie key is a canary; every vendor
// flow of core, every edge route (and its error paths) runs; every error, object dump, console line
// and browser-facing response is collected and scanned. The React session client has its own file
// (canary-react.test.ts, happy-dom). The console of every other unit test is scanned by canary-setup.ts.
import {
  createGraphQLClient,
  createPkce,
  createTokenClient,
  firstDollarApp,
  firstDollarGraphQLEndpoint,
  firstDollarPartner,
  firstOrionOAuth,
  firstOrionV1,
  isGrantkitError,
  oauth2,
  orangeLogic,
  randomState,
  type Adapter,
  type TokenClientOptions,
} from '@grantkit/core';
import { createAuthHandler, type AuthHandlerOptions } from '@grantkit/edge';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findLeaks, needlesFor } from './canary-scan';
import {
  AS,
  CANARY,
  FD,
  FO,
  IDS,
  OL,
  REDIRECT,
  browser,
  canaryEmulator,
  captureConsole,
  Collector,
} from './harness';

let seen: Collector;
let restoreConsole: () => void;
beforeEach(() => {
  seen = new Collector();
  restoreConsole = captureConsole(seen);
});
afterEach(() => restoreConsole());

type Canary = ReturnType<typeof canaryEmulator>;

/** A token client wired like a user would: failures logged to the console. */
function client(c: Canary, adapter: Adapter, extra: Partial<TokenClientOptions> = {}) {
  const tokens = createTokenClient({
    adapter,
    fetch: c.fetch,
    now: () => c.emu.clock.now(),
    retry: { limit: 0 },
    timeout: 2000,
    onAuthFailed: (error) => console.warn('grantkit renewal failed', error),
    ...extra,
  });
  seen.object(`TokenClient ${adapter.id}`, tokens);
  seen.object(`adapter ${adapter.id}`, adapter);
  return tokens;
}

/** Runs `step`; a rejection is collected (message, stack, String, JSON, inspect, causes) and logged. */
async function attempt<T>(where: string, step: () => Promise<T>): Promise<T | undefined> {
  try {
    return await step();
  } catch (error) {
    seen.error(where, error);
    console.error(`${where} failed:`, error);
    expect(isGrantkitError(error), `${where}: ${String(error)}`).toBe(true);
    return undefined;
  }
}

describe('core: every vendor flow with canary credentials, tokens and codes', () => {
  it('the emulator marks opaque tokens, refresh tokens and codes with tokenPrefix, and JWT access tokens in jti', async () => {
    const c = canaryEmulator();
    const code = c.issueCode('oauth2', IDS.oauth2);
    expect(code.startsWith(CANARY.tokenPrefix)).toBe(true);
    const fd = await client(
      c,
      firstDollarPartner({
        clientId: IDS.fdPartner,
        clientSecret: CANARY.fdPartnerSecret,
        apiBaseUrl: FD,
      }),
    ).getTokenSet();
    expect(fd.refreshToken?.startsWith(CANARY.tokenPrefix)).toBe(true);
    expect(fd.accessToken.split('.')).toHaveLength(3); // still a JWT, so the exp cross-check still runs
    expect(findLeaks(fd.accessToken)).toEqual(['canary inside a JWT']);
  });

  it('First Dollar Partner: client_credentials, refresh, fallback, GraphQL, and every failure', async () => {
    const c = canaryEmulator();
    const adapter = firstDollarPartner({
      clientId: IDS.fdPartner,
      clientSecret: CANARY.fdPartnerSecret,
      apiBaseUrl: FD,
    });
    const tokens = client(c, adapter);
    const graphql = createGraphQLClient({
      tokenClient: tokens,
      endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: FD }),
      retryDelay: 1,
    });
    expect(await graphql.request('query { ping }')).toEqual({ ping: 'pong' });
    await tokens.refresh();
    c.emu.revokeRefreshTokens();
    await tokens.refresh(); // refused refresh → client_credentials fallback
    c.emu.setGraphqlResolver(() => {
      throw new Error('resolver exploded');
    });
    await attempt('graphql errors[]', () => graphql.request('query { me { id } }'));
    c.emu.setGraphqlResolver(() => ({
      me: { __typename: 'InternalServerError', code: 'E', message: 'boom', retryable: false },
    }));
    await attempt('graphql domain error', () => graphql.request('query { me { id } }'));
    c.emu.revokeAccessTokens();
    c.emu.fault({ path: '/v0/auth/token', status: 500, times: Infinity });
    await attempt('refresh answered 500', () => tokens.refresh());
    await attempt('graphql while the vendor is down', () => graphql.request('query { ping }'));
    c.emu.clearFaults();
    c.emu.fault({ path: '/v0/auth/token', malformedJson: true });
    await attempt('truncated JSON', () => tokens.refresh());
    c.emu.fault({ path: '/v0/auth/token', drop: true });
    await attempt('connection dropped', () => tokens.refresh());
    c.emu.fault({ path: '/v0/auth/token', latencyMs: 500 });
    await attempt('timeout', () => client(c, adapter, { timeout: 50 }).refresh());
    c.emu.fault({ path: '/v0/auth/token', status: 429, retryAfter: 1 });
    await attempt('429', () => tokens.refresh());
    const wrong = client(
      c,
      firstDollarPartner({
        clientId: IDS.fdPartner,
        clientSecret: `${CANARY.fdPartnerSecret}-wrong`,
        apiBaseUrl: FD,
      }),
    );
    await attempt('wrong client secret', () => wrong.getAccessToken());
    const aborted = new AbortController();
    aborted.abort(new Error('caller gave up'));
    await attempt('aborted', () => client(c, adapter).getAccessToken({ signal: aborted.signal }));
    expect(c.emu.count({ path: '/v0/auth/token', status: 200 })).toBeGreaterThanOrEqual(3);
    seen.expectClean(c.issued);
  });

  it('First Dollar OAuth App: consent page code, exchange, refresh, revoked consent, reused and bad codes', async () => {
    const c = canaryEmulator();
    const adapter = firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    });
    const tokens = client(c, adapter);
    const consent = await c.fetch(`${adapter.authorizationUrl()}?auto=1`, { redirect: 'manual' });
    const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
    await tokens.exchangeCode(code);
    await attempt('code reused', () => client(c, adapter).exchangeCode(code));
    await attempt('unknown code', () =>
      client(c, adapter).exchangeCode(`${CANARY.tokenPrefix}not-a-code`),
    );
    const graphql = createGraphQLClient({
      tokenClient: tokens,
      endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
    });
    expect(await graphql.request('query { ping }')).toEqual({ ping: 'pong' });
    await tokens.refresh();
    c.emu.revokeConsent(IDS.fdApp.appId);
    c.emu.revokeAccessTokens();
    await attempt('graphql after consent revoked', () => graphql.request('query { ping }'));
    await attempt('refresh after consent revoked', () => tokens.refresh());
    const late = c.issueCode('firstDollar', IDS.fdApp.appId);
    await attempt('exchange after consent revoked', () => client(c, adapter).exchangeCode(late));
    const wrong = client(
      c,
      firstDollarApp({ ...IDS.fdApp, clientSecret: `${CANARY.fdAppSecret}-wrong`, apiBaseUrl: FD }),
    );
    c.emu.grantConsent(IDS.fdApp.appId);
    await attempt('wrong client secret at exchange', () =>
      wrong.exchangeCode(c.issueCode('firstDollar', IDS.fdApp.appId)),
    );
    seen.expectClean(c.issued);
  });

  it('First Orion v1 (header and body refresh, refresh unsupported) and v2 (Basic), with failures', async () => {
    const c = canaryEmulator();
    for (const refresh of ['header', 'body', false] as const) {
      const v1 = client(
        c,
        firstOrionV1({
          apiKey: CANARY.foApiKey,
          secretKey: CANARY.foSecretKey,
          baseUrl: FO,
          refresh,
        }),
      );
      expect((await v1.fetch(`${FO}/v1/echo`)).status).toBe(200);
      await v1.refresh();
    }
    const v1 = client(
      c,
      firstOrionV1({ apiKey: CANARY.foApiKey, secretKey: CANARY.foSecretKey, baseUrl: FO }),
    );
    await v1.getAccessToken();
    c.emu.setFirstOrionRefreshSupported(false);
    await v1.refresh(); // 404 → falls back to /v1/auth
    c.emu.setFirstOrionRefreshSupported(true);
    c.emu.fault({ path: /^\/v1\/auth/, status: 503, times: 2 });
    await attempt('v1 503', () => v1.refresh());
    await attempt('v1 wrong secret key', () =>
      client(
        c,
        firstOrionV1({
          apiKey: CANARY.foApiKey,
          secretKey: `${CANARY.foSecretKey}-x`,
          baseUrl: FO,
        }),
      ).getAccessToken(),
    );
    await attempt('v1 wrong api key', () =>
      client(
        c,
        firstOrionV1({
          apiKey: `${CANARY.foApiKey}-x`,
          secretKey: CANARY.foSecretKey,
          baseUrl: FO,
        }),
      ).getAccessToken(),
    );
    const v2 = client(
      c,
      firstOrionOAuth({ apiKey: CANARY.foApiKey, secretKey: CANARY.foSecretKey, baseUrl: FO }),
    );
    await v2.getAccessToken();
    await v2.refresh();
    await attempt('v2 wrong secret key', () =>
      client(
        c,
        firstOrionOAuth({
          apiKey: CANARY.foApiKey,
          secretKey: `${CANARY.foSecretKey}-x`,
          baseUrl: FO,
        }),
      ).getAccessToken(),
    );
    c.emu.fault({
      path: '/v2/auth',
      status: 500,
      body: { error: 'server_error', error_description: 'vendor stack trace here' },
    });
    await attempt('v2 500', () => v2.refresh());
    expect(c.emu.count({ vendor: 'firstOrion', status: 200 })).toBeGreaterThanOrEqual(8);
    seen.expectClean(c.issued);
  });

  it('Orange Logic: authorize with state, exchange, refresh, refused refresh, 30-day expiry, wrong secret', async () => {
    const c = canaryEmulator();
    const adapter = orangeLogic({
      siteUrl: OL,
      clientId: IDS.ol,
      clientSecret: CANARY.olSecret,
      redirectUri: REDIRECT,
    });
    const tokens = client(c, adapter);
    const state = randomState();
    const back = await c.fetch(adapter.authorizationUrl({ state }), { redirect: 'manual' });
    const url = new URL(back.headers.get('location')!);
    expect(url.searchParams.get('state')).toBe(state);
    await tokens.exchangeCode(url.searchParams.get('code')!);
    expect((await tokens.fetch(`${OL}/webapi/echo`)).status).toBe(200);
    await tokens.refresh();
    c.emu.revokeRefreshTokens();
    await attempt('refused refresh', () => tokens.refresh());
    const old = client(c, adapter);
    await old.exchangeCode(c.issueCode('orangeLogic', IDS.ol));
    c.emu.clock.advance(31 * 24 * 3600 * 1000);
    await attempt('refresh token past 30 days', () => old.refresh());
    await attempt('wrong secret', () =>
      client(
        c,
        orangeLogic({
          siteUrl: OL,
          clientId: IDS.ol,
          clientSecret: `${CANARY.olSecret}-x`,
          redirectUri: REDIRECT,
        }),
      ).exchangeCode(c.issueCode('orangeLogic', IDS.ol)),
    );
    seen.expectClean(c.issued);
  });

  it('generic OAuth 2.0: confidential (basic and post) and public PKCE clients, client_credentials, and failures', async () => {
    const c = canaryEmulator();
    const base = {
      tokenEndpoint: `${AS}/oauth2/token`,
      authorizationEndpoint: `${AS}/oauth2/authorize`,
      redirectUri: REDIRECT,
      scope: 'openid',
    };
    for (const [clientId, clientAuth] of [
      [IDS.oauth2, 'client_secret_basic'],
      [IDS.oauth2Post, 'client_secret_post'],
    ] as const) {
      const adapter = oauth2({ ...base, clientId, clientSecret: CANARY.oauth2Secret, clientAuth });
      const tokens = client(c, adapter);
      const { verifier, challenge } = await createPkce();
      const back = await c.fetch(
        adapter.authorizationUrl({ state: randomState(), codeChallenge: challenge }),
        { redirect: 'manual' },
      );
      await tokens.exchangeCode(new URL(back.headers.get('location')!).searchParams.get('code')!, {
        codeVerifier: verifier,
      });
      expect((await tokens.fetch(`${AS}/oauth2/userinfo`)).status).toBe(200);
      await tokens.refresh();
      c.emu.revokeRefreshTokens('oauth2');
      await attempt(`${clientAuth} refused refresh`, () => tokens.refresh());
      await attempt(`${clientAuth} wrong verifier`, () =>
        client(c, adapter).exchangeCode(
          c.issueCode('oauth2', clientId, { codeChallenge: challenge }),
          { codeVerifier: 'x'.repeat(43) },
        ),
      );
    }
    const service = client(
      c,
      oauth2({
        clientId: IDS.oauth2,
        clientSecret: CANARY.oauth2Secret,
        tokenEndpoint: `${AS}/oauth2/token`,
        clientCredentials: true,
      }),
    );
    await service.getAccessToken();
    await attempt('client_credentials wrong secret', () =>
      client(
        c,
        oauth2({
          clientId: IDS.oauth2,
          clientSecret: `${CANARY.oauth2Secret}x`,
          tokenEndpoint: `${AS}/oauth2/token`,
          clientCredentials: true,
        }),
      ).getAccessToken(),
    );
    const pub = oauth2({ ...base, clientId: IDS.oauth2Public });
    const { verifier, challenge } = await createPkce();
    const back = await c.fetch(pub.authorizationUrl({ codeChallenge: challenge }), {
      redirect: 'manual',
    });
    await client(c, pub).exchangeCode(
      new URL(back.headers.get('location')!).searchParams.get('code')!,
      { codeVerifier: verifier },
    );
    expect(c.emu.count({ vendor: 'oauth2', status: 200 })).toBeGreaterThanOrEqual(8);
    seen.expectClean(c.issued);
  });

  it('the scanner catches what it claims to (raw, form-encoded, base64 at every alignment, canary JWTs)', () => {
    const needles = needlesFor('s', CANARY.oauth2Secret);
    const basic = btoa(
      `${encodeURIComponent(IDS.oauth2)}:${new URLSearchParams([['', CANARY.oauth2Secret]]).toString().slice(1)}`,
    );
    for (const prefix of ['', 'a', 'ab'])
      expect(findLeaks(btoa(`${prefix}${CANARY.oauth2Secret}`), needles)).toEqual(['s']);
    expect(findLeaks(`Authorization: Basic ${basic}`, needles)).toEqual(['s']);
    expect(
      findLeaks(
        `{"client_secret":${JSON.stringify(CANARY.oauth2Secret.slice(7))}}`,
        needlesFor('t', CANARY.oauth2Secret.slice(7)),
      ),
    ).toEqual(['t']);
    expect(findLeaks('nothing to see', needles)).toEqual([]);
  });
});

/* ------------------------------------------------------------------ edge */

function edge(
  c: Canary,
  adapter: AuthHandlerOptions['adapter'],
  extra: Partial<AuthHandlerOptions> = {},
) {
  const handler = createAuthHandler({
    adapter,
    secret: [CANARY.cookieKey, CANARY.cookieKeyOld],
    fetch: c.fetch,
    retry: { limit: 0 },
    proxy: {
      '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: FD, appId: IDS.fdApp.appId }),
      '/api/echo': `${OL}/webapi/echo`,
      '/api/userinfo': `${AS}/oauth2/userinfo`,
    },
    errorRedirect: '/error',
    onError: (error) => console.error('grantkit edge', error),
    ...extra,
  });
  seen.object('edge handler', handler);
  return handler;
}

/** The vendor's redirect back to the app, as the app's path + query. */
async function vendorRedirect(c: Canary, location: string): Promise<string> {
  const url = new URL(location);
  if (url.pathname.startsWith('/oauth/app/')) url.searchParams.set('auto', '1');
  const back = await c.fetch(url, { redirect: 'manual' });
  const target = new URL(back.headers.get('location')!);
  return `${target.pathname}${target.search}`;
}

describe('edge: every route and error path with canary secrets, cookie keys, tokens and codes', () => {
  const ping = { query: 'query { ping }' };

  it('First Dollar OAuth App: login, callback, session, proxy, refresh, exchange, logout, and every failure', async () => {
    const c = canaryEmulator();
    const fdApp = firstDollarApp({
      ...IDS.fdApp,
      clientSecret: CANARY.fdAppSecret,
      apiBaseUrl: FD,
      consentBaseUrl: FD,
    });
    const handler = edge(c, fdApp);
    const b = browser(handler, seen);

    // The happy path through the real consent redirect.
    const login = await b.call('/auth/login?returnTo=/home');
    const cb = await b.call(await vendorRedirect(c, login.location!));
    expect(cb.location).toBe('/home');
    expect((await b.call('/auth/session')).json()).toMatchObject({ authenticated: true });
    expect((await b.post('/api/graphql', ping)).json()).toEqual({ data: { ping: 'pong' } });
    expect((await b.post('/auth/refresh')).status).toBe(200);
    c.emu.revokeAccessTokens();
    expect((await b.post('/api/graphql', ping)).status).toBe(200); // refresh-on-401 inside the proxy

    // SPA exchange, bad codes, replays, missing intent, CSRF refusals.
    await b.call('/auth/login?returnTo=/spa');
    const code = c.issueCode('firstDollar', IDS.fdApp.appId);
    expect((await b.post('/auth/exchange', { code })).status).toBe(200);
    expect((await b.post('/auth/exchange', { code })).status).toBe(403); // intent consumed
    await b.call('/auth/login');
    expect((await b.post('/auth/exchange', { code })).status).toBe(400); // code already used
    await b.call('/auth/login');
    await b.call(`/auth/callback?code=${encodeURIComponent(`${CANARY.tokenPrefix}bogus`)}`);
    await b.call(`/auth/callback?code=${c.issueCode('firstDollar', IDS.fdApp.appId)}`, {
      cookies: new Map(),
    });
    await b.call('/auth/callback?error=access_denied&error_description=user+said+no');
    await b.call('/api/graphql', { method: 'POST', body: JSON.stringify(ping) });
    await b.call('/auth/logout', { method: 'POST', headers: { origin: 'https://evil.example' } });

    // Upstream failures: the token endpoint and the API answering 500.
    c.emu.revokeAccessTokens();
    c.emu.fault({
      path: '/v0/auth/token',
      status: 500,
      body: { error: 'server_error', error_description: 'upstream exploded' },
    });
    expect((await b.post('/api/graphql', ping)).status).toBeGreaterThanOrEqual(500);
    c.emu.fault({ path: '/v0/auth/token', status: 500 });
    expect((await b.post('/auth/refresh')).status).toBeGreaterThanOrEqual(500);
    c.emu.fault({
      path: `/app/${IDS.fdApp.appId}/graphql`,
      status: 500,
      body: { errors: [{ message: 'upstream API exploded' }] },
    });
    await b.post('/api/graphql', ping);
    c.emu.fault({ path: '/v0/auth/token', drop: true });
    c.emu.revokeAccessTokens();
    await b.post('/api/graphql', ping);

    // Tampered, truncated and foreign cookies on every route.
    const real = new Map(b.jar);
    const name = [...real.keys()].find((k) => !k.includes('login'))!;
    const value = real.get(name)!;
    for (const bad of [`${value.slice(0, -6)}AAAAAA`, value.slice(0, 50), 'garbage']) {
      const jar = new Map([[name, bad]]);
      await b.call('/auth/session', { cookies: jar });
      await b.post('/api/graphql', ping, jar);
      await b.post('/auth/refresh', undefined, jar);
      await b.post('/auth/logout', undefined, jar);
    }

    // Revoked consent: at the proxy, at refresh, at the callback, at the exchange.
    await b.post('/auth/refresh');
    c.emu.revokeConsent(IDS.fdApp.appId);
    c.emu.revokeAccessTokens();
    expect((await b.post('/api/graphql', ping)).json().error).toBe('consent_required');
    c.emu.grantConsent(IDS.fdApp.appId);
    const again = await b.call('/auth/login');
    await b.call(await vendorRedirect(c, again.location!));
    c.emu.revokeConsent(IDS.fdApp.appId);
    c.emu.revokeAccessTokens();
    expect((await b.post('/auth/refresh')).status).toBe(401);
    await b.call('/auth/login');
    const revokedCode = c.issueCode('firstDollar', IDS.fdApp.appId);
    await b.call(`/auth/callback?code=${revokedCode}`);
    await b.call('/auth/login');
    await b.post('/auth/exchange', { code: c.issueCode('firstDollar', IDS.fdApp.appId) });
    c.emu.grantConsent(IDS.fdApp.appId);

    // A session sealed with the previous cookie key still opens; logout clears it.
    const rotated = edge(c, fdApp, { secret: [CANARY.cookieKeyOld] });
    const old = browser(rotated, seen);
    await old.call('/auth/login');
    await old.call(await vendorRedirect(c, (await old.call('/auth/login')).location!));
    const current = browser(handler, seen);
    for (const [k, v] of old.jar) current.jar.set(k, v);
    expect((await current.call('/auth/session')).json()).toMatchObject({ authenticated: true });
    expect((await current.post('/auth/logout')).status).toBe(200);

    // Wrong methods, oversized input.
    await b.call('/auth/logout');
    await b.call('/auth/session', { headers: { 'x-big': 'a'.repeat(9000) } });
    await b.post('/auth/exchange', { code: 'x'.repeat(5000) });

    expect(seen.items.length).toBeGreaterThan(60);
    seen.expectClean(c.issued);
  });

  it('Orange Logic (state) and generic OAuth 2.0 (PKCE): the login intent holds state and verifier, never in clear', async () => {
    const c = canaryEmulator();
    const flows = [
      orangeLogic({
        siteUrl: OL,
        clientId: IDS.ol,
        clientSecret: CANARY.olSecret,
        redirectUri: REDIRECT,
      }),
      oauth2({
        clientId: IDS.oauth2,
        clientSecret: CANARY.oauth2Secret,
        tokenEndpoint: `${AS}/oauth2/token`,
        authorizationEndpoint: `${AS}/oauth2/authorize`,
        redirectUri: REDIRECT,
      }),
      oauth2({
        clientId: IDS.oauth2Public,
        tokenEndpoint: `${AS}/oauth2/token`,
        authorizationEndpoint: `${AS}/oauth2/authorize`,
        redirectUri: REDIRECT,
      }),
    ];
    for (const adapter of flows) {
      const b = browser(edge(c, adapter), seen);
      const login = await b.call('/auth/login?returnTo=/x');
      const back = await vendorRedirect(c, login.location!);
      expect((await b.call(back)).location).toBe('/x');
      const api = adapter.id === 'orange-logic' ? '/api/echo' : '/api/userinfo';
      expect((await b.call(api, { headers: b.same })).status).toBe(200);
      expect((await b.post('/auth/refresh')).status).toBe(200);
      // A forged state, a replayed callback, a refused refresh.
      await b.call('/auth/login');
      await b.call(back.replace(/state=[^&]+/, 'state=forged'));
      await b.call(back);
      c.emu.revokeRefreshTokens();
      c.emu.revokeAccessTokens();
      await b.call(api, { headers: b.same });
      await b.post('/auth/refresh');
      await b.post('/auth/logout');
    }
    seen.expectClean(c.issued);
  });
});
