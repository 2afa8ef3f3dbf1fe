// Every adapter's whole flow against the strict emulator: first grant, refresh, expiry, refusal.
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from '../testing/index';
import { createTokenClient } from '../token-client';
import { createGraphQLClient, firstDollarGraphQLEndpoint } from '../graphql';
import { firstDollarPartner } from './first-dollar';
import { firstOrionOAuth, firstOrionV1 } from './first-orion';
import { orangeLogic, orangeLogicClientCredentials } from './orange-logic';
import { oauth2 } from './oauth2';
import { createPkce, randomState } from './pkce';

const BASE = 'https://emulator.test';
const DAY = 24 * 3600_000;
const T = TEST_CREDENTIALS;

describe('First Dollar Partner', () => {
  it.each(['json', 'form'] as const)(
    'client_credentials (%s), GraphQL ping, refresh with rotation',
    async (bodyFormat) => {
      const emu = createVendorEmulator();
      const client = createTokenClient({
        adapter: firstDollarPartner({ ...T.firstDollarPartner, apiBaseUrl: BASE, bodyFormat }),
        fetch: emu.fetch,
        now: () => emu.clock.now(),
      });
      const graphql = createGraphQLClient({
        tokenClient: client,
        endpoint: firstDollarGraphQLEndpoint({ apiBaseUrl: BASE }),
      });
      expect(await graphql.request<{ ping: string }>('query { ping }')).toEqual({ ping: 'pong' });
      const first = await client.getTokenSet();
      emu.clock.advance(3600_000);
      const second = await client.getTokenSet();
      expect(second.refreshToken).not.toBe(first.refreshToken);
      expect(emu.count({ grant: 'refresh_token', status: 200 })).toBe(1);
      // A refused refresh falls back to a new client_credentials grant.
      emu.revokeRefreshTokens();
      emu.clock.advance(3600_000);
      expect(await graphql.request('query { ping }')).toEqual({ ping: 'pong' });
      expect(emu.count({ grant: 'client_credentials', status: 200 })).toBe(2);
    },
  );
});

describe('First Orion', () => {
  it('v2: Basic client_credentials, renewal is a new grant, request id surfaces on errors', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstOrionOAuth({ ...T.firstOrion, baseUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
    });
    const set = await client.getTokenSet();
    expect(set.refreshToken).toBeUndefined();
    expect((await client.fetch(`${BASE}/v1/echo`)).status).toBe(200);
    emu.clock.advance(3600_000);
    await client.getAccessToken();
    expect(emu.count({ path: '/v2/auth', status: 200 })).toBe(2);
    const bad = createTokenClient({
      adapter: firstOrionOAuth({ apiKey: 'nope', secretKey: 'nope', baseUrl: BASE }),
      fetch: emu.fetch,
    });
    const error = await bad.getAccessToken().catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 401, requestId: expect.stringMatching(/.+/) });
  });

  it('v1: raw Authorization by default, Bearer as an option', async () => {
    const emu = createVendorEmulator();
    for (const authScheme of ['raw', 'Bearer'] as const) {
      const client = createTokenClient({
        adapter: firstOrionV1({ ...T.firstOrion, baseUrl: BASE, authScheme }),
        fetch: emu.fetch,
        now: () => emu.clock.now(),
      });
      const token = await client.getAccessToken();
      expect(client.authorization(token)).toBe(authScheme === 'raw' ? token : `Bearer ${token}`);
      expect((await client.fetch(`${BASE}/v1/echo`)).status).toBe(200);
    }
  });
});

describe('Orange Logic', () => {
  const { orangeLogic: ol } = T;
  const make = (emu: ReturnType<typeof createVendorEmulator>) =>
    createTokenClient({
      adapter: orangeLogic({ ...ol, siteUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
    });

  it('authorize with state, code exchange, refresh pair, 30-day refresh expiry → reauthorization_required', async () => {
    const emu = createVendorEmulator({ now: Date.now() }); // fixed clock: exact lifetimes below
    const client = make(emu);
    const state = randomState();
    const redirect = await emu.fetch(
      client.adapter.id === 'orange-logic'
        ? orangeLogic({ ...ol, siteUrl: BASE }).authorizationUrl({ state })
        : '',
      { redirect: 'manual' },
    );
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe(state);
    const set = await client.exchangeCode(location.searchParams.get('code') ?? '');
    expect(set.expiresAt - emu.clock.now()).toBe(DAY);
    expect(set.refreshExpiresAt! - emu.clock.now()).toBe(30 * DAY);
    emu.clock.advance(DAY);
    const renewed = await client.getTokenSet();
    expect(renewed.refreshToken).not.toBe(set.refreshToken);
    expect((await client.fetch(`${BASE}/webapi/echo`)).status).toBe(200);
    emu.clock.advance(31 * DAY);
    emu.clearRequests();
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    expect(emu.count()).toBe(0); // known to be expired: no call is wasted
  });

  it("honours the answer's own expires_in (renews by it), and assumes 24 h only when it is absent", async () => {
    const emu = createVendorEmulator({ now: Date.now(), accessTokenTtl: { orangeLogic: 600 } });
    const client = make(emu);
    const set = await client.exchangeCode(emu.issueCode('orangeLogic', ol.clientId));
    expect(set.expiresAt - emu.clock.now()).toBe(600_000);
    emu.clock.advance(290_000); // before the 300 s refresh window: the cached token, no call
    await client.getAccessToken();
    expect(emu.count({ grant: 'refresh_token' })).toBe(0);
    emu.clock.advance(310_000); // expired by the vendor's 600 s (24 h would still be hot)
    await client.getAccessToken();
    expect(emu.count({ grant: 'refresh_token', status: 200 })).toBe(1);
    expect((await client.getTokenSet()).expiresAt - emu.clock.now()).toBe(600_000);

    emu.fault({
      path: '/webapi/security/oauth2/token_48I_v1',
      body: { access_token: 'no-expiry-token', refresh_token: 'no-expiry-refresh' },
    });
    const bare = await make(emu).exchangeCode(emu.issueCode('orangeLogic', ol.clientId));
    expect(bare.expiresAt - emu.clock.now()).toBe(DAY);
  });

  it('a refused refresh is reauthorization_required and keeps the stored set', async () => {
    const emu = createVendorEmulator();
    const client = make(emu);
    const set = await client.exchangeCode(emu.issueCode('orangeLogic', ol.clientId));
    emu.revokeRefreshTokens();
    emu.clock.advance(DAY);
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
    await expect(client.getTokenSet().catch(() => 'still failing')).resolves.toBe('still failing');
    expect(set.refreshToken).toEqual(expect.any(String));
  });
});

describe('Orange Logic client credentials', () => {
  const { orangeLogic: ol } = T;
  const make = (
    emu: ReturnType<typeof createVendorEmulator>,
    clientSecret: string = ol.clientSecret,
  ) =>
    createTokenClient({
      adapter: orangeLogicClientCredentials({ clientId: ol.clientId, clientSecret, siteUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
      retry: { limit: 0 },
    });

  it('a token without a user, renewed by a new grant at its own expires_in; a wrong secret is client_rejected', async () => {
    const emu = createVendorEmulator({ now: Date.now(), accessTokenTtl: { orangeLogic: 900 } });
    const client = make(emu);
    const set = await client.getTokenSet();
    expect(set.refreshToken).toBeUndefined();
    expect(set.expiresAt - emu.clock.now()).toBe(900_000);
    const echo = await client.fetch(`${BASE}/webapi/echo`);
    expect(await echo.json()).toEqual({ ok: true, sub: ol.clientId });
    emu.clock.advance(900_000);
    await client.getAccessToken();
    expect(emu.count({ grant: 'client_credentials', status: 200 })).toBe(2);
    expect(emu.count({ grant: 'refresh_token' })).toBe(0);

    const wrong = await make(emu, 'wrong-secret')
      .getAccessToken()
      .catch((e: unknown) => e);
    expect(wrong).toMatchObject({ code: 'client_rejected', error: 'invalid_client', status: 401 });
    expect(String(wrong)).not.toContain('wrong-secret');
  });

  it("an answer without expires_in is assumed to live 1 h, not the OAuth-code tokens' 24 h", async () => {
    const emu = createVendorEmulator({ now: Date.now() });
    emu.fault({
      path: '/webapi/security/clientcredentialsauthentication/authenticate_46H_v1',
      status: 200,
      body: { access_token: 'ol-cc-token-without-expiry' },
    });
    const set = await make(emu).getTokenSet();
    expect(set.accessToken).toBe('ol-cc-token-without-expiry');
    expect(set.expiresAt - emu.clock.now()).toBe(3600_000);
  });
});

describe('generic OAuth 2.0', () => {
  it('authorization code + PKCE with client_secret_basic, refresh, client_credentials', async () => {
    const emu = createVendorEmulator();
    const adapter = oauth2({
      clientId: T.oauth2.clientId,
      clientSecret: T.oauth2.clientSecret,
      authorizationEndpoint: `${BASE}/oauth2/authorize`,
      tokenEndpoint: `${BASE}/oauth2/token`,
      redirectUri: T.oauth2.redirectUri,
    });
    const client = createTokenClient({ adapter, fetch: emu.fetch, now: () => emu.clock.now() });
    const { verifier, challenge } = await createPkce();
    const state = randomState();
    const redirect = await emu.fetch(
      adapter.authorizationUrl({ state, codeChallenge: challenge }),
      { redirect: 'manual' },
    );
    const location = new URL(redirect.headers.get('location') ?? '');
    expect(location.searchParams.get('state')).toBe(state);
    const code = location.searchParams.get('code') ?? '';
    await expect(
      createTokenClient({ adapter, fetch: emu.fetch }).exchangeCode(code, {
        codeVerifier: 'wrong-verifier-wrong-verifier-wrong-verifier',
      }),
    ).rejects.toMatchObject({ code: 'oauth_error', error: 'invalid_grant' });
    const redirect2 = await emu.fetch(
      adapter.authorizationUrl({ state, codeChallenge: challenge }),
      { redirect: 'manual' },
    );
    const code2 = new URL(redirect2.headers.get('location') ?? '').searchParams.get('code') ?? '';
    const set = await client.exchangeCode(code2, { codeVerifier: verifier });
    expect((await client.fetch(`${BASE}/oauth2/userinfo`)).status).toBe(200);
    emu.clock.advance(3600_000);
    expect((await client.getTokenSet()).refreshToken).not.toBe(set.refreshToken);
    const cc = createTokenClient({
      adapter: oauth2({
        clientId: T.oauth2.clientId,
        clientSecret: T.oauth2.clientSecret,
        tokenEndpoint: `${BASE}/oauth2/token`,
        clientCredentials: true,
      }),
      fetch: emu.fetch,
    });
    expect(await cc.getAccessToken()).toEqual(expect.any(String));
  });

  it('a public client (PKCE, auth none) and a wrong auth method refused as invalid_client', async () => {
    const emu = createVendorEmulator();
    const pub = oauth2({
      clientId: T.oauth2Public.clientId,
      authorizationEndpoint: `${BASE}/oauth2/authorize`,
      tokenEndpoint: `${BASE}/oauth2/token`,
      redirectUri: T.oauth2Public.redirectUri,
    });
    const { verifier, challenge } = await createPkce();
    const res = await emu.fetch(pub.authorizationUrl({ state: 's', codeChallenge: challenge }), {
      redirect: 'manual',
    });
    const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
    await expect(
      createTokenClient({ adapter: pub, fetch: emu.fetch }).exchangeCode(code, {
        codeVerifier: verifier,
      }),
    ).resolves.toMatchObject({ tokenType: 'Bearer' });
    const post = oauth2({
      clientId: T.oauth2.clientId,
      clientSecret: T.oauth2.clientSecret,
      clientAuth: 'client_secret_post',
      tokenEndpoint: `${BASE}/oauth2/token`,
      clientCredentials: true,
    });
    await expect(
      createTokenClient({ adapter: post, fetch: emu.fetch }).getAccessToken(),
    ).rejects.toMatchObject({ error: 'invalid_client', status: 401 });
  });
});
