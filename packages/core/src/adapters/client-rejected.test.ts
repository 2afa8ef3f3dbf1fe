// Issue #11 defect 11: a wrong client secret is the operator's problem, never the user's. The token
// endpoint's `invalid_client` / `unauthorized_client` (any status, any grant) is a ClientRejectedError
// (`client_rejected`), not `reauthorization_required` (which would log every user out) nor
// `oauth_error`; `invalid_grant` stays the re-authorization signal.
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from '../testing/index';
import { memoryStorage } from '../storage';
import { createTokenClient } from '../token-client';
import { ClientRejectedError, OAuthError, isGrantkitError } from '../errors';
import { firstDollarApp, firstDollarPartner } from './first-dollar';
import { firstOrionOAuth } from './first-orion';
import { orangeLogic } from './orange-logic';
import { oauth2, type OAuth2Options } from './oauth2';

const BASE = 'https://emulator.test';
const T = TEST_CREDENTIALS;
const WRONG = 'Wr0ng+Secret/Rotated=';
type Emu = ReturnType<typeof createVendorEmulator>;

function expectClientRejected(error: unknown, fields: { status: number; error: string }) {
  expect(error).toBeInstanceOf(ClientRejectedError);
  expect(error).toBeInstanceOf(OAuthError); // `.error` / `.errorDescription`, like every OAuth answer
  expect(error).toMatchObject({ name: 'ClientRejectedError', code: 'client_rejected', ...fields });
  expect(isGrantkitError(error, 'client_rejected')).toBe(true);
  for (const code of ['oauth_error', 'reauthorization_required', 'consent_required'] as const)
    expect(isGrantkitError(error, code), code).toBe(false);
  const shown = `${String(error)} ${JSON.stringify(error)} ${inspect(error, { depth: 5 })}`;
  expect(shown).toContain('client_rejected');
  expect(shown).not.toContain(WRONG);
  expect(shown).not.toContain(encodeURIComponent(WRONG));
}

/** A user logged in through the generic adapter, and a second client with the same storage and `options`. */
async function loggedIn(emu: Emu, options: Partial<OAuth2Options> = {}) {
  const storage = memoryStorage();
  const endpoints = { tokenEndpoint: `${BASE}/oauth2/token`, redirectUri: T.oauth2.redirectUri };
  const good = createTokenClient({
    adapter: oauth2({
      clientId: T.oauth2.clientId,
      clientSecret: T.oauth2.clientSecret,
      ...endpoints,
    }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    storage,
    key: 'k',
  });
  const tokens = await good.exchangeCode(emu.issueCode('oauth2', T.oauth2.clientId));
  const other = createTokenClient({
    adapter: oauth2({ clientId: T.oauth2.clientId, clientSecret: WRONG, ...endpoints, ...options }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    storage,
    key: 'k',
    retry: { limit: 0 },
  });
  emu.clock.advance(3600_000); // the access token expired: the next use refreshes
  return { storage, good, tokens, other };
}

describe('generic oauth2: a wrong client secret', () => {
  it('client_secret_basic: the 401 invalid_client on refresh is client_rejected; the tokens stay and work with the right secret', async () => {
    const emu = createVendorEmulator();
    const { storage, good, tokens, other } = await loggedIn(emu);
    const error = await other.refresh().catch((e: unknown) => e);
    expectClientRejected(error, { status: 401, error: 'invalid_client' });
    expect(emu.count({ path: '/oauth2/token', grant: 'refresh_token', status: 401 })).toBe(1);
    expect(await storage.get('k')).toEqual(tokens);
    // The refresh token was never touched: the right secret renews with it.
    expect((await good.refresh()).refreshToken).not.toBe(tokens.refreshToken);
  });

  it('client_secret_post: the same', async () => {
    const emu = createVendorEmulator({
      oauth2: {
        clients: [
          {
            ...T.oauth2,
            redirectUris: [T.oauth2.redirectUri],
            tokenEndpointAuthMethod: 'client_secret_post',
          },
        ],
      },
    });
    const storage = memoryStorage();
    const endpoints = {
      tokenEndpoint: `${BASE}/oauth2/token`,
      redirectUri: T.oauth2.redirectUri,
      clientAuth: 'client_secret_post' as const,
    };
    const good = createTokenClient({
      adapter: oauth2({
        clientId: T.oauth2.clientId,
        clientSecret: T.oauth2.clientSecret,
        ...endpoints,
      }),
      fetch: emu.fetch,
      storage,
      key: 'k',
      now: () => emu.clock.now(),
    });
    const tokens = await good.exchangeCode(emu.issueCode('oauth2', T.oauth2.clientId));
    const other = createTokenClient({
      adapter: oauth2({ clientId: T.oauth2.clientId, clientSecret: WRONG, ...endpoints }),
      fetch: emu.fetch,
      storage,
      key: 'k',
      now: () => emu.clock.now(),
    });
    emu.clock.advance(3600_000);
    expectClientRejected(await other.refresh().catch((e: unknown) => e), {
      status: 401,
      error: 'invalid_client',
    });
    expect(await storage.get('k')).toEqual(tokens);
  });

  it('the code exchange and client_credentials: client_rejected too', async () => {
    const emu = createVendorEmulator();
    const endpoints = { tokenEndpoint: `${BASE}/oauth2/token`, redirectUri: T.oauth2.redirectUri };
    const exchange = createTokenClient({
      adapter: oauth2({ clientId: T.oauth2.clientId, clientSecret: WRONG, ...endpoints }),
      fetch: emu.fetch,
    });
    expectClientRejected(
      await exchange
        .exchangeCode(emu.issueCode('oauth2', T.oauth2.clientId))
        .catch((e: unknown) => e),
      { status: 401, error: 'invalid_client' },
    );
    const cc = createTokenClient({
      adapter: oauth2({
        clientId: T.oauth2.clientId,
        clientSecret: WRONG,
        ...endpoints,
        clientCredentials: true,
      }),
      fetch: emu.fetch,
    });
    expectClientRejected(await cc.getAccessToken().catch((e: unknown) => e), {
      status: 401,
      error: 'invalid_client',
    });
  });

  it('unauthorized_client, whatever the status, is client_rejected; invalid_grant stays reauthorization_required', async () => {
    const emu = createVendorEmulator();
    const { other, storage, tokens } = await loggedIn(emu, { clientSecret: T.oauth2.clientSecret });
    for (const status of [400, 401, 403]) {
      emu.fault({
        path: '/oauth2/token',
        status,
        body: { error: 'unauthorized_client', error_description: 'This client may not refresh' },
      });
      expectClientRejected(await other.refresh().catch((e: unknown) => e), {
        status,
        error: 'unauthorized_client',
      });
    }
    expect(await storage.get('k')).toEqual(tokens);
    emu.fault({ path: '/oauth2/token', status: 400, body: { error: 'invalid_grant' } });
    expect(await other.refresh().catch((e: unknown) => e)).toMatchObject({
      code: 'reauthorization_required',
      error: 'invalid_grant',
      status: 400,
    });
  });

  it('a 401 without an OAuth body on refresh is not re-authorization (RFC 6749 §5.2: 401 is client authentication)', async () => {
    const emu = createVendorEmulator();
    const { other } = await loggedIn(emu, { clientSecret: T.oauth2.clientSecret });
    emu.fault({
      path: '/oauth2/token',
      status: 401,
      text: 'Unauthorized',
      contentType: 'text/plain',
    });
    const error = await other.refresh().catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'http_error', status: 401 });
    expect(isGrantkitError(error, 'reauthorization_required')).toBe(false);
  });

  it('revocation refused with invalid_client reports client_rejected', async () => {
    const emu = createVendorEmulator();
    const { other } = await loggedIn(emu, { revocationEndpoint: `${BASE}/oauth2/revoke` });
    const result = await other.revoke();
    expect(result.status).toBe('failed');
    expectClientRejected(result.error, { status: 401, error: 'invalid_client' });
  });
});

describe('vendor adapters', () => {
  it('Orange Logic: a wrong secret on refresh (401 invalid_client) is client_rejected; the session survives', async () => {
    const emu = createVendorEmulator();
    const storage = memoryStorage();
    const ol = (clientSecret: string) =>
      createTokenClient({
        adapter: orangeLogic({ ...T.orangeLogic, clientSecret, siteUrl: BASE }),
        fetch: emu.fetch,
        storage,
        key: 'k',
        now: () => emu.clock.now(),
        retry: { limit: 0 },
      });
    const tokens = await ol(T.orangeLogic.clientSecret).exchangeCode(
      emu.issueCode('orangeLogic', T.orangeLogic.clientId),
    );
    emu.clock.advance(24 * 3600_000);
    expectClientRejected(
      await ol(WRONG)
        .refresh()
        .catch((e: unknown) => e),
      { status: 401, error: 'invalid_client' },
    );
    expect(await storage.get('k')).toEqual(tokens);
    // The documented rules stay: a refused refresh token (400 invalid_grant, a bare 401) is re-authorization…
    const right = ol(T.orangeLogic.clientSecret);
    emu.fault({ path: /token/, status: 401, text: '', contentType: 'text/plain' });
    expect(await right.refresh().catch((e: unknown) => e)).toMatchObject({
      code: 'reauthorization_required',
      status: 401,
    });
    emu.fault({ path: /token/, status: 400, body: { error: 'invalid_grant' } });
    expect(await right.refresh().catch((e: unknown) => e)).toMatchObject({
      code: 'reauthorization_required',
      status: 400,
    });
    // …but 403 is documented as an SSL mismatch: a deployment problem, not the user's.
    emu.fault({ path: /token/, status: 403, body: { error: 'forbidden' } });
    const ssl = await right.refresh().catch((e: unknown) => e);
    expect(ssl).toMatchObject({ code: 'oauth_error', status: 403 });
    expect((await right.getTokenSet()).accessToken).not.toBe(tokens.accessToken);
  });

  it('First Orion v2: a revoked or wrong key is client_rejected', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstOrionOAuth({ apiKey: T.firstOrion.apiKey, secretKey: WRONG, baseUrl: BASE }),
      fetch: emu.fetch,
    });
    const error = await client.getAccessToken().catch((e: unknown) => e);
    expectClientRejected(error, { status: 401, error: 'invalid_client' });
    expect(error).toMatchObject({ requestId: expect.stringMatching(/.+/) });
  });

  it('First Dollar Partner: a wrong secret is client_rejected', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstDollarPartner({
        clientId: T.firstDollarPartner.clientId,
        clientSecret: WRONG,
        apiBaseUrl: BASE,
      }),
      fetch: emu.fetch,
    });
    expectClientRejected(await client.getAccessToken().catch((e: unknown) => e), {
      status: 401,
      error: 'invalid_client',
    });
  });

  it('First Dollar App keeps its documented rule: any 401 on exchange or refresh is consent_required (adapter data)', async () => {
    const emu = createVendorEmulator();
    const app = (clientSecret: string) =>
      createTokenClient({
        adapter: firstDollarApp({
          ...T.firstDollarApp,
          clientSecret,
          apiBaseUrl: BASE,
          consentBaseUrl: BASE,
          refreshWithClientCredentials: true,
        }),
        fetch: emu.fetch,
        now: () => emu.clock.now(),
      });
    const error = await app(WRONG)
      .exchangeCode(emu.issueCode('firstDollar', T.firstDollarApp.appId))
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ code: 'consent_required', status: 401, error: 'invalid_client' });
    const client = app(T.firstDollarApp.clientSecret);
    await client.exchangeCode(emu.issueCode('firstDollar', T.firstDollarApp.appId));
    emu.fault({ path: '/v0/auth/token', status: 401, body: { error: 'invalid_client' } });
    expect(await client.refresh().catch((e: unknown) => e)).toMatchObject({
      code: 'consent_required',
      status: 401,
    });
  });
});
