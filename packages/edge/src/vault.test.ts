// Option `vault` of createAuthHandler: the callback files the session's tokens into the app's vault
// connection, the session then renews through the vault (one token lineage with background jobs),
// and logout ends the session only.
import { expect, it } from 'vitest';
import { firstDollarApp, firstDollarGraphQLEndpoint, isGrantkitError } from '@grantkit/core';
import { createAuthHandler, CSRF_HEADER } from '@grantkit/edge';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createVault, memoryEngine } from '@grantkit/core/vault';

const origin = 'https://app.example';
const VENDOR = 'https://api.dev.firstdollar.com';
const app = TEST_CREDENTIALS.firstDollarApp;
const same = {
  origin,
  [CSRF_HEADER]: '1',
  'sec-fetch-site': 'same-origin',
  'content-type': 'application/json',
};
const ping = JSON.stringify({ query: 'query { ping }' });

function setup() {
  const emu = createVendorEmulator();
  const adapter = firstDollarApp({
    appId: app.appId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    apiBaseUrl: VENDOR,
  });
  const vault = createVault({
    engine: memoryEngine(),
    secret: 'edge-vault-test-secret-0123456789abcdef',
    adapter,
    fetch: emu.fetch,
  });
  const auth = createAuthHandler({
    adapter,
    secret: 'edge-vault-session-secret-0123456789abcdef',
    fetch: emu.fetch,
    proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ apiBaseUrl: VENDOR, appId: app.appId }) },
    // The app's own login cookie says who the user is; none: the session stays a session only.
    vault: { vault, connectionId: (request) => request.headers.get('x-app-user') ?? undefined },
  });
  const login = async (user?: string, fault?: Parameters<typeof emu.fault>[0]) => {
    const started = (await auth(new Request(`${origin}/auth/login`)))!;
    const intent = started.headers.getSetCookie()[0]!.split(';')[0]!;
    if (fault) emu.fault(fault);
    const headers: Record<string, string> = {
      cookie: intent,
      ...(user ? { 'x-app-user': user } : {}),
    };
    const callback = (await auth(
      new Request(`${origin}/auth/callback?code=${emu.issueCode('firstDollar', app.appId)}`, {
        headers,
      }),
    ))!;
    expect(callback.status).toBe(302);
    return callback.headers
      .getSetCookie()
      .find((c) => c.startsWith('__Host-grantkit='))!
      .split(';')[0]!;
  };
  const graphql = (cookie: string) =>
    auth(
      new Request(`${origin}/api/graphql`, {
        method: 'POST',
        headers: { ...same, cookie },
        body: ping,
      }),
    );
  return { emu, vault, auth, login, graphql };
}

it("the callback files the tokens as the app's connection; a background job and the session share one token lineage", async () => {
  const { emu, vault, login, graphql } = setup();
  // A token already expired on arrival: the first use on either side renews it.
  const cookie = await login('user_42', { path: '/v0/auth/token', expiresIn: 2 });
  expect(await vault.get('user_42')).toMatchObject({ id: 'user_42', state: 'active' });
  // A background job renews (First Dollar rotates the refresh token: the session's copy is now spent).
  const gqlToken = await vault.client('user_42').getAccessToken();
  expect(typeof gqlToken).toBe('string');
  expect(emu.count({ grant: 'refresh_token' })).toBe(1);
  // The session renews through the vault: it adopts the job's set, no second refresh, no lost session.
  const res = (await graphql(cookie))!;
  expect(res.status).toBe(200);
  expect(await res.json()).toEqual({ data: { ping: 'pong' } });
  expect(emu.count({ grant: 'refresh_token' })).toBe(1);
});

it('a later login of the same user updates the same connection; logout ends the session only', async () => {
  const { emu, vault, auth, login, graphql } = setup();
  await login('user_42');
  const first = (await vault.get('user_42'))!;
  const cookie = await login('user_42');
  expect((await vault.list()).map((c) => c.id)).toEqual(['user_42']);
  expect((await vault.get('user_42'))!.authorizedAt).toBeGreaterThanOrEqual(first.authorizedAt);
  expect((await graphql(cookie))!.status).toBe(200);
  const before = emu.requests.length;
  const out = (await auth(
    new Request(`${origin}/auth/logout`, { method: 'POST', headers: { ...same, cookie } }),
  ))!;
  expect(out.status).toBe(200);
  expect(emu.requests.length).toBe(before); // nothing revoked at the vendor
  expect(
    out.headers.getSetCookie().some((c) => c.startsWith('__Host-grantkit=') && /Max-Age=0/.test(c)),
  ).toBe(true); // the session is over
  const token = await vault.client('user_42').getAccessToken(); // the connection is not
  expect(typeof token).toBe('string');
});

it('without a connection id the session is a session only; a malformed option is refused by name', async () => {
  const { vault, login, graphql } = setup();
  const cookie = await login();
  expect(await vault.list()).toEqual([]);
  expect((await graphql(cookie))!.status).toBe(200);
  const adapter = firstDollarApp({
    appId: app.appId,
    clientId: app.clientId,
    clientSecret: app.clientSecret,
    apiBaseUrl: VENDOR,
  });
  const error = (() => {
    try {
      createAuthHandler({
        adapter,
        secret: 'edge-vault-session-secret-0123456789abcdef',
        vault: { vault } as never,
      });
    } catch (e) {
      return e;
    }
  })();
  expect(isGrantkitError(error, 'config_invalid')).toBe(true);
  expect((error as Error).message).toMatch(/vault/);
});
