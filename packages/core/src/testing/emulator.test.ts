import { afterEach, describe, expect, it, vi } from 'vitest';
import { decodeJwt, decodeProtectedHeader } from 'jose';
import {
  createVendorEmulator,
  isDroppedConnection,
  TEST_CREDENTIALS,
  type VendorEmulator,
} from './index';
import { request as httpRequest } from 'node:http';
import { gunzipSync } from 'node:zlib';
import { listenEmulator } from './node';

const FD = 'https://api.dev.firstdollar.com';
const FO = 'https://api.firstorion.com';
const OL = 'https://acme.orangelogic.com';
const AS = 'https://auth.example.com';
const T0 = Date.UTC(2030, 0, 1);

const partner = TEST_CREDENTIALS.firstDollarPartner;
const fdApp = TEST_CREDENTIALS.firstDollarApp;
const foKey = TEST_CREDENTIALS.firstOrion;
const olClient = TEST_CREDENTIALS.orangeLogic;
const oa = TEST_CREDENTIALS.oauth2;
const oaPublic = TEST_CREDENTIALS.oauth2Public;

const postJson = (
  em: VendorEmulator,
  url: string,
  body: unknown,
  headers: Record<string, string> = {},
) =>
  em.fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const postForm = (
  em: VendorEmulator,
  url: string,
  body: Record<string, string>,
  headers: Record<string, string> = {},
) =>
  em.fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', ...headers },
    body: new URLSearchParams(body).toString(),
  });
const ping = (em: VendorEmulator, path: string, token: string) =>
  postJson(
    em,
    `${FD}${path}`,
    { query: 'query { ping }', variables: {} },
    { Authorization: `Bearer ${token}` },
  );
const basic = (id: string, secret: string) => `Basic ${btoa(`${id}:${secret}`)}`;
const formEnc = (s: string) => encodeURIComponent(s).replace(/%20/g, '+');

async function fdPartnerToken(em: VendorEmulator) {
  const res = await postJson(em, `${FD}/v0/auth/token`, {
    grant_type: 'client_credentials',
    client_id: partner.clientId,
    client_secret: partner.clientSecret,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
}

async function fdAppTokens(em: VendorEmulator, userId = 'user_1') {
  const code = em.issueCode('firstDollar', fdApp.appId, { userId });
  const res = await postJson(em, `${FD}/v0/auth/token`, {
    grant_type: 'authorization_code',
    code,
    client_id: fdApp.clientId,
    client_secret: fdApp.clientSecret,
  });
  expect(res.status).toBe(200);
  return (await res.json()) as { access_token: string; refresh_token: string; expires_in: number };
}

describe('First Dollar Partner API', () => {
  it('answers the documented client_credentials request and GraphQL ping', async () => {
    const em = createVendorEmulator({ now: T0 });
    const body = await fdPartnerToken(em);
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'refresh_token']);
    expect(body.expires_in).toBe(3600);
    const claims = decodeJwt(body.access_token);
    expect(claims).toMatchObject({ sub: partner.clientId, iat: T0 / 1000, exp: T0 / 1000 + 3600 });
    expect(decodeProtectedHeader(body.access_token).kid).toBeTypeOf('string');
    const res = await ping(em, '/graphql', body.access_token);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { ping: 'pong' } });
  });

  it('accepts form-urlencoded (First Dollar own client) and rejects other content types', async () => {
    const em = createVendorEmulator();
    const ok = await postForm(em, `${FD}/v0/auth/token`, {
      grant_type: 'client_credentials',
      client_id: partner.clientId,
      client_secret: partner.clientSecret,
    });
    expect(ok.status).toBe(200);
    const bad = await em.fetch(`${FD}/v0/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'text/plain' },
      body: '{}',
    });
    expect(bad.status).toBe(415);
    expect(await bad.json()).toMatchObject({ error: 'invalid_request' });
    const broken = await em.fetch(`${FD}/v0/auth/token`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"grant_type":',
    });
    expect(broken.status).toBe(400);
    expect((await em.fetch(`${FD}/v0/auth/token`)).status).toBe(405);
  });

  it('rejects missing fields (400), bad credentials (401), unknown grant (400)', async () => {
    const em = createVendorEmulator();
    const missing = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'client_credentials',
      client_id: partner.clientId,
    });
    expect(missing.status).toBe(400);
    expect(await missing.json()).toEqual({
      error: 'invalid_request',
      error_description: '"client_secret" is required',
    });
    const wrong = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'client_credentials',
      client_id: partner.clientId,
      client_secret: 'nope',
    });
    expect(wrong.status).toBe(401);
    const text = await wrong.text();
    expect(text).toContain('invalid_client');
    expect(text).not.toContain('nope');
    const grant = await postJson(em, `${FD}/v0/auth/token`, { grant_type: 'password' });
    expect((await grant.json()).error).toBe('unsupported_grant_type');
  });

  it('rotates single-use refresh tokens', async () => {
    const em = createVendorEmulator();
    const first = await fdPartnerToken(em);
    const res = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(res.status).toBe(200);
    const second = (await res.json()) as { access_token: string; refresh_token: string };
    expect(second.refresh_token).not.toBe(first.refresh_token);
    const reused = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(reused.status).toBe(401);
    expect((await reused.json()).error).toBe('invalid_grant');
    // client credentials, when sent with a refresh, are validated
    const wrongClient = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: second.refresh_token,
      client_id: partner.clientId,
      client_secret: 'x',
    });
    expect(wrongClient.status).toBe(401);
    expect((await wrongClient.json()).error).toBe('invalid_client');
  });

  it('answers 401 on GraphQL for expired, unknown, revoked and wrong-audience tokens', async () => {
    const em = createVendorEmulator();
    const { access_token } = await fdPartnerToken(em);
    expect((await ping(em, '/graphql', 'garbage')).status).toBe(401);
    expect((await ping(em, `/app/${fdApp.appId}/graphql`, access_token)).status).toBe(401);
    em.clock.advance(3599_000);
    expect((await ping(em, '/graphql', access_token)).status).toBe(200);
    em.clock.advance(1_000);
    const expired = await ping(em, '/graphql', access_token);
    expect(expired.status).toBe(401);
    expect(await expired.json()).toEqual({ errors: [{ message: 'Unauthorized' }] });
    const fresh = await fdPartnerToken(em);
    em.revokeAccessTokens();
    expect((await ping(em, '/graphql', fresh.access_token)).status).toBe(401);
  });

  it('routes other queries to a resolver, else a GraphQL error with HTTP 200', async () => {
    const em = createVendorEmulator();
    const { access_token } = await fdPartnerToken(em);
    const q = (query: string) =>
      postJson(em, `${FD}/graphql`, { query }, { Authorization: `Bearer ${access_token}` });
    expect(await (await q('query Ping {\n  ping\n}')).json()).toEqual({ data: { ping: 'pong' } });
    const unknown = await q('query { me { id } }');
    expect(unknown.status).toBe(200);
    expect((await unknown.json()).errors[0].message).toMatch(/Cannot query field "me"/);
    em.setGraphqlResolver((query, _vars, ctx) =>
      query.includes('me') ? { me: { id: ctx.sub } } : undefined,
    );
    expect(await (await q('query { me { id } }')).json()).toEqual({
      data: { me: { id: partner.clientId } },
    });
  });
});

describe('First Dollar OAuth App', () => {
  it('runs consent page -> code -> token -> app GraphQL', async () => {
    const em = createVendorEmulator();
    const page = await em.fetch(`https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/`);
    expect(page.status).toBe(200);
    const htmlText = await page.text();
    expect(htmlText).toMatch(/<button id="allow"[^>]*>Allow<\/button>/);
    const consent = await em.fetch(`https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: 'user=alice',
    });
    expect(consent.status).toBe(302);
    const location = new URL(consent.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(fdApp.redirectUri);
    const code = location.searchParams.get('code')!;
    const res = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'authorization_code',
      code,
      client_id: fdApp.clientId,
      client_secret: fdApp.clientSecret,
    });
    expect(res.status).toBe(200);
    const tokens = (await res.json()) as {
      access_token: string;
      refresh_token: string;
      expires_in: number;
    };
    expect(Object.keys(tokens).sort()).toEqual(['access_token', 'expires_in', 'refresh_token']);
    expect(decodeJwt(tokens.access_token).sub).toBe('alice');
    expect(
      await (await ping(em, `/app/${fdApp.appId}/graphql`, tokens.access_token)).json(),
    ).toEqual({ data: { ping: 'pong' } });
    expect((await ping(em, '/graphql', tokens.access_token)).status).toBe(401);
    // the code is single use
    const again = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'authorization_code',
      code,
      client_id: fdApp.clientId,
      client_secret: fdApp.clientSecret,
    });
    expect(again.status).toBe(400);
    expect((await again.json()).error).toBe('invalid_grant');
    expect((await em.fetch(`https://my.dev.firstdollar.com/oauth/app/nope/`)).status).toBe(404);
    expect(
      (await em.fetch(`https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/?auto=1`)).status,
    ).toBe(302);
  });

  it('expires codes after 10 minutes', async () => {
    const em = createVendorEmulator();
    const code = em.issueCode('firstDollar', fdApp.appId);
    em.clock.advance(10 * 60_000);
    const res = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'authorization_code',
      code,
      client_id: fdApp.clientId,
      client_secret: fdApp.clientSecret,
    });
    expect(res.status).toBe(400);
  });

  it('answers 401 after consent is revoked, for refresh, code exchange and GraphQL', async () => {
    const em = createVendorEmulator();
    const tokens = await fdAppTokens(em);
    const other = await fdAppTokens(em, 'bob');
    em.revokeConsent(fdApp.appId, 'user_1');
    const refresh = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(refresh.status).toBe(401);
    expect((await ping(em, `/app/${fdApp.appId}/graphql`, tokens.access_token)).status).toBe(401);
    expect((await ping(em, `/app/${fdApp.appId}/graphql`, other.access_token)).status).toBe(200);
    const code = em.issueCode('firstDollar', fdApp.appId);
    const exchange = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'authorization_code',
      code,
      client_id: fdApp.clientId,
      client_secret: fdApp.clientSecret,
    });
    expect(exchange.status).toBe(401);
    em.grantConsent(fdApp.appId, 'user_1');
    const restored = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: tokens.refresh_token,
    });
    expect(restored.status).toBe(200);
    // revoking every user by client id
    em.revokeConsent(fdApp.clientId);
    expect((await ping(em, `/app/${fdApp.appId}/graphql`, other.access_token)).status).toBe(401);
  });
});

describe('First Orion', () => {
  it('v2: standard Basic + form grant_type=client_credentials', async () => {
    const em = createVendorEmulator();
    const res = await postForm(
      em,
      `${FO}/v2/auth`,
      { grant_type: 'client_credentials' },
      { Authorization: basic(foKey.apiKey, foKey.secretKey) },
    );
    expect(res.status).toBe(200);
    expect(res.headers.get('x-forp-meta-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const body = (await res.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in', 'token_type']);
    expect(body).toMatchObject({ expires_in: 3600, token_type: 'Bearer' });
    const echo = await em.fetch(`${FO}/v1/echo`, {
      headers: { Authorization: body.access_token as string },
    });
    expect(await echo.json()).toEqual({ ok: true, sub: foKey.apiKey });
  });

  it('v2: rejects the unencoded Basic form, wrong content type and other grants', async () => {
    const em = createVendorEmulator();
    const raw = await postForm(
      em,
      `${FO}/v2/auth`,
      { grant_type: 'client_credentials' },
      { Authorization: `Basic ${foKey.apiKey}:${foKey.secretKey}` },
    );
    expect(raw.status).toBe(401);
    expect(raw.headers.get('x-forp-meta-request-id')).toBeTruthy();
    const json = await postJson(
      em,
      `${FO}/v2/auth`,
      { grant_type: 'client_credentials' },
      { Authorization: basic(foKey.apiKey, foKey.secretKey) },
    );
    expect(json.status).toBe(400);
    const grant = await postForm(
      em,
      `${FO}/v2/auth`,
      { grant_type: 'password' },
      { Authorization: basic(foKey.apiKey, foKey.secretKey) },
    );
    expect((await grant.json()).error).toBe('unsupported_grant_type');
    const wrong = await postForm(
      em,
      `${FO}/v2/auth`,
      { grant_type: 'client_credentials' },
      { Authorization: basic(foKey.apiKey, 'x') },
    );
    expect(wrong.status).toBe(401);
  });

  it('v1: auth with X-SERVICE headers, single-use refresh, expiry', async () => {
    const em = createVendorEmulator({ now: T0 });
    const headers = {
      'X-SERVICE': 'auth',
      'content-type': 'application/json',
      'X-API-KEY': foKey.apiKey,
      'X-SECRET-KEY': foKey.secretKey,
    };
    const res = await em.fetch(`${FO}/v1/auth`, { method: 'POST', headers });
    expect(res.status).toBe(200);
    const body = (await res.json()) as { token: string; refresh_token: string; expires_at: number };
    expect(body).toMatchObject({
      expires_in: 3600,
      token_type: 'Bearer',
      expires_at: T0 / 1000 + 3600,
    });
    expect(decodeJwt(body.token).exp).toBe(T0 / 1000 + 3600);

    const refresh = (token: string) =>
      em.fetch(`${FO}/v1/auth/refresh`, {
        method: 'POST',
        headers: { 'X-SERVICE': 'auth', 'X-API-KEY': foKey.apiKey, 'X-REFRESH-TOKEN': token },
      });
    const r1 = await refresh(body.refresh_token);
    expect(r1.status).toBe(200);
    const next = (await r1.json()) as { token: string; refresh_token: string };
    expect((await refresh(body.refresh_token)).status).toBe(401);
    const viaBody = await em.fetch(`${FO}/v1/auth/refresh`, {
      method: 'POST',
      headers: {
        'X-SERVICE': 'auth',
        'X-API-KEY': foKey.apiKey,
        'content-type': 'application/json',
      },
      body: JSON.stringify({ refresh_token: next.refresh_token }),
    });
    expect(viaBody.status).toBe(200);

    em.clock.advance(3600_000);
    expect(
      (await em.fetch(`${FO}/v1/echo`, { headers: { Authorization: `Bearer ${next.token}` } }))
        .status,
    ).toBe(401);

    const { 'X-SERVICE': _, ...noService } = headers;
    expect((await em.fetch(`${FO}/v1/auth`, { method: 'POST', headers: noService })).status).toBe(
      400,
    );
    expect(
      (
        await em.fetch(`${FO}/v1/auth`, {
          method: 'POST',
          headers: { ...headers, 'X-SECRET-KEY': 'x' },
        })
      ).status,
    ).toBe(401);
    em.setFirstOrionRefreshSupported(false);
    expect((await refresh('anything')).status).toBe(404);
  });
});

describe('Orange Logic', () => {
  it('authorize -> token -> refresh with the token in "code"; 30-day refresh expiry', async () => {
    const em = createVendorEmulator();
    const auth = await em.fetch(
      `${OL}/oauth2/auth?client_id=${olClient.clientId}&response_type=code&redirect_uri=${encodeURIComponent(olClient.redirectUri)}&state=xyz`,
    );
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('xyz');
    const code = loc.searchParams.get('code')!;
    const tokenUrl = `${OL}/webapi/security/oauth2/token_48I_v1`;
    const res = await postJson(em, tokenUrl, {
      client_id: olClient.clientId,
      client_secret: olClient.clientSecret,
      grant_type: 'authorization_code',
      code,
    });
    expect(res.status).toBe(200);
    const pair = (await res.json()) as Record<string, string | number>;
    expect(Object.keys(pair).sort()).toEqual([
      'access_token',
      'expires_in',
      'refresh_token',
      'token_type',
    ]);
    expect(pair).toMatchObject({ expires_in: 86400, token_type: 'Bearer' });
    expect(
      (
        await em.fetch(`${OL}/webapi/echo`, {
          headers: { Authorization: `Bearer ${pair.access_token}` },
        })
      ).status,
    ).toBe(200);

    const refreshed = await postJson(em, tokenUrl, {
      client_id: olClient.clientId,
      client_secret: olClient.clientSecret,
      grant_type: 'refresh_token',
      code: pair.refresh_token,
    });
    expect(refreshed.status).toBe(200);
    const pair2 = (await refreshed.json()) as Record<string, string>;
    const reuse = await postJson(em, tokenUrl, {
      client_id: olClient.clientId,
      client_secret: olClient.clientSecret,
      grant_type: 'refresh_token',
      code: pair.refresh_token,
    });
    expect(reuse.status).toBe(400);
    em.clock.advance(30 * 86400_000);
    const stale = await postJson(em, tokenUrl, {
      client_id: olClient.clientId,
      client_secret: olClient.clientSecret,
      grant_type: 'refresh_token',
      code: pair2.refresh_token!,
    });
    expect(stale.status).toBe(400);
    expect((await stale.json()).error).toBe('invalid_grant');
    expect(em.count({ vendor: 'orangeLogic', grant: 'refresh_token' })).toBe(3);
  });

  it('defaults grant_type to authorization_code; rejects bad client and redirect_uri', async () => {
    const em = createVendorEmulator();
    const tokenUrl = `${OL}/webapi/security/oauth2/token_48I_v1`;
    const code = em.issueCode('orangeLogic', olClient.clientId);
    expect(
      (await postJson(em, tokenUrl, { client_id: olClient.clientId, client_secret: 'x', code }))
        .status,
    ).toBe(401);
    expect(
      (
        await postJson(em, tokenUrl, {
          client_id: olClient.clientId,
          client_secret: olClient.clientSecret,
          code,
        })
      ).status,
    ).toBe(200);
    expect(em.count({ grant: 'authorization_code', status: 200 })).toBe(1);
    const bad = await em.fetch(
      `${OL}/oauth2/auth?client_id=${olClient.clientId}&response_type=code&redirect_uri=https://evil.example/cb`,
    );
    expect(bad.status).toBe(400);
    const revoked = em.issueCode('orangeLogic', olClient.clientId);
    em.revokeConsent(olClient.clientId);
    expect(
      (
        await postJson(em, tokenUrl, {
          client_id: olClient.clientId,
          client_secret: olClient.clientSecret,
          code: revoked,
        })
      ).status,
    ).toBe(400);
  });
});

describe('Orange Logic client credentials', () => {
  const CC = `${OL}/webapi/security/clientcredentialsauthentication/authenticate_46H_v1`;
  const good = { client_id: olClient.clientId, client_secret: olClient.clientSecret };

  it('answers JSON { client_id, client_secret } with exactly { access_token, expires_in }', async () => {
    const em = createVendorEmulator({ accessTokenTtl: { orangeLogic: 1200 } });
    const res = await postJson(em, CC, good);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const body = (await res.json()) as { access_token: string; expires_in: number };
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in']);
    expect(body.expires_in).toBe(1200);
    const echo = await em.fetch(`${OL}/webapi/echo`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(await echo.json()).toEqual({ ok: true, sub: olClient.clientId });
    expect(em.count({ path: CC.slice(OL.length), grant: 'client_credentials', status: 200 })).toBe(
      1,
    );
    em.clock.advance(1200_000);
    const expired = await em.fetch(`${OL}/webapi/echo`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(expired.status).toBe(401);
  });

  it('refuses any other request format, wrong credentials and a revoked client', async () => {
    const em = createVendorEmulator();
    const form = await postForm(em, CC, good);
    expect(form.status).toBe(415);
    expect(await form.json()).toMatchObject({ error: 'invalid_request' });
    const broken = await em.fetch(CC, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: '{"client_id":',
    });
    expect(broken.status).toBe(400);
    expect((await postJson(em, CC, [good])).status).toBe(400);
    const missing = await postJson(em, CC, { client_id: olClient.clientId });
    expect(missing.status).toBe(400);
    expect((await missing.json()).error_description).toBe('"client_secret" is required');
    expect((await postJson(em, CC, { ...good, client_secret: 42 })).status).toBe(400);
    const wrong = await postJson(em, CC, { ...good, client_secret: 'nope' });
    expect(wrong.status).toBe(401);
    expect(await wrong.json()).toMatchObject({ error: 'invalid_client' });
    expect((await em.fetch(CC)).status).toBe(405);
    em.revokeConsent(olClient.clientId);
    expect((await postJson(em, CC, good)).status).toBe(401);
  });
});

describe('consent pages', () => {
  const form = (em: VendorEmulator, url: string, body: string) =>
    em.fetch(url, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body,
    });
  /** What every consent page must be: styled, self-contained, Allow / Deny, the banner, the app named. */
  async function expectConsentPage(res: Response, app: string) {
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const page = await res.text();
    expect(page).toMatch(/<button id="allow"[^>]*>Allow<\/button>/);
    expect(page).toMatch(/<button id="deny"[^>]*>Deny<\/button>/);
    expect(page).toMatch(/<style>[^<]+<\/style>/);
    expect(page).toMatch(/Emulated [\w ]+: .*no credentials are used/);
    expect(page).toContain(`<strong id="app">${app}</strong>`);
    expect(page).not.toMatch(/<script|src=|href="(?!data:)/i); // no script, no external asset
    return page;
  }
  const olAuthorize = (state = 'st-1', extra = '') =>
    `${OL}/oauth2/auth?client_id=${olClient.clientId}&response_type=code&redirect_uri=${encodeURIComponent(olClient.redirectUri)}&state=${state}${extra}`;

  it('First Dollar: the page names the app; Deny redirects with access_denied and issues no code', async () => {
    const em = createVendorEmulator({
      firstDollar: { apps: [{ ...fdApp, name: 'Acme <Benefits> & "Co"' }] },
    });
    const url = `https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/`;
    await expectConsentPage(await em.fetch(url), 'Acme &#60;Benefits&#62; &#38; &#34;Co&#34;');
    const denied = await form(em, url, 'decision=deny&user=alice');
    expect(denied.status).toBe(302);
    const location = new URL(denied.headers.get('location')!);
    expect(`${location.origin}${location.pathname}`).toBe(fdApp.redirectUri);
    expect(Object.fromEntries(location.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the authorization request',
    });
    const allowed = await form(em, url, 'decision=allow&user=alice');
    const code = new URL(allowed.headers.get('location')!).searchParams.get('code')!;
    const res = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'authorization_code',
      code,
      client_id: fdApp.clientId,
      client_secret: fdApp.clientSecret,
    });
    expect(decodeJwt(((await res.json()) as { access_token: string }).access_token).sub).toBe(
      'alice',
    );
    expect((await form(em, url, 'decision=maybe')).status).toBe(400);
    expect((await form(em, url, 'decision=allow&decision=deny')).status).toBe(400);
  });

  it('First Dollar: the app id is the default name, and user-supplied text is escaped', async () => {
    const em = createVendorEmulator();
    const evil = encodeURIComponent('"><script>alert(1)</script>');
    const res = await em.fetch(
      `https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/?user=${evil}&x=${evil}`,
    );
    const page = await expectConsentPage(res, fdApp.appId);
    expect(page).toContain('value="&#34;&#62;&#60;script&#62;alert(1)&#60;/script&#62;"');
    expect(page).not.toContain(fdApp.clientSecret);
    expect(page).not.toContain(fdApp.clientId);
  });

  it('Orange Logic: immediate redirect by default; with consentPage a page, Allow and Deny echo state', async () => {
    expect((await createVendorEmulator().fetch(olAuthorize())).status).toBe(302);
    const em = createVendorEmulator({
      orangeLogic: { clients: [{ ...olClient, name: 'Acme DAM sync' }], consentPage: true },
    });
    const page = await expectConsentPage(await em.fetch(olAuthorize('a<b')), 'Acme DAM sync');
    expect(page).toContain('&#38;state=a%3Cb"><label>'); // the URL's own encoding, then HTML's
    expect(page).not.toContain(olClient.clientSecret);
    expect(em.count({ status: 302 })).toBe(0);

    const denied = await form(em, olAuthorize('s 1'), 'decision=deny');
    expect(denied.status).toBe(302);
    const no = new URL(denied.headers.get('location')!);
    expect(`${no.origin}${no.pathname}`).toBe(olClient.redirectUri);
    expect(Object.fromEntries(no.searchParams)).toEqual({
      error: 'access_denied',
      error_description: 'The user denied the authorization request',
      state: 's 1',
    });

    const allowed = await form(em, olAuthorize('s2'), 'decision=allow&user=bob');
    const yes = new URL(allowed.headers.get('location')!);
    expect(yes.searchParams.get('state')).toBe('s2');
    const res = await postJson(em, `${OL}/webapi/security/oauth2/token_48I_v1`, {
      client_id: olClient.clientId,
      client_secret: olClient.clientSecret,
      grant_type: 'authorization_code',
      code: yes.searchParams.get('code'),
    });
    const { access_token } = (await res.json()) as { access_token: string };
    const echo = await em.fetch(`${OL}/webapi/echo`, {
      headers: { Authorization: `Bearer ${access_token}` },
    });
    expect(await echo.json()).toEqual({ ok: true, sub: 'bob' });

    // ?auto=1 skips the page; errors before consent never show it.
    expect((await em.fetch(olAuthorize('s3', '&auto=1'))).status).toBe(302);
    const wrongType = await em.fetch(
      olAuthorize('s4').replace('response_type=code', 'response_type=token'),
    );
    expect(new URL(wrongType.headers.get('location')!).searchParams.get('error')).toBe(
      'unsupported_response_type',
    );
    expect((await em.fetch(olAuthorize().replace('redirect_uri=', 'redirect_uri=x'))).status).toBe(
      400,
    );
    expect((await form(em, olAuthorize(), 'decision=nope')).status).toBe(400);
  });

  it('rejects a consentPage that is not a boolean', () => {
    expect(() =>
      createVendorEmulator({ orangeLogic: { consentPage: 'yes' as unknown as boolean } }),
    ).toThrow(/orangeLogic\.consentPage/);
  });
});

describe('generic OAuth 2.0', () => {
  const verifier = 'dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk';
  const challenge = 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM'; // RFC 7636 appendix B

  it('public client: PKCE S256 code flow, rotation, userinfo', async () => {
    const em = createVendorEmulator();
    const q = new URLSearchParams({
      response_type: 'code',
      client_id: oaPublic.clientId,
      redirect_uri: oaPublic.redirectUri,
      state: 's1',
      code_challenge: challenge,
      code_challenge_method: 'S256',
      scope: 'openid profile',
    });
    const auth = await em.fetch(`${AS}/oauth2/authorize?${q}`);
    expect(auth.status).toBe(302);
    const loc = new URL(auth.headers.get('location')!);
    expect(loc.searchParams.get('state')).toBe('s1');
    const code = loc.searchParams.get('code')!;
    const wrongVerifier = await postForm(em, `${AS}/oauth2/token`, {
      grant_type: 'authorization_code',
      code: em.issueCode('oauth2', oaPublic.clientId, { codeChallenge: challenge }),
      client_id: oaPublic.clientId,
      code_verifier: 'x'.repeat(43),
    });
    expect((await wrongVerifier.json()).error).toBe('invalid_grant');
    const res = await postForm(em, `${AS}/oauth2/token`, {
      grant_type: 'authorization_code',
      code,
      redirect_uri: oaPublic.redirectUri,
      client_id: oaPublic.clientId,
      code_verifier: verifier,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    const t = (await res.json()) as Record<string, string>;
    expect(t).toMatchObject({ token_type: 'Bearer', expires_in: 3600, scope: 'openid profile' });
    const info = await em.fetch(`${AS}/oauth2/userinfo`, {
      headers: { Authorization: `Bearer ${t.access_token}` },
    });
    expect(await info.json()).toMatchObject({ sub: 'user_1', client_id: oaPublic.clientId });

    const r1 = await postForm(em, `${AS}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token!,
      client_id: oaPublic.clientId,
      scope: 'openid',
    });
    expect(r1.status).toBe(200);
    expect((await r1.json()).scope).toBe('openid');
    const r2 = await postForm(em, `${AS}/oauth2/token`, {
      grant_type: 'refresh_token',
      refresh_token: t.refresh_token!,
      client_id: oaPublic.clientId,
    });
    expect((await r2.json()).error).toBe('invalid_grant');
    // public clients must use PKCE
    const noPkce = await em.fetch(
      `${AS}/oauth2/authorize?response_type=code&client_id=${oaPublic.clientId}&state=s2`,
    );
    expect(new URL(noPkce.headers.get('location')!).searchParams.get('error')).toBe(
      'invalid_request',
    );
  });

  it('confidential client: RFC 6749 2.3.1 Basic encoding, method mismatch, client_credentials, revoke', async () => {
    const em = createVendorEmulator();
    const goodBasic = basic(formEnc(oa.clientId), formEnc(oa.clientSecret));
    const cc = await postForm(
      em,
      `${AS}/oauth2/token`,
      { grant_type: 'client_credentials', scope: 'api' },
      { Authorization: goodBasic },
    );
    expect(cc.status).toBe(200);
    const body = (await cc.json()) as Record<string, string>;
    expect(body.refresh_token).toBeUndefined();
    // Unencoded secret (contains ':' '+' '/' '=' and a space) fails
    const raw = await postForm(
      em,
      `${AS}/oauth2/token`,
      { grant_type: 'client_credentials' },
      { Authorization: basic(oa.clientId, oa.clientSecret) },
    );
    expect(raw.status).toBe(401);
    expect(raw.headers.get('www-authenticate')).toMatch(/^Basic/);
    // client_secret_post for a client registered for client_secret_basic
    const post = await postForm(em, `${AS}/oauth2/token`, {
      grant_type: 'client_credentials',
      client_id: oa.clientId,
      client_secret: oa.clientSecret,
    });
    expect(post.status).toBe(401);
    expect((await post.json()).error).toBe('invalid_client');
    // JSON is not accepted
    expect(
      (
        await postJson(
          em,
          `${AS}/oauth2/token`,
          { grant_type: 'client_credentials' },
          { Authorization: goodBasic },
        )
      ).status,
    ).toBe(400);

    const code = em.issueCode('oauth2', oa.clientId, { redirectUri: oa.redirectUri });
    const mismatch = await postForm(
      em,
      `${AS}/oauth2/token`,
      { grant_type: 'authorization_code', code, redirect_uri: 'http://127.0.0.1/other' },
      { Authorization: goodBasic },
    );
    expect((await mismatch.json()).error).toBe('invalid_grant');
    const code2 = em.issueCode('oauth2', oa.clientId, { redirectUri: oa.redirectUri });
    const ok = await postForm(
      em,
      `${AS}/oauth2/token`,
      { grant_type: 'authorization_code', code: code2, redirect_uri: oa.redirectUri },
      { Authorization: goodBasic },
    );
    const t = (await ok.json()) as Record<string, string>;
    const rev = await postForm(
      em,
      `${AS}/oauth2/revoke`,
      { token: t.refresh_token!, token_type_hint: 'refresh_token' },
      { Authorization: goodBasic },
    );
    expect(rev.status).toBe(200);
    expect(
      (
        await em.fetch(`${AS}/oauth2/userinfo`, {
          headers: { Authorization: `Bearer ${t.access_token}` },
        })
      ).status,
    ).toBe(401);
  });
});

describe('clock', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('follows real time by default, shifted by advance() and set()', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const em = createVendorEmulator();
    expect(em.clock.now()).toBe(T0);
    vi.setSystemTime(T0 + 5_000);
    expect(em.clock.now()).toBe(T0 + 5_000);
    em.clock.advance(60_000);
    vi.setSystemTime(T0 + 6_000);
    expect(em.clock.now()).toBe(T0 + 66_000);
    em.clock.set(T0 - 1_000);
    expect(em.clock.now()).toBe(T0 - 1_000);
    vi.setSystemTime(T0 + 7_000);
    expect(em.clock.now()).toBe(T0);
    expect(em.toJSON()).toMatchObject({ clock: 'real time' });
  });

  it('with `now` is fixed: it moves only by advance() and set()', () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 + 999_000 });
    const em = createVendorEmulator({ now: T0 });
    vi.setSystemTime(T0 + 3_600_000);
    expect(em.clock.now()).toBe(T0);
    em.clock.advance(1_000);
    expect(em.clock.now()).toBe(T0 + 1_000);
    em.clock.set(T0 + 5_000);
    vi.setSystemTime(T0 + 7_200_000);
    expect(em.clock.now()).toBe(T0 + 5_000);
    expect(em.toJSON()).toMatchObject({ clock: 'fixed' });
  });

  it('a long-running default emulator keeps issuing live tokens (two hours of logins)', async () => {
    vi.useFakeTimers({ toFake: ['Date'], now: T0 });
    const em = createVendorEmulator();
    for (let minute = 0; minute <= 120; minute += 20) {
      vi.setSystemTime(T0 + minute * 60_000);
      const consent = await em.fetch(`${FD}/oauth/app/${fdApp.appId}/?auto=1`);
      const code = new URL(consent.headers.get('location')!).searchParams.get('code')!;
      const res = await postJson(em, `${FD}/v0/auth/token`, {
        grant_type: 'authorization_code',
        code,
        client_id: fdApp.clientId,
        client_secret: fdApp.clientSecret,
      });
      expect(res.status).toBe(200);
      const { access_token, expires_in } = (await res.json()) as {
        access_token: string;
        expires_in: number;
      };
      expect(decodeJwt(access_token).exp).toBe((T0 + minute * 60_000) / 1000 + expires_in);
      expect((await ping(em, `/app/${fdApp.appId}/graphql`, access_token)).status).toBe(200);
    }
  });
});

describe('faults, counts, clock, secrets', () => {
  it('injects 429 with Retry-After, 500, malformed JSON and drops', async () => {
    const em = createVendorEmulator();
    em.fault({ path: '/v0/auth/token', status: 429, retryAfter: 2 });
    em.fault({ path: /\/v0\/auth\//, status: 500 });
    em.fault({ path: '/v0/auth/token', malformedJson: true });
    em.fault({ path: '/v0/auth/token', drop: true });
    const call = () =>
      postJson(em, `${FD}/v0/auth/token`, {
        grant_type: 'client_credentials',
        client_id: partner.clientId,
        client_secret: partner.clientSecret,
      });
    const r429 = await call();
    expect(r429.status).toBe(429);
    expect(r429.headers.get('retry-after')).toBe('2');
    expect((await call()).status).toBe(500);
    const malformed = await call();
    expect(malformed.status).toBe(200);
    await expect(malformed.json()).rejects.toThrow();
    const dropped = await call().catch((e: unknown) => e);
    expect(dropped).toBeInstanceOf(TypeError);
    expect((dropped as Error).message).toBe('fetch failed');
    expect(isDroppedConnection(dropped)).toBe(true);
    expect((await call()).status).toBe(200);
    expect(em.count({ path: '/v0/auth/token' })).toBe(5);
    expect(em.count({ status: 0 })).toBe(1);
    expect(em.count({ grant: 'client_credentials', status: 200 })).toBe(2);
    em.clearRequests();
    expect(em.requests).toHaveLength(0);
  });

  it('answers raw text bodies (HTML pages, broken JSON) with their content type', async () => {
    const em = createVendorEmulator();
    em.fault({ path: '/v0/auth/token', status: 502, text: '<html><h1>Bad Gateway</h1></html>' });
    em.fault({
      path: '/v0/auth/token',
      text: '{"access_token":,}',
      contentType: 'application/json',
    });
    const call = () =>
      postJson(em, `${FD}/v0/auth/token`, {
        grant_type: 'client_credentials',
        client_id: partner.clientId,
        client_secret: partner.clientSecret,
      });
    const page = await call();
    expect(page.status).toBe(502);
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toBe('<html><h1>Bad Gateway</h1></html>');
    const broken = await call();
    expect(broken.status).toBe(200);
    expect(broken.headers.get('content-type')).toBe('application/json');
    expect(await broken.text()).toBe('{"access_token":,}');
    expect((await call()).status).toBe(200);
  });

  it('reset: the vendor handles the request, then reading the body fails', async () => {
    const em = createVendorEmulator();
    const first = await fdAppTokens(em);
    em.fault({ path: '/v0/auth/token', reset: true });
    const res = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(res.status).toBe(200);
    const error = await res.text().catch((e: unknown) => e);
    expect(error).toBeInstanceOf(TypeError);
    expect((error as Error).message).toBe('terminated');
    expect(isDroppedConnection(error)).toBe(true);
    // The vendor rotated: the refresh token the caller still holds is now used.
    const reused = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(reused.status).toBe(401);
    expect(em.count({ grant: 'refresh_token', status: 200 })).toBe(1);
  });

  it('keepRefreshToken: a refresh answer without refresh_token, and the old one stays valid', async () => {
    const em = createVendorEmulator();
    const first = await fdAppTokens(em);
    em.fault({ path: '/v0/auth/token', keepRefreshToken: true });
    const kept = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    const body = (await kept.json()) as Record<string, unknown>;
    expect(Object.keys(body).sort()).toEqual(['access_token', 'expires_in']);
    expect(em.toJSON()).toMatchObject({ refreshTokens: 1 });
    const again = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(again.status).toBe(200);
    expect((await again.json()).refresh_token).toEqual(expect.any(String));
    const reused = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    expect(reused.status).toBe(401);
  });

  it('expiresIn: the token answer is the real one with another expires_in; the token still works', async () => {
    const em = createVendorEmulator();
    const first = await fdAppTokens(em);
    em.fault({ path: '/v0/auth/token', expiresIn: 2 });
    const short = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: first.refresh_token,
    });
    const body = (await short.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      expires_in: 2,
      access_token: expect.any(String),
      refresh_token: expect.any(String),
    });
    const ping = await em.fetch(`${FD}/app/${TEST_CREDENTIALS.firstDollarApp.appId}/graphql`, {
      method: 'POST',
      headers: { authorization: `Bearer ${body.access_token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { ping }' }),
    });
    expect(await ping.json()).toEqual({ data: { ping: 'pong' } });
    const next = await postJson(em, `${FD}/v0/auth/token`, {
      grant_type: 'refresh_token',
      refresh_token: body.refresh_token,
    });
    expect((await next.json()).expires_in).toBe(3600);
  });

  it('delays with latency faults on real timers, Infinity times, clearFaults', async () => {
    const em = createVendorEmulator();
    em.fault({ path: '/graphql', latencyMs: 30, times: Infinity });
    const started = Date.now();
    const res = await em.fetch(`${FD}/graphql`, { method: 'POST' });
    expect(res.status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(25);
    em.clearFaults();
    em.setLatency(() => 5);
    expect((await em.fetch(`${FD}/nowhere`)).status).toBe(404);
    const ac = new AbortController();
    em.setLatency(() => 1000);
    const p = em.fetch(`${FD}/graphql`, { method: 'POST', signal: ac.signal });
    ac.abort();
    await expect(p).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('never exposes secrets in toJSON / toString', async () => {
    const em = createVendorEmulator();
    const { access_token, refresh_token } = await fdPartnerToken(em);
    const dump = JSON.stringify(em) + String(em);
    for (const secret of [
      partner.clientSecret,
      fdApp.clientSecret,
      foKey.secretKey,
      olClient.clientSecret,
      oa.clientSecret,
      access_token,
      refresh_token,
    ]) {
      expect(dump).not.toContain(secret);
    }
  });
});

describe('compressed answers (compress)', () => {
  const tokenRequest = (acceptEncoding?: string) =>
    new Request(`${FD}/v0/auth/token`, {
      method: 'POST',
      headers: {
        'Content-Type': 'application/json',
        ...(acceptEncoding !== undefined && { 'Accept-Encoding': acceptEncoding }),
      },
      body: JSON.stringify({
        grant_type: 'client_credentials',
        client_id: partner.clientId,
        client_secret: partner.clientSecret,
      }),
    });
  const gunzip = async (res: Response) =>
    new Response(res.body!.pipeThrough(new DecompressionStream('gzip'))).text();

  it('gzip-encodes every answer with a body when the request accepts gzip, and only then', async () => {
    const em = createVendorEmulator({ compress: 'gzip' });
    const res = await em.handle(tokenRequest('gzip, deflate'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(res.headers.get('vary')).toContain('Accept-Encoding');
    const bytes = new Uint8Array(await res.clone().arrayBuffer());
    expect(res.headers.get('content-length')).toBe(String(bytes.byteLength));
    expect([bytes[0], bytes[1]]).toEqual([0x1f, 0x8b]); // the gzip magic number
    expect(JSON.parse(await gunzip(res))).toMatchObject({ expires_in: 3600 });
    // Error answers and HTML pages too.
    const refused = await em.handle(
      new Request(`${FD}/graphql`, { method: 'POST', headers: { 'Accept-Encoding': 'gzip' } }),
    );
    expect(refused.status).toBe(401);
    expect(JSON.parse(await gunzip(refused))).toEqual({ errors: [{ message: 'Unauthorized' }] });
    const page = await em.handle(
      new Request(`https://my.dev.firstdollar.com/oauth/app/${fdApp.appId}/`, {
        headers: { 'Accept-Encoding': 'gzip' },
      }),
    );
    expect(page.headers.get('content-encoding')).toBe('gzip');
    expect(await gunzip(page)).toContain('<button id="allow"');
    // Not when the request does not accept gzip.
    for (const accept of [undefined, 'identity', 'gzip;q=0', 'br']) {
      const plain = await em.handle(tokenRequest(accept));
      expect(plain.headers.get('content-encoding')).toBeNull();
      expect(await plain.json()).toMatchObject({ expires_in: 3600 });
    }
    expect((await em.handle(tokenRequest('*'))).headers.get('content-encoding')).toBe('gzip');
    em.setCompression(false);
    expect((await em.handle(tokenRequest('gzip'))).headers.get('content-encoding')).toBeNull();
  });

  it('emulator.fetch decodes as a runtime fetch does, keeping Content-Encoding', async () => {
    const em = createVendorEmulator();
    em.setCompression('gzip');
    const res = await em.fetch(tokenRequest());
    expect(res.headers.get('content-encoding')).toBe('gzip');
    expect(await res.json()).toMatchObject({ expires_in: 3600 });
  });

  it('listenEmulator sends the gzip bytes on the wire', async () => {
    const em = createVendorEmulator({ compress: 'gzip' });
    const server = await listenEmulator(em);
    try {
      const raw = await new Promise<{ headers: Record<string, unknown>; body: Buffer }>(
        (resolve, reject) => {
          const req = httpRequest(
            `${server.url}/v0/auth/token`,
            {
              method: 'POST',
              headers: { 'content-type': 'application/json', 'accept-encoding': 'gzip' },
            },
            (res) => {
              const chunks: Buffer[] = [];
              res.on('data', (c: Buffer) => chunks.push(c));
              res.on('end', () => resolve({ headers: res.headers, body: Buffer.concat(chunks) }));
              res.on('error', reject);
            },
          );
          req.on('error', reject);
          req.end(
            JSON.stringify({
              grant_type: 'client_credentials',
              client_id: partner.clientId,
              client_secret: partner.clientSecret,
            }),
          );
        },
      );
      expect(raw.headers['content-encoding']).toBe('gzip');
      expect(raw.headers['content-length']).toBe(String(raw.body.length));
      expect(JSON.parse(gunzipSync(raw.body).toString('utf8'))).toMatchObject({
        expires_in: 3600,
      });
      // Node's fetch asks for gzip by itself and decodes it.
      const viaFetch = await fetch(`${server.url}/v0/auth/token`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          grant_type: 'client_credentials',
          client_id: partner.clientId,
          client_secret: partner.clientSecret,
        }),
      });
      expect(viaFetch.headers.get('content-encoding')).toBe('gzip');
      expect(await viaFetch.json()).toMatchObject({ expires_in: 3600 });
    } finally {
      await server.close();
    }
  });
});

describe('listenEmulator', () => {
  it('serves the emulator on 127.0.0.1, with fallback and drop', async () => {
    const em = createVendorEmulator();
    const server = await listenEmulator(em, {
      port: 0,
      fallback: (req) =>
        new URL(req.url).pathname === '/health'
          ? new Response('ok', {
              headers: [
                ['set-cookie', 'a=1'],
                ['set-cookie', 'b=2'],
              ],
            })
          : null,
    });
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      const health = await fetch(`${server.url}/health`);
      expect(await health.text()).toBe('ok');
      expect(health.headers.getSetCookie()).toEqual(['a=1', 'b=2']);
      const res = await fetch(`${server.url}/v2/auth`, {
        method: 'POST',
        headers: {
          Authorization: basic(foKey.apiKey, foKey.secretKey),
          'Content-Type': 'application/x-www-form-urlencoded',
        },
        body: 'grant_type=client_credentials',
      });
      expect(res.status).toBe(200);
      expect(res.headers.get('x-forp-meta-request-id')).toBeTruthy();
      const consent = await fetch(`${server.url}/oauth/app/${fdApp.appId}/?auto=1`, {
        redirect: 'manual',
      });
      expect(consent.status).toBe(302);
      em.fault({ path: '/v2/auth', drop: true });
      await expect(fetch(`${server.url}/v2/auth`, { method: 'POST' })).rejects.toThrow(TypeError);
    } finally {
      await server.close();
    }
  });
});
