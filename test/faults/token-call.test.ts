// Fault matrix, part 1: the client_credentials token call (First Dollar Partner, nothing stored yet)
// and the refresh of a stored token set (First Dollar OAuth App, whose refresh has no fallback
// grant, and Partner, whose refresh falls back to client_credentials).
// Each row: the typed error the caller sees, the stored token set (never lost, never replaced by a
// worse one), recovery once the fault clears, and the exact number of requests the vendor saw.
import { describe, expect, it } from 'vitest';
import { createTokenClient, firstDollarApp, firstOrionV1 } from '@grantkit/core';
import { TEST_CREDENTIALS, type Fault } from '@grantkit/core/testing';
import {
  APP_KEY,
  BASE,
  CANARY,
  HOUR,
  HTML_PAGE,
  MAX_RETRY_AFTER_MS,
  RETRIES,
  app,
  appHarness,
  expectNoSecrets,
  expectTypedError,
  failure,
  faults,
  inspectableStorage,
  partner,
  partnerHarness,
  recorder,
  retry,
  TIMEOUT_MS,
  type CoreHarness,
  type ExpectedError,
} from './harness';

const TOKEN = '/v0/auth/token';
const ALWAYS = Infinity;
const ATTEMPTS = 1 + RETRIES;

/** An opaque (non-JWT) access token in a fault body; its expiry can only come from the answer. */
const opaque = (suffix: string) => `opaque-${suffix}-${CANARY}`;

interface Row {
  name: string;
  faults: Fault | Fault[];
  /** The typed error, or `ok` when the client absorbs the fault. */
  expect: ExpectedError | 'ok';
  /** Token requests the vendor saw during the faulted call. */
  requests: number;
  /** For `ok` rows: lifetime of the stored token, ms from now. */
  lifetime?: number;
  /** Token requests of the first call after the fault clears. */
  recovery?: number;
}

async function pingWith(h: CoreHarness, token: string, path = '/graphql'): Promise<number> {
  const res = await h.emu.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: 'query { ping }' }),
  });
  return res.status;
}

const tokenCallRows: Row[] = [
  {
    name: '500 server_error, every attempt',
    faults: { path: TOKEN, status: 500, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 500, error: 'server_error' },
    requests: ATTEMPTS,
  },
  {
    name: '500 once, then the retry succeeds',
    faults: { path: TOKEN, status: 500 },
    expect: 'ok',
    requests: 2,
  },
  {
    name: '502 HTML error page, every attempt',
    faults: { path: TOKEN, status: 502, text: HTML_PAGE, times: ALWAYS },
    expect: { code: 'http_error', name: 'OAuthError', status: 502, error: 'http_502' },
    requests: ATTEMPTS,
  },
  {
    name: '503 temporarily_unavailable, every attempt',
    faults: { path: TOKEN, status: 503, times: ALWAYS },
    expect: {
      code: 'oauth_error',
      name: 'OAuthError',
      status: 503,
      error: 'temporarily_unavailable',
    },
    requests: ATTEMPTS,
  },
  {
    name: 'timeout (vendor slower than the timeout), every attempt',
    faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
    expect: { code: 'timeout', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'connection reset before the answer, every attempt',
    faults: { path: TOKEN, drop: true, times: ALWAYS },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'connection reset while reading the answer (token issued, answer lost)',
    faults: { path: TOKEN, reset: true },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: 'latency spike below the timeout',
    faults: { path: TOKEN, latencyMs: 15 },
    expect: 'ok',
    requests: 1,
  },
  {
    name: 'latency spike above the timeout, once',
    faults: { path: TOKEN, latencyMs: 2000 },
    expect: 'ok',
    requests: 2,
  },
  {
    name: '200 with truncated JSON',
    faults: { path: TOKEN, malformedJson: true },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: 1,
  },
  {
    name: '200 with malformed JSON',
    faults: { path: TOKEN, text: `{"access_token": ${CANARY}}`, contentType: 'application/json' },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: 1,
  },
  {
    name: '200 HTML page (a captive portal)',
    faults: { path: TOKEN, status: 200, text: HTML_PAGE },
    expect: { code: 'invalid_response', name: 'GrantkitError', status: 200 },
    requests: 1,
  },
  {
    name: '200 without access_token',
    faults: { path: TOKEN, body: { refresh_token: CANARY, expires_in: 3600 } },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '200 without expires_in (opaque token: the documented hour)',
    faults: { path: TOKEN, body: { access_token: opaque('noexp'), refresh_token: `rt-${CANARY}` } },
    expect: 'ok',
    requests: 1,
    lifetime: HOUR,
    recovery: 2,
  },
  {
    name: '200 with expires_in as a string',
    faults: { path: TOKEN, body: { access_token: opaque('str'), expires_in: '1800' } },
    expect: 'ok',
    requests: 1,
    lifetime: HOUR / 2,
  },
  {
    name: '200 with a non-numeric expires_in (documented hour)',
    faults: { path: TOKEN, body: { access_token: opaque('nan'), expires_in: 'soon' } },
    expect: 'ok',
    requests: 1,
    lifetime: HOUR,
  },
  {
    name: '200 with a negative expires_in',
    faults: { path: TOKEN, body: { access_token: opaque('neg'), expires_in: -3600 } },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '200 with an expires_in past any finite time (1e306 s): the documented hour',
    faults: { path: TOKEN, body: { access_token: opaque('inf'), expires_in: 1e306 } },
    expect: 'ok',
    requests: 1,
    lifetime: HOUR,
  },
  // Issue #11: a refused client is the operator's problem (client_rejected), never oauth_error or re-authorization.
  {
    name: '401 invalid_client (secret rotated at the vendor)',
    faults: {
      path: TOKEN,
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client credentials' },
    },
    expect: {
      code: 'client_rejected',
      name: 'ClientRejectedError',
      status: 401,
      error: 'invalid_client',
    },
    requests: 1,
  },
  {
    name: '400 unauthorized_client (the grant is not allowed for this client)',
    faults: { path: TOKEN, status: 400, body: { error: 'unauthorized_client' } },
    expect: {
      code: 'client_rejected',
      name: 'ClientRejectedError',
      status: 400,
      error: 'unauthorized_client',
    },
    requests: 1,
  },
  {
    name: '400 with an error_description echoing the secret',
    faults: {
      path: TOKEN,
      status: 400,
      body: {
        error: 'invalid_request',
        error_description: `client_secret ${partner.clientSecret} is malformed`,
      },
    },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 400, error: 'invalid_request' },
    requests: 1,
  },
  {
    name: '429 with Retry-After, every attempt',
    faults: { path: TOKEN, status: 429, retryAfter: 30, times: ALWAYS },
    expect: {
      code: 'oauth_error',
      name: 'OAuthError',
      status: 429,
      error: 'temporarily_unavailable',
    },
    requests: ATTEMPTS,
  },
  {
    name: '429 without Retry-After, once',
    faults: { path: TOKEN, status: 429 },
    expect: 'ok',
    requests: 2,
  },
];

describe('fault matrix: client_credentials token call (First Dollar Partner)', () => {
  for (const row of tokenCallRows) {
    it(row.name, async () => {
      const h = partnerHarness();
      faults(h.emu, row.faults);
      const now = h.emu.clock.now();

      if (row.expect === 'ok') {
        const token = await h.client.getAccessToken();
        expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
        const stored = h.storage.peek();
        expect(stored?.accessToken).toBe(token);
        if (row.lifetime !== undefined) expect(stored?.expiresAt).toBe(now + row.lifetime);
        expect(h.storage.writes).toBe(1);
      } else {
        const error = await failure(h.client.getAccessToken());
        expectTypedError(error, row.expect, h.secrets());
        expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
        // Nothing was stored: no half token set, no placeholder.
        expect(h.storage.peek()).toBeUndefined();
        expect(h.storage.writes).toBe(0);
      }

      // The fault clears: the next call gets a token the vendor accepts, with one request.
      h.emu.clearFaults();
      h.emu.clearRequests();
      const vendorToken = row.expect === 'ok' && row.lifetime === undefined;
      if (!vendorToken) {
        if (row.expect === 'ok') h.emu.clock.advance(h.storage.peek()!.expiresAt - now);
        const token = await h.client.getAccessToken();
        expect(h.emu.count({ path: TOKEN })).toBe(row.recovery ?? 1);
        expect(h.storage.peek()?.accessToken).toBe(token);
      }
      expect(await pingWith(h, h.storage.peek()!.accessToken)).toBe(200);
    });
  }

  it('200 with a huge but finite expires_in: served until the API refuses it, then one renewal', async () => {
    const h = partnerHarness();
    faults(h.emu, { path: TOKEN, body: { access_token: opaque('huge'), expires_in: 1e10 } });
    const token = await h.client.getAccessToken();
    expect(h.storage.peek()?.expiresAt).toBe(h.emu.clock.now() + 1e13);
    h.emu.clearRequests();
    // The vendor never issued that token: the API answers 401, the client renews once and retries once.
    const res = await h.client.fetch(`${BASE}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ query: 'query { ping }' }),
    });
    expect(res.status).toBe(200);
    expect(h.emu.count({ path: '/graphql' })).toBe(2);
    expect(h.emu.count({ path: TOKEN, grant: 'client_credentials', status: 200 })).toBe(1);
    expect(h.storage.peek()?.accessToken).not.toBe(token);
    expect(h.storage.peek()!.expiresAt).toBe(h.emu.clock.now() + HOUR);
  });

  it('a lasting 500 inside the refresh window: callers keep the valid token, one background renewal per retryInterval', async () => {
    const h = partnerHarness();
    const token = await h.client.getAccessToken();
    const before = h.storage.peek()!;
    h.emu.fault({ path: TOKEN, status: 500, times: ALWAYS });
    h.emu.clock.advance(HOUR - 50_000); // 50 s left: inside the 60 s window
    h.emu.clearRequests();
    // A background renewal runs on its own: wait (bounded) until the vendor saw `n` requests, then a
    // little longer, so an extra request would still be counted.
    const settle = async (n = 0) => {
      for (let waited = 0; h.emu.count({ path: TOKEN }) < n && waited < 5000; waited += 10)
        await new Promise((resolve) => setTimeout(resolve, 10));
      await new Promise((resolve) => setTimeout(resolve, 40));
    };
    for (let i = 0; i < 50; i++) expect(await h.client.getAccessToken()).toBe(token);
    await settle(2 * ATTEMPTS);
    // 1 renewal attempt (a refresh and its client_credentials fallback, each retried): 2 × 3 requests.
    expect(h.emu.count({ path: TOKEN })).toBe(2 * ATTEMPTS);
    for (let i = 0; i < 50; i++) expect(await h.client.getAccessToken()).toBe(token);
    await settle();
    expect(h.emu.count({ path: TOKEN })).toBe(2 * ATTEMPTS);
    expect(h.storage.peek()).toEqual(before);
    // The partner adapter's retryInterval is 30 s: one more background attempt after it.
    h.emu.clock.advance(31_000);
    expect(await h.client.getAccessToken()).toBe(token);
    await settle(4 * ATTEMPTS);
    expect(h.emu.count({ path: TOKEN })).toBe(4 * ATTEMPTS);
    // The fault clears; once the token is past expiry the caller waits for one renewal, which lands.
    h.emu.clearFaults();
    h.emu.clearRequests();
    h.emu.clock.advance(31_000);
    const fresh = await h.client.getAccessToken();
    expect(fresh).not.toBe(token);
    expect(h.storage.peek()?.accessToken).toBe(fresh);
    expect(h.emu.count({ path: TOKEN })).toBe(1);
    expect(h.emu.count({ path: TOKEN, grant: 'refresh_token', status: 200 })).toBe(1);
  });

  it('429 Retry-After is honoured (capped by maxRetryAfter) and 429 without it uses the short backoff', async () => {
    const withHeader = partnerHarness();
    faults(withHeader.emu, { path: TOKEN, status: 429, retryAfter: 30 });
    await withHeader.client.getAccessToken();
    const [a, b] = withHeader.times(TOKEN);
    expect(b! - a!).toBeGreaterThanOrEqual(MAX_RETRY_AFTER_MS - 5);

    const without = partnerHarness();
    faults(without.emu, { path: TOKEN, status: 429 });
    await without.client.getAccessToken();
    const [c, d] = without.times(TOKEN);
    expect(d! - c!).toBeLessThan(MAX_RETRY_AFTER_MS / 2);
  });
});

/* ------------------------------------------------------------------ refresh */

interface RefreshRow extends Omit<Row, 'faults'> {
  faults?: Fault | Fault[];
  /** Extra vendor-side change (consent revoked…). */
  arrange?: (h: CoreHarness) => void;
  /** How the fault clears when clearFaults() is not enough. */
  heal?: (h: CoreHarness) => void | Promise<void>;
  /** Recovery is impossible by design (the vendor refuses the grant for good); how the caller recovers. */
  recoversBy?: 'consent';
}

const refreshRows: RefreshRow[] = [
  {
    name: '500 server_error, every attempt',
    faults: { path: TOKEN, status: 500, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 500, error: 'server_error' },
    requests: ATTEMPTS,
  },
  {
    name: '502 HTML error page, every attempt',
    faults: { path: TOKEN, status: 502, text: HTML_PAGE, times: ALWAYS },
    expect: { code: 'http_error', name: 'OAuthError', status: 502 },
    requests: ATTEMPTS,
  },
  {
    name: '503 once, then the retry succeeds',
    faults: { path: TOKEN, status: 503 },
    expect: 'ok',
    requests: 2,
  },
  {
    name: 'timeout, every attempt',
    faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
    expect: { code: 'timeout', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'connection reset before the answer, every attempt',
    faults: { path: TOKEN, drop: true, times: ALWAYS },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: ATTEMPTS,
  },
  {
    name: 'latency spike above the timeout, once',
    faults: { path: TOKEN, latencyMs: 2000 },
    expect: 'ok',
    requests: 2,
  },
  {
    name: '200 with truncated JSON',
    faults: { path: TOKEN, malformedJson: true },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '200 without access_token (a refresh token only)',
    faults: { path: TOKEN, body: { refresh_token: CANARY, expires_in: 3600 } },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '200 with a negative expires_in',
    faults: {
      path: TOKEN,
      body: { access_token: opaque('neg'), refresh_token: CANARY, expires_in: -60 },
    },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '200 with a zero expires_in',
    faults: { path: TOKEN, body: { access_token: opaque('zero'), expires_in: 0 } },
    expect: { code: 'invalid_response', name: 'GrantkitError' },
    requests: 1,
  },
  {
    name: '400 invalid_grant (refresh token refused)',
    faults: {
      path: TOKEN,
      status: 400,
      body: { error: 'invalid_grant', error_description: 'The refresh token is invalid' },
    },
    expect: {
      code: 'reauthorization_required',
      name: 'ReauthorizationRequiredError',
      status: 400,
      error: 'invalid_grant',
    },
    requests: 1,
  },
  {
    name: '400 invalid_grant whose description echoes the refresh token',
    arrange: (h) =>
      h.emu.fault({
        path: TOKEN,
        status: 400,
        body: {
          error: 'invalid_grant',
          error_description: `refresh_token ${h.storage.peek()!.refreshToken} was already used`,
        },
      }),
    expect: {
      code: 'reauthorization_required',
      name: 'ReauthorizationRequiredError',
      status: 400,
      error: 'invalid_grant',
    },
    requests: 1,
  },
  {
    name: '401 invalid_client (the docs: 401 = consent again)',
    faults: { path: TOKEN, status: 401, body: { error: 'invalid_client' } },
    expect: {
      code: 'consent_required',
      name: 'ConsentRequiredError',
      status: 401,
      error: 'invalid_client',
    },
    requests: 1,
  },
  // Issue #11: outside First Dollar's documented 401, a refused client keeps the tokens (client_rejected).
  {
    name: '400 invalid_client on refresh (a wrong secret: the tokens stay)',
    faults: {
      path: TOKEN,
      status: 400,
      body: { error: 'invalid_client', error_description: 'Client authentication failed' },
      times: ALWAYS,
    },
    expect: {
      code: 'client_rejected',
      name: 'ClientRejectedError',
      status: 400,
      error: 'invalid_client',
    },
    requests: 1,
  },
  {
    name: '401 consent revoked by the user',
    arrange: (h) => h.emu.revokeConsent(app.appId),
    heal: (h) => h.emu.grantConsent(app.appId),
    expect: {
      code: 'consent_required',
      name: 'ConsentRequiredError',
      status: 401,
      error: 'invalid_grant',
    },
    requests: 1,
  },
  {
    name: '429 with Retry-After, every attempt',
    faults: { path: TOKEN, status: 429, retryAfter: 1, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 429 },
    requests: ATTEMPTS,
  },
  {
    name: '429 without Retry-After, every attempt',
    faults: { path: TOKEN, status: 429, times: ALWAYS },
    expect: { code: 'oauth_error', name: 'OAuthError', status: 429 },
    requests: ATTEMPTS,
  },
  {
    // The vendor rotated the refresh token but the answer never arrived: the refresh token the client
    // still holds is now a reused one. First Dollar answers 401, which its docs define as "consent again".
    name: 'refresh token reused after a rotation whose answer was lost',
    faults: { path: TOKEN, reset: true },
    expect: { code: 'network_error', name: 'GrantkitError' },
    requests: 1,
    recoversBy: 'consent',
  },
];

describe('fault matrix: refresh (First Dollar OAuth App, no fallback grant)', () => {
  for (const row of refreshRows) {
    it(row.name, async () => {
      const h = appHarness();
      await h.client.exchangeCode(h.code());
      const before = h.storage.peek()!;
      h.emu.clock.advance(HOUR);
      h.emu.clearRequests();
      row.arrange?.(h);
      if (row.faults) faults(h.emu, row.faults);

      if (row.expect === 'ok') {
        const token = await h.client.getAccessToken();
        expect(h.emu.count({ path: TOKEN, grant: 'refresh_token' })).toBe(row.requests);
        expect(h.emu.count({ path: TOKEN, grant: 'refresh_token', status: 200 })).toBe(1);
        expect(h.storage.peek()?.accessToken).toBe(token);
        expect(h.storage.peek()?.refreshToken).not.toBe(before.refreshToken);
        expect(await pingWith(h, token, `/app/${app.appId}/graphql`)).toBe(200);
        return;
      }

      const error = await failure(h.client.getAccessToken());
      expectTypedError(error, row.expect, h.secrets());
      if (row.expect.code === 'consent_required')
        expect(error).toMatchObject({ consentUrl: `${BASE}/oauth/app/${app.appId}/` });
      expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
      // The stored set is exactly the one from before the fault: the refresh token was not lost.
      expect(h.storage.peek()).toEqual(before);
      expect(h.storage.writes).toBe(1);
      // Asking again while a lasting fault holds costs exactly one more renewal, never a loop.
      const lasting =
        [row.faults ?? []].flat().some((f) => f.times === ALWAYS) || row.heal !== undefined;
      if (lasting) {
        h.emu.clearRequests();
        expectTypedError(await failure(h.client.getAccessToken()), row.expect, h.secrets());
        expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
        expect(h.storage.peek()).toEqual(before);
      }
      h.emu.clearRequests();

      h.emu.clearFaults();
      await row.heal?.(h);
      if (row.recoversBy === 'consent') {
        const again = await failure(h.client.getAccessToken());
        expectTypedError(
          again,
          {
            code: 'consent_required',
            name: 'ConsentRequiredError',
            status: 401,
            error: 'invalid_grant',
          },
          h.secrets(),
        );
        expect(h.emu.count({ path: TOKEN })).toBe(1);
        expect(h.storage.peek()).toEqual(before);
        await h.client.exchangeCode(h.code());
      }
      const token = await h.client.getAccessToken();
      expect(h.storage.peek()?.accessToken).toBe(token);
      expect(h.storage.peek()?.refreshToken).not.toBe(before.refreshToken);
      expect(h.emu.count({ path: TOKEN, status: 200 })).toBe(1);
      expect(await pingWith(h, token, `/app/${app.appId}/graphql`)).toBe(200);
    });
  }

  it('a vendor that returns a new refresh token only sometimes: every refresh works, the newest one is kept', async () => {
    const h = appHarness();
    await h.client.exchangeCode(h.code());
    const seen: string[] = [h.storage.peek()!.refreshToken!];
    const rotates = [false, true, false, false, true, true, false, true];
    for (const rotate of rotates) {
      if (!rotate) h.emu.fault({ path: TOKEN, keepRefreshToken: true });
      h.emu.clock.advance(HOUR);
      const token = await h.client.getAccessToken();
      expect(await pingWith(h, token, `/app/${app.appId}/graphql`)).toBe(200);
      const stored = h.storage.peek()!;
      expect(stored.accessToken).toBe(token);
      if (rotate) expect(stored.refreshToken).not.toBe(seen.at(-1));
      else expect(stored.refreshToken).toBe(seen.at(-1));
      seen.push(stored.refreshToken!);
    }
    expect(h.emu.count({ path: TOKEN, grant: 'refresh_token' })).toBe(rotates.length);
    expect(h.emu.count({ path: TOKEN, grant: 'refresh_token', status: 200 })).toBe(rotates.length);
    expect(new Set(seen).size).toBe(1 + rotates.filter(Boolean).length);
  });

  it('a refresh token reused after rotation by a second instance with its own (stale) storage', async () => {
    const h = appHarness();
    await h.client.exchangeCode(h.code());
    const stale = h.storage.peek()!;
    h.emu.clock.advance(HOUR);
    await h.client.getAccessToken(); // rotates
    const rotated = h.storage.peek()!;
    // Same vendor, an old copy of the token set (a restored backup, an old cookie).
    const staleStorage = inspectableStorage(APP_KEY);
    const client = createTokenClient({
      adapter: firstDollarApp({ ...app, apiBaseUrl: BASE, consentBaseUrl: BASE }),
      fetch: h.fetch,
      storage: staleStorage,
      now: () => h.emu.clock.now(),
      retry,
    });
    await client.setTokenSet(stale);
    h.emu.clock.advance(HOUR);
    h.emu.clearRequests();
    const error = await failure(client.getAccessToken());
    expectTypedError(
      error,
      {
        code: 'consent_required',
        name: 'ConsentRequiredError',
        status: 401,
        error: 'invalid_grant',
      },
      h.secrets(),
    );
    expect(h.emu.count({ path: TOKEN })).toBe(1);
    expect(staleStorage.peek()).toEqual(stale);
    // The first instance is unharmed by the other's reuse.
    expect(h.storage.peek()).toEqual(rotated);
    const token = await h.client.getAccessToken();
    expect(await pingWith(h, token, `/app/${app.appId}/graphql`)).toBe(200);
  });
});

describe('fault matrix: refresh with a fallback grant (First Dollar Partner)', () => {
  const rows: (RefreshRow & { grants: { refresh: number; cc: number } })[] = [
    {
      name: '400 invalid_grant on refresh falls back to client_credentials',
      faults: { path: TOKEN, status: 400, body: { error: 'invalid_grant' } },
      expect: 'ok',
      requests: 2,
      grants: { refresh: 1, cc: 1 },
    },
    {
      name: '500 on every call: refresh and fallback both bounded',
      faults: { path: TOKEN, status: 500, times: ALWAYS },
      expect: { code: 'oauth_error', name: 'OAuthError', status: 500 },
      requests: 2 * ATTEMPTS,
      grants: { refresh: ATTEMPTS, cc: ATTEMPTS },
    },
    {
      name: 'timeout on refresh: no fallback for a transport failure',
      faults: { path: TOKEN, latencyMs: 2000, times: ALWAYS },
      expect: { code: 'timeout', name: 'GrantkitError' },
      requests: ATTEMPTS,
      grants: { refresh: ATTEMPTS, cc: 0 },
    },
    {
      name: 'refresh token reused after a lost rotation: fallback recovers',
      faults: { path: TOKEN, reset: true },
      expect: { code: 'network_error', name: 'GrantkitError' },
      requests: 1,
      grants: { refresh: 1, cc: 0 },
    },
    {
      name: '401 invalid_client on every call (wrong secret): client_rejected after the refresh alone (the fallback grant sends the same credentials), nothing lost',
      faults: { path: TOKEN, status: 401, body: { error: 'invalid_client' }, times: ALWAYS },
      expect: {
        code: 'client_rejected',
        name: 'ClientRejectedError',
        status: 401,
        error: 'invalid_client',
      },
      requests: 1,
      grants: { refresh: 1, cc: 0 },
    },
  ];
  for (const row of rows) {
    it(row.name, async () => {
      const h = partnerHarness();
      await h.client.getAccessToken();
      const before = h.storage.peek()!;
      h.emu.clock.advance(HOUR);
      h.emu.clearRequests();
      faults(h.emu, row.faults!);
      if (row.expect === 'ok') {
        const token = await h.client.getAccessToken();
        expect(h.storage.peek()?.accessToken).toBe(token);
        expect(await pingWith(h, token)).toBe(200);
      } else {
        expectTypedError(await failure(h.client.getAccessToken()), row.expect, h.secrets());
        expect(h.storage.peek()).toEqual(before);
      }
      expect(h.emu.count({ path: TOKEN })).toBe(row.requests);
      expect(h.emu.count({ path: TOKEN, grant: 'refresh_token' })).toBe(row.grants.refresh);
      expect(h.emu.count({ path: TOKEN, grant: 'client_credentials' })).toBe(row.grants.cc);
      h.emu.clearFaults();
      h.emu.clearRequests();
      h.emu.clock.advance(HOUR);
      const token = await h.client.getAccessToken();
      expect(await pingWith(h, token)).toBe(200);
      // A refresh after a lost rotation is refused once, then the fallback grant answers.
      expect(h.emu.count({ path: TOKEN })).toBe(row.name.includes('lost rotation') ? 2 : 1);
    });
  }
});

describe('fault matrix: clock skew of ±10 minutes', () => {
  // Ahead: the JWT `exp` (vendor time) wins and renewals come 10 minutes early (at 50, 100, 150 min);
  // behind: `expires_in` (relative) wins and renewals come on time (at 60, 120 min).
  for (const [skewMs, expected] of [
    [10 * 60_000, 3],
    [-10 * 60_000, 2],
  ] as const) {
    it(`client clock ${skewMs > 0 ? 'ahead' : 'behind'} by 10 minutes: never sends an expired token, ${expected} refreshes in 3 hours`, async () => {
      const h = appHarness({ skewMs });
      await h.client.exchangeCode(h.code());
      h.emu.clearRequests();
      let failures = 0;
      // Three hours in 5-minute steps; every token handed out must be valid at the vendor.
      for (let minute = 0; minute < 180; minute += 5) {
        const token = await h.client.getAccessToken();
        if ((await pingWith(h, token, `/app/${app.appId}/graphql`)) !== 200) failures++;
        h.emu.clock.advance(5 * 60_000);
      }
      expect(failures).toBe(0);
      const refreshes = h.emu.count({ path: TOKEN, grant: 'refresh_token' });
      expect(refreshes).toBe(expected);
      expect(h.emu.count({ path: TOKEN, status: 200 })).toBe(refreshes);
      expectNoSecrets(JSON.stringify(h.client), h.secrets());
    });
  }

  // First Orion v1 answers `expires_at` (the vendor's clock) next to `expires_in`, and renews 10
  // minutes early: a client 10 minutes behind used to start renewing only at the real expiry.
  for (const [skewMs, expected] of [
    [10 * 60_000, 4],
    [-10 * 60_000, 3],
  ] as const) {
    it(`First Orion v1, client clock ${skewMs > 0 ? 'ahead' : 'behind'} by 10 minutes: never an expired token, ${expected} renewals in 3 hours`, async () => {
      const rec = recorder();
      const client = createTokenClient({
        adapter: firstOrionV1({ ...TEST_CREDENTIALS.firstOrion, baseUrl: BASE }),
        fetch: rec.fetch,
        now: () => rec.emu.clock.now() + skewMs,
        timeout: TIMEOUT_MS,
        retry,
      });
      let failures = 0;
      for (let minute = 0; minute < 180; minute += 2) {
        const token = await client.getAccessToken();
        const res = await rec.emu.fetch(`${BASE}/v1/echo`, { headers: { authorization: token } });
        if (res.status !== 200) failures++;
        await new Promise((resolve) => setTimeout(resolve, 2)); // let a background renewal land
        rec.emu.clock.advance(2 * 60_000);
      }
      expect(failures).toBe(0);
      expect(rec.emu.count({ path: /^\/v1\/auth/ })).toBe(1 + expected);
      expect(rec.emu.count({ path: /^\/v1\/auth/, status: 200 })).toBe(1 + expected);
    });
  }
});
