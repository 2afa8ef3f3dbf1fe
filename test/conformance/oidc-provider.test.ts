// Conformance (issue #7): grantkit's generic OAuth 2.0 adapter and the edge BFF against a real,
// certified authorization server, oidc-provider 9, started in-process on 127.0.0.1 (see provider.ts
// for its configuration). Covers the authorization code flow with PKCE (S256) and state, refresh-token
// rotation, client_credentials, RFC 7009 revocation on logout, and the server's error answers.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  createPkce,
  createTokenClient,
  isGrantkitError,
  memoryStorage,
  oauth2,
  OAuthError,
  randomState,
  type OAuth2Options,
  type TokenClient,
  type TokenSet,
} from '@grantkit/core';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import {
  ACCOUNT_ID,
  CLIENT_ID,
  CLIENT_SECRET,
  CookieJar,
  isActive,
  POST_CLIENT_ID,
  PUBLIC_CLIENT_ID,
  REDIRECT_URI,
  startProvider,
  walkAuthorization,
  type RunningProvider,
} from './provider';

let op: RunningProvider;

beforeAll(async () => {
  // oidc-provider prints notices about its in-memory adapter and default policies; nothing else is hidden.
  for (const method of ['warn', 'info'] as const) {
    const original = console[method].bind(console);
    vi.spyOn(console, method).mockImplementation((...args: unknown[]) => {
      if (typeof args[0] === 'string' && args[0].includes('oidc-provider')) return;
      original(...args);
    });
  }
  op = await startProvider();
});

afterAll(async () => {
  await op?.close();
  vi.restoreAllMocks();
  expect(op?.serverErrors ?? []).toEqual([]);
});

const adapterFor = (extra: Partial<OAuth2Options> = {}) =>
  oauth2({
    clientId: CLIENT_ID,
    clientSecret: CLIENT_SECRET,
    authorizationEndpoint: `${op.issuer}/auth`,
    tokenEndpoint: `${op.issuer}/token`,
    revocationEndpoint: `${op.issuer}/token/revocation`,
    redirectUri: REDIRECT_URI,
    scope: 'openid',
    ...extra,
  });

/** Runs the authorization (login + consent) in a fresh "browser"; returns the code and its verifier. */
async function authorize(adapter = adapterFor()): Promise<{ code: string; verifier: string }> {
  const { verifier, challenge } = await createPkce();
  const state = randomState();
  const url = new URL(adapter.authorizationUrl({ state, codeChallenge: challenge }));
  expect(url.searchParams.get('code_challenge_method')).toBe('S256');
  const back = await walkAuthorization(url.href, new CookieJar());
  expect(`${back.origin}${back.pathname}`).toBe(REDIRECT_URI);
  expect(back.searchParams.get('state')).toBe(state);
  expect(back.searchParams.get('error')).toBeNull();
  return { code: back.searchParams.get('code') ?? '', verifier };
}

async function loggedIn(
  adapter = adapterFor(),
): Promise<{ client: TokenClient; tokens: TokenSet; storage: ReturnType<typeof memoryStorage> }> {
  const { code, verifier } = await authorize(adapter);
  const storage = memoryStorage();
  const client = createTokenClient({ adapter, storage, key: 'session' });
  return { client, storage, tokens: await client.exchangeCode(code, { codeVerifier: verifier }) };
}

const userinfo = (accessToken: string) =>
  fetch(`${op.issuer}/me`, { headers: { authorization: `Bearer ${accessToken}` } });

/** No secret, code, verifier or token in anything an error shows. */
function expectNoSecretIn(error: unknown, secrets: readonly string[]): void {
  const e = error as Error;
  const shown = [e.message, String(e), JSON.stringify(e), e.stack ?? ''].join('\n');
  for (const secret of [CLIENT_SECRET, ...secrets]) if (secret) expect(shown).not.toContain(secret);
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describe('generic oauth2 adapter against oidc-provider', () => {
  it('authorization code + PKCE (S256) + state: exchanges the code; the bearer token works at userinfo', async () => {
    const before = Date.now();
    const { client, tokens } = await loggedIn();
    expect(tokens).toMatchObject({
      tokenType: 'Bearer',
      scope: 'openid',
      accessToken: expect.any(String),
      refreshToken: expect.any(String),
    });
    expect(tokens.expiresAt).toBeGreaterThanOrEqual(before + 3600_000 - 5_000); // oidc-provider's default AccessToken TTL
    expect(tokens.expiresAt).toBeLessThanOrEqual(Date.now() + 3600_000 + 1_000);
    const me = await client.fetch(`${op.issuer}/me`);
    expect(me.status).toBe(200);
    expect(await me.json()).toEqual({ sub: ACCOUNT_ID });
  });

  it('a public client (auth none) with PKCE', async () => {
    const adapter = adapterFor({ clientId: PUBLIC_CLIENT_ID, clientSecret: undefined });
    const { client, tokens } = await loggedIn(adapter);
    expect(tokens.refreshToken).toEqual(expect.any(String));
    expect((await client.fetch(`${op.issuer}/me`)).status).toBe(200);
    const renewed = await client.refresh();
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken); // public clients always rotate
  });

  it('refresh with rotation: the stored refresh token is replaced, the old one refused, the client keeps working', async () => {
    let skew = 0;
    const adapter = adapterFor();
    const { code, verifier } = await authorize(adapter);
    const storage = memoryStorage();
    const client = createTokenClient({
      adapter,
      storage,
      key: 'session',
      now: () => Date.now() + skew,
    });
    const first = await client.exchangeCode(code, { codeVerifier: verifier });

    // The access token looks expired an hour later: getAccessToken renews by itself.
    skew = 3600_000;
    const token = await client.getAccessToken();
    const second = await storage.get('session');
    expect(second?.accessToken).toBe(token);
    expect(token).not.toBe(first.accessToken);
    expect(second?.refreshToken).toEqual(expect.any(String));
    expect(second?.refreshToken).not.toBe(first.refreshToken);
    expect(await isActive(op.issuer, first.refreshToken!)).toBe(false);
    expect(await isActive(op.issuer, second!.refreshToken!)).toBe(true);
    skew = 0;
    expect((await client.fetch(`${op.issuer}/me`)).status).toBe(200);

    // Again, explicitly: a third refresh token.
    const third = await client.refresh();
    expect(third.refreshToken).not.toBe(second?.refreshToken);
    expect((await storage.get('session'))?.refreshToken).toBe(third.refreshToken);
    expect((await client.fetch(`${op.issuer}/me`)).status).toBe(200);

    // A replayed (rotated-away) refresh token is refused: invalid_grant → reauthorization_required.
    const replay = createTokenClient({ adapter });
    await replay.setTokenSet({ ...first, expiresAt: 0 });
    const refused = await rejection(replay.getAccessToken());
    expect(refused).toBeInstanceOf(OAuthError);
    expect(refused).toMatchObject({
      code: 'reauthorization_required',
      error: 'invalid_grant',
      status: 400,
    });
    expectNoSecretIn(refused, [first.refreshToken!, third.refreshToken!]);
    // oidc-provider's reuse detection then revokes the whole grant: grantkit's client sees the same typed error.
    expect(await isActive(op.issuer, third.refreshToken!)).toBe(false);
    await expect(client.refresh()).rejects.toMatchObject({
      code: 'reauthorization_required',
      error: 'invalid_grant',
    });
    expect((await storage.get('session'))?.refreshToken).toBe(third.refreshToken); // kept, not overwritten with worse
  });

  it('client_credentials with client_secret_basic and client_secret_post; renewal is a new grant', async () => {
    const basic = createTokenClient({
      adapter: oauth2({
        clientId: CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        tokenEndpoint: `${op.issuer}/token`,
        revocationEndpoint: `${op.issuer}/token/revocation`,
        clientCredentials: true,
      }),
    });
    const set = await basic.getTokenSet();
    expect(set).toMatchObject({ tokenType: 'Bearer', accessToken: expect.any(String) });
    expect(set.refreshToken).toBeUndefined();
    expect(await isActive(op.issuer, set.accessToken)).toBe(true);
    const renewed = await basic.refresh();
    expect(renewed.accessToken).not.toBe(set.accessToken);
    expect(await basic.revoke()).toEqual({ status: 'revoked', revoked: ['access_token'] });
    expect(await isActive(op.issuer, renewed.accessToken)).toBe(false);

    const post = createTokenClient({
      adapter: oauth2({
        clientId: POST_CLIENT_ID,
        clientSecret: CLIENT_SECRET,
        clientAuth: 'client_secret_post',
        tokenEndpoint: `${op.issuer}/token`,
        clientCredentials: true,
      }),
    });
    expect(await post.getAccessToken()).toEqual(expect.any(String));
    // A wrong secret is invalid_client, typed. (oidc-provider takes basic and post interchangeably.)
    const wrong = createTokenClient({
      adapter: oauth2({
        clientId: POST_CLIENT_ID,
        clientSecret: 'nope',
        clientAuth: 'client_secret_post',
        tokenEndpoint: `${op.issuer}/token`,
        clientCredentials: true,
      }),
    });
    const error = await rejection(wrong.getAccessToken());
    expect(error).toMatchObject({
      name: 'ClientRejectedError',
      code: 'client_rejected',
      error: 'invalid_client',
      status: 401,
    });
    expectNoSecretIn(error, ['nope']);
  });

  it('revoke() on logout: refresh and access token revoked at the server, the set forgotten', async () => {
    const { client, storage, tokens } = await loggedIn();
    expect(await client.revoke()).toEqual({
      status: 'revoked',
      revoked: ['refresh_token', 'access_token'],
    });
    expect(await isActive(op.issuer, tokens.refreshToken!)).toBe(false);
    expect(await isActive(op.issuer, tokens.accessToken)).toBe(false);
    expect((await userinfo(tokens.accessToken)).status).toBe(401);
    expect(await storage.get('session')).toBeUndefined();
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
  });

  it('revoke() refused by the server (bad secret): typed invalid_client, the local set forgotten anyway', async () => {
    const { tokens } = await loggedIn();
    const storage = memoryStorage();
    const wrong = createTokenClient({
      adapter: adapterFor({ clientSecret: 'not the secret' }),
      storage,
      key: 'session',
    });
    await wrong.setTokenSet(tokens);
    const result = await wrong.revoke();
    expect(result).toMatchObject({ status: 'failed', revoked: [] });
    expect(result.error).toBeInstanceOf(OAuthError);
    expect(result.error).toMatchObject({
      code: 'client_rejected',
      error: 'invalid_client',
      status: 401,
    });
    expectNoSecretIn(result.error, [tokens.refreshToken!, tokens.accessToken, 'not the secret']);
    expect(await storage.get('session')).toBeUndefined();
    expect(await isActive(op.issuer, tokens.refreshToken!)).toBe(true); // nothing was revoked
  });

  describe('error answers become typed OAuthErrors with the RFC 6749 code and no secret', () => {
    it('invalid_grant for a reused code and for an unknown code', async () => {
      const { code, verifier } = await authorize();
      const client = createTokenClient({ adapter: adapterFor() });
      await client.exchangeCode(code, { codeVerifier: verifier });
      for (const [again, label] of [
        [code, 'reused'],
        ['an-unknown-authorization-code', 'unknown'],
      ] as const) {
        const error = await rejection(
          createTokenClient({ adapter: adapterFor() }).exchangeCode(again, {
            codeVerifier: verifier,
          }),
        );
        expect(error, label).toBeInstanceOf(OAuthError);
        expect(error, label).toMatchObject({
          code: 'oauth_error',
          error: 'invalid_grant',
          status: 400,
        });
        expect(isGrantkitError(error, 'oauth_error')).toBe(true);
        expectNoSecretIn(error, [again, verifier]);
      }
    });

    it('invalid_client for a bad client secret', async () => {
      const { code, verifier } = await authorize();
      const error = await rejection(
        createTokenClient({ adapter: adapterFor({ clientSecret: 'a wrong secret' }) }).exchangeCode(
          code,
          { codeVerifier: verifier },
        ),
      );
      expect(error).toBeInstanceOf(OAuthError);
      expect(error).toMatchObject({
        code: 'client_rejected',
        error: 'invalid_client',
        status: 401,
      });
      expectNoSecretIn(error, [code, verifier, 'a wrong secret']);
    });

    it('invalid_grant for a PKCE verifier that does not match, and for a missing one', async () => {
      for (const verifierOf of [() => randomState(32), () => undefined]) {
        const { code, verifier } = await authorize();
        const wrong = verifierOf();
        const client = createTokenClient({ adapter: adapterFor() });
        const error = await rejection(
          client.exchangeCode(code, wrong === undefined ? {} : { codeVerifier: wrong }),
        );
        expect(error).toBeInstanceOf(OAuthError);
        expect(error).toMatchObject({ code: 'oauth_error', error: 'invalid_grant', status: 400 });
        expectNoSecretIn(error, [code, verifier, wrong ?? '']);
      }
    });

    it('an authorization request without PKCE is refused at the redirect, with the state echoed', async () => {
      const state = randomState();
      const back = await walkAuthorization(
        adapterFor().authorizationUrl({ state }),
        new CookieJar(),
      );
      expect(back.searchParams.get('error')).toBe('invalid_request');
      expect(back.searchParams.get('state')).toBe(state);
      expect(back.searchParams.get('code')).toBeNull();
    });
  });
});

describe('edge handler (generic adapter) against oidc-provider', () => {
  const APP = 'http://app.test';
  const SESSION_SECRET = 'conformance-session-secret-0123456789abcdef';

  /** The edge's outgoing calls to the provider, with the token answers (to check rotation and revocation). */
  const calls: { path: string; form: URLSearchParams; answer?: Record<string, unknown> }[] = [];
  const recordingFetch: typeof fetch = async (input, init) => {
    const request = new Request(input, init);
    const form = new URLSearchParams(await request.clone().text());
    const response = await fetch(request);
    const path = new URL(request.url).pathname;
    const answer =
      path === '/token' && response.ok
        ? ((await response.clone().json()) as Record<string, unknown>)
        : undefined;
    calls.push({ path, form, ...(answer ? { answer } : {}) });
    return response;
  };
  const reported: unknown[] = [];

  const setup = () => {
    const auth = createAuthHandler({
      adapter: adapterFor(),
      secret: SESSION_SECRET,
      cookie: { secure: false },
      fetch: recordingFetch,
      onError: (error) => reported.push(error),
    });
    const jar = new CookieJar();
    /** One browser request to the app: cookies from and into the app's jar. */
    const call = async (path: string, init: RequestInit = {}, csrf = false) => {
      const headers = new Headers(init.headers);
      if (jar.size) headers.set('cookie', jar.header());
      if (csrf) {
        headers.set(CSRF_HEADER, '1');
        headers.set('origin', APP);
      }
      const response = await auth(new Request(new URL(path, APP), { ...init, headers }));
      if (!response) throw new Error(`the handler does not own ${path}`);
      jar.store(response);
      return response;
    };
    /** login → provider (login + consent) → back at the callback URL. */
    const toCallback = async (returnTo = '/dashboard') => {
      const login = await call(`/auth/login?returnTo=${encodeURIComponent(returnTo)}`);
      expect(login.status).toBe(302);
      const consent = new URL(login.headers.get('location') ?? '');
      expect(consent.origin).toBe(op.issuer);
      expect(consent.searchParams.get('code_challenge_method')).toBe('S256');
      expect(consent.searchParams.get('state')).toEqual(expect.any(String));
      return walkAuthorization(consent.href, new CookieJar());
    };
    return { auth, jar, call, toCallback };
  };

  it('login → consent → callback → session → refresh (rotation) → logout revokes', async () => {
    calls.length = 0;
    reported.length = 0;
    const { call, toCallback } = setup();
    const back = await toCallback('/dashboard');
    const callback = await call(`${back.pathname}${back.search}`);
    expect(callback.status).toBe(302);
    expect(callback.headers.get('location')).toBe('/dashboard');
    const exchanged = calls.at(-1)!;
    expect(exchanged.form.get('grant_type')).toBe('authorization_code');
    expect(exchanged.form.get('code_verifier')).toEqual(expect.any(String));
    const first = exchanged.answer as { access_token: string; refresh_token: string };

    const session = await call('/auth/session');
    const text = await session.text();
    expect(JSON.parse(text)).toMatchObject({ authenticated: true, scope: 'openid' });
    for (const token of [first.access_token, first.refresh_token])
      expect(text).not.toContain(token);

    const refreshed = await call('/auth/refresh', { method: 'POST' }, true);
    expect(refreshed.status).toBe(200);
    const rotated = calls.at(-1)!;
    expect(rotated.form.get('grant_type')).toBe('refresh_token');
    expect(rotated.form.get('refresh_token')).toBe(first.refresh_token);
    const second = rotated.answer as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    expect(await isActive(op.issuer, first.refresh_token)).toBe(false);
    expect(await isActive(op.issuer, second.refresh_token)).toBe(true);

    const logout = await call('/auth/logout', { method: 'POST' }, true);
    expect(logout.status).toBe(200);
    expect(await logout.json()).toEqual({ authenticated: false });
    const revocations = calls.filter((c) => c.path === '/token/revocation');
    expect(revocations.map((c) => [c.form.get('token_type_hint'), c.form.get('token')])).toEqual([
      ['refresh_token', second.refresh_token],
      ['access_token', second.access_token],
    ]);
    expect(await isActive(op.issuer, second.refresh_token)).toBe(false);
    expect(await isActive(op.issuer, second.access_token)).toBe(false);
    expect(await (await call('/auth/session')).json()).toEqual({ authenticated: false });
    expect(reported).toEqual([]);
  });

  it('a replayed callback (code already used) → errorRedirect ?error=exchange_refused; the server revokes the first tokens', async () => {
    calls.length = 0;
    reported.length = 0;
    const { call, jar, toCallback } = setup();
    const back = await toCallback();
    const intent = jar.snapshot(); // the login-intent cookie, as an attacker who copied it would hold it
    expect((await call(`${back.pathname}${back.search}`)).headers.get('location')).toBe(
      '/dashboard',
    );
    const first = calls.at(-1)!.answer as { refresh_token: string };

    const replayed = await setup().auth(
      new Request(new URL(`${back.pathname}${back.search}`, APP), {
        headers: { cookie: intent.header() },
      }),
    );
    expect(replayed?.status).toBe(302);
    expect(replayed?.headers.get('location')).toBe('/?error=exchange_refused');
    expect(
      replayed?.headers
        .getSetCookie()
        .some((c) => c.startsWith('grantkit=') && !c.startsWith('grantkit=;')),
    ).toBe(false);
    expect(reported).toHaveLength(1);
    expect(reported[0]).toMatchObject({ code: 'oauth_error', error: 'invalid_grant', status: 400 });
    expectNoSecretIn(reported[0], [back.searchParams.get('code')!]);
    // RFC 6749 §4.1.2: a reused code SHOULD revoke what it issued; oidc-provider does.
    expect(await isActive(op.issuer, first.refresh_token)).toBe(false);
  });

  it('the user denies consent → the provider error reaches the app as ?error=access_denied', async () => {
    const { call, toCallback } = setup();
    op.denyConsent = true;
    try {
      const back = await toCallback();
      expect(back.searchParams.get('error')).toBe('access_denied');
      const callback = await call(`${back.pathname}${back.search}`);
      expect(callback.status).toBe(302);
      expect(callback.headers.get('location')).toBe('/?error=access_denied');
    } finally {
      op.denyConsent = false;
    }
  });
});
