// revoke(): RFC 7009 revocation through the generic adapter, against the strict emulator's /oauth2/revoke.
import { describe, expect, it } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS } from './testing/index';
import { oauth2, type OAuth2Options } from './adapters/oauth2';
import { createPkce } from './adapters/pkce';
import { firstDollarApp } from './adapters/first-dollar';
import { memoryStorage } from './storage';
import { createTokenClient } from './token-client';
import { isGrantkitError } from './errors';
import type { Adapter } from './adapter';

const BASE = 'https://emulator.test';
const T = TEST_CREDENTIALS.oauth2;
const endpoints = {
  authorizationEndpoint: `${BASE}/oauth2/authorize`,
  tokenEndpoint: `${BASE}/oauth2/token`,
  revocationEndpoint: `${BASE}/oauth2/revoke`,
  redirectUri: T.redirectUri,
};

async function loggedIn(extra: Partial<OAuth2Options> = {}) {
  const emu = createVendorEmulator();
  const storage = memoryStorage();
  const adapter = oauth2({
    clientId: T.clientId,
    clientSecret: T.clientSecret,
    ...endpoints,
    ...extra,
  });
  const client = createTokenClient({
    adapter,
    storage,
    key: 'k',
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    retry: { limit: 1, backoffLimit: 1 },
  });
  const { verifier, challenge } = await createPkce();
  const res = await emu.fetch(adapter.authorizationUrl({ state: 's', codeChallenge: challenge }), {
    redirect: 'manual',
  });
  const code = new URL(res.headers.get('location') ?? '').searchParams.get('code') ?? '';
  const tokens = await client.exchangeCode(code, { codeVerifier: verifier });
  return { emu, storage, adapter, client, tokens };
}

/** Whether the emulator still accepts a refresh token (the adapter's pure builder, sent as is). */
async function refreshWorks(
  emu: ReturnType<typeof createVendorEmulator>,
  adapter: Adapter,
  refreshToken: string,
): Promise<boolean> {
  const request = adapter.buildRequest({ type: 'refresh_token', refreshToken });
  return (await emu.fetch(request.url, request)).status === 200;
}

describe('TokenClient.revoke()', () => {
  it('revokes the refresh token, then the access token, with client auth, and forgets the set', async () => {
    const { emu, storage, adapter, client, tokens } = await loggedIn();
    const result = await client.revoke();
    expect(result).toEqual({ status: 'revoked', revoked: ['refresh_token', 'access_token'] });
    expect(emu.count({ path: '/oauth2/revoke', status: 200 })).toBe(2);
    expect(await storage.get('k')).toBeUndefined();
    expect(
      (
        await emu.fetch(`${BASE}/oauth2/userinfo`, {
          headers: { authorization: `Bearer ${tokens.accessToken}` },
        })
      ).status,
    ).toBe(401);
    expect(await refreshWorks(emu, adapter, tokens.refreshToken ?? '')).toBe(false);
    await expect(client.getAccessToken()).rejects.toMatchObject({
      code: 'reauthorization_required',
    });
  });

  it('authenticates with client_secret_post too', async () => {
    const emu = createVendorEmulator({
      oauth2: {
        clients: [
          {
            clientId: 'post-client',
            clientSecret: 'post secret',
            redirectUris: [T.redirectUri],
            tokenEndpointAuthMethod: 'client_secret_post',
          },
        ],
      },
    });
    const adapter = oauth2({
      clientId: 'post-client',
      clientSecret: 'post secret',
      clientAuth: 'client_secret_post',
      ...endpoints,
      clientCredentials: true,
    });
    const client = createTokenClient({ adapter, fetch: emu.fetch });
    await client.getAccessToken();
    expect(await client.revoke()).toEqual({ status: 'revoked', revoked: ['access_token'] });
  });

  it('skips an expired access token and answers none when nothing is held', async () => {
    const { emu, client } = await loggedIn();
    emu.clock.advance(7 * 24 * 3600_000);
    expect(await client.revoke()).toEqual({ status: 'revoked', revoked: ['refresh_token'] });
    expect(await client.revoke()).toEqual({ status: 'none', revoked: [] });
    expect(emu.count({ path: '/oauth2/revoke' })).toBe(1);
  });

  it('without a revocation endpoint: unsupported, forgotten locally, no request', async () => {
    const { emu, storage, client } = await loggedIn({ revocationEndpoint: undefined });
    expect(client.adapter.revocation).toBeUndefined();
    expect(await client.revoke()).toEqual({ status: 'unsupported', revoked: [] });
    expect(await storage.get('k')).toBeUndefined();
    expect(emu.count({ path: '/oauth2/revoke' })).toBe(0);
    const fd = createTokenClient({
      adapter: firstDollarApp({ ...TEST_CREDENTIALS.firstDollarApp, environment: 'sandbox' }),
    });
    await fd.setTokenSet({ accessToken: 'a', tokenType: 'Bearer', expiresAt: Date.now() + 60_000 });
    expect(await fd.revoke()).toEqual({ status: 'unsupported', revoked: [] });
  });

  it('a refused revocation still clears the session and reports a typed error without a secret', async () => {
    const { emu, storage, client, tokens } = await loggedIn();
    emu.fault({
      path: '/oauth2/revoke',
      status: 400,
      body: { error: 'unsupported_token_type', error_description: 'no' },
      times: 2,
    });
    const result = await client.revoke();
    expect(result.status).toBe('failed');
    expect(result.revoked).toEqual([]);
    expect(result.error).toMatchObject({
      name: 'OAuthError',
      code: 'oauth_error',
      error: 'unsupported_token_type',
      status: 400,
    });
    expect(result.error?.message).toMatch(/^Revocation endpoint answered unsupported_token_type/);
    const text = `${result.error?.message} ${JSON.stringify(result.error)} ${String(result.error)}`;
    for (const secret of [T.clientSecret, tokens.accessToken, tokens.refreshToken ?? ''])
      expect(text).not.toContain(secret);
    expect(await storage.get('k')).toBeUndefined();
    await expect(client.getTokenSet()).rejects.toMatchObject({ code: 'reauthorization_required' });
  });

  it('a bad client secret is invalid_client; an unreachable server stops after the first token', async () => {
    const bad = await loggedIn();
    const wrong = createTokenClient({
      adapter: oauth2({ clientId: T.clientId, clientSecret: 'wrong', ...endpoints }),
      fetch: bad.emu.fetch,
    });
    await wrong.setTokenSet(bad.tokens);
    const refused = await wrong.revoke();
    expect(refused.status).toBe('failed');
    expect(refused.error).toMatchObject({
      code: 'client_rejected',
      name: 'ClientRejectedError',
      error: 'invalid_client',
      status: 401,
    });
    expect(await refreshWorks(bad.emu, bad.adapter, bad.tokens.refreshToken ?? '')).toBe(true);

    const { emu, storage, client } = await loggedIn();
    emu.fault({ path: '/oauth2/revoke', drop: true, times: 10 });
    const result = await client.revoke();
    expect(result.status).toBe('failed');
    expect(isGrantkitError(result.error, 'network_error')).toBe(true);
    expect(emu.count({ path: '/oauth2/revoke' })).toBe(2); // one attempt + one retry, then no access-token call
    expect(await storage.get('k')).toBeUndefined();
  });

  it('a 503 with Retry-After is retried (RFC 7009 §2.2.1)', async () => {
    const { emu, client } = await loggedIn();
    emu.fault({ path: '/oauth2/revoke', status: 503, retryAfter: 0 });
    expect((await client.revoke()).status).toBe('revoked');
    expect(emu.count({ path: '/oauth2/revoke', status: 200 })).toBe(2);
  });

  it('revokes the newest refresh token when a renewal is in flight, and the one in shared storage', async () => {
    const { emu, storage, adapter, client, tokens } = await loggedIn();
    emu.clock.advance(3600_000);
    const renewing = client.refresh();
    const result = await client.revoke();
    const renewed = await renewing;
    expect(renewed.refreshToken).not.toBe(tokens.refreshToken);
    expect(result.status).toBe('revoked');
    expect(await refreshWorks(emu, adapter, renewed.refreshToken ?? '')).toBe(false);
    expect(await storage.get('k')).toBeUndefined();
  });
});
