// The token lifecycle against the strict vendor emulator: single flight, rotation, expiry at use,
// retries, hooks and secrecy.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createVendorEmulator, TEST_CREDENTIALS, type VendorEmulator } from './testing/index';
import { firstDollarApp, firstDollarPartner } from './adapters/first-dollar';
import { firstOrionV1 } from './adapters/first-orion';
import { createTokenClient, type TokenClientOptions } from './token-client';
import { isGrantkitError, type GrantkitError } from './errors';
import { memoryStorage } from './storage';

const BASE = 'https://emulator.test';
const { firstDollarPartner: partner, firstDollarApp: app } = TEST_CREDENTIALS;

function partnerClient(emu: VendorEmulator, extra: Partial<TokenClientOptions> = {}) {
  return createTokenClient({
    adapter: firstDollarPartner({ ...partner, apiBaseUrl: BASE }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    retry: { limit: 2, backoffLimit: 20 },
    ...extra,
  });
}

async function appClient(emu: VendorEmulator, extra: Partial<TokenClientOptions> = {}) {
  const client = createTokenClient({
    adapter: firstDollarApp({ ...app, apiBaseUrl: BASE, consentBaseUrl: BASE }),
    fetch: emu.fetch,
    now: () => emu.clock.now(),
    retry: { limit: 2, backoffLimit: 20 },
    ...extra,
  });
  await client.exchangeCode(emu.issueCode('firstDollar', app.appId));
  return client;
}

const ping = (client: { fetch: typeof fetch }, path = `/app/${app.appId}/graphql`) =>
  client.fetch(`${BASE}${path}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'query { ping }' }),
  });

afterEach(() => {
  vi.useRealTimers();
});

describe('cache and single flight', () => {
  it('1000 concurrent getAccessToken() at expiry cause exactly 1 token request', async () => {
    const emu = createVendorEmulator();
    const client = partnerClient(emu);
    const first = await client.getAccessToken();
    emu.clock.advance(3600_000);
    emu.clearRequests();
    const tokens = await Promise.all(Array.from({ length: 1000 }, () => client.getAccessToken()));
    expect(emu.count({ path: '/v0/auth/token' })).toBe(1);
    expect(new Set(tokens).size).toBe(1);
    expect(tokens[0]).not.toBe(first);
  });

  it('a valid cached token makes no request at all', async () => {
    const emu = createVendorEmulator();
    const client = partnerClient(emu);
    await client.getAccessToken();
    emu.clearRequests();
    for (let i = 0; i < 100; i++) await client.getAccessToken();
    expect(emu.count()).toBe(0);
  });

  it('a 401 storm with latencies spread over 200 ms causes exactly 1 refresh', async () => {
    const emu = createVendorEmulator();
    const client = await appClient(emu);
    emu.revokeAccessTokens();
    emu.clearRequests();
    emu.setLatency((req) =>
      new URL(req.url).pathname.endsWith('/graphql') ? Math.random() * 200 : 0,
    );
    const responses = await Promise.all(Array.from({ length: 200 }, () => ping(client)));
    expect(responses.every((r) => r.status === 200)).toBe(true);
    expect(emu.count({ path: '/v0/auth/token' })).toBe(1);
    expect(emu.count({ path: '/v0/auth/token', status: 200 })).toBe(1);
  });

  it('single-use rotating refresh tokens: many refresh cycles, 0 failures', async () => {
    const emu = createVendorEmulator();
    const client = await appClient(emu);
    let failures = 0;
    for (let round = 0; round < 20; round++) {
      emu.clock.advance(3600_000);
      const results = await Promise.allSettled(Array.from({ length: 50 }, () => ping(client)));
      failures += results.filter((r) => r.status === 'rejected' || r.value.status !== 200).length;
    }
    expect(failures).toBe(0);
    expect(emu.count({ path: '/v0/auth/token', grant: 'refresh_token', status: 200 })).toBe(20);
    expect(emu.count({ path: '/v0/auth/token', status: 401 })).toBe(0);
  });

  it('a 401 on a token already replaced triggers no second refresh', async () => {
    const emu = createVendorEmulator();
    const client = await appClient(emu);
    const old = await client.getAccessToken();
    emu.revokeAccessTokens();
    await client.renewAfterRejection(old);
    emu.clearRequests();
    const again = await client.renewAfterRejection(old);
    expect(again.accessToken).not.toBe(old);
    expect(emu.count({ path: '/v0/auth/token' })).toBe(0);
  });
});

describe('rotation safety', () => {
  it('a refresh answer without refresh_token keeps the stored one', async () => {
    const emu = createVendorEmulator();
    const storage = memoryStorage();
    const client = await appClient(emu, { storage });
    const before = await client.getTokenSet();
    emu.fault({
      path: '/v0/auth/token',
      status: 200,
      body: { access_token: 'opaque-new-token', expires_in: 3600 },
    });
    emu.clock.advance(3600_000);
    const after = await client.getTokenSet();
    expect(after.accessToken).toBe('opaque-new-token');
    expect(after.refreshToken).toBe(before.refreshToken);
    expect((await storage.get('grantkit:first-dollar-app'))?.refreshToken).toBe(
      before.refreshToken,
    );
  });

  it('a failed refresh never erases the stored token set', async () => {
    const emu = createVendorEmulator();
    const storage = memoryStorage();
    const client = await appClient(emu, { storage });
    const before = await client.getTokenSet();
    emu.fault({ path: '/v0/auth/token', status: 500, times: Infinity });
    emu.clock.advance(3600_000);
    await expect(client.getAccessToken()).rejects.toMatchObject({ status: 500 });
    expect(await storage.get('grantkit:first-dollar-app')).toEqual(before);
    emu.clearFaults();
    await expect(client.getAccessToken()).resolves.not.toBe(before.accessToken);
  });

  it('adopts a token set another instance stored (shared storage) instead of refreshing', async () => {
    const emu = createVendorEmulator();
    const storage = memoryStorage();
    const a = partnerClient(emu, { storage });
    const b = partnerClient(emu, { storage });
    await a.getAccessToken();
    await b.getAccessToken();
    emu.clock.advance(3600_000);
    const fromA = await a.getAccessToken();
    emu.clearRequests();
    expect(await b.getAccessToken()).toBe(fromA);
    expect(emu.count()).toBe(0);
  });
});

describe('expiry is checked at use', () => {
  it('a token that expired while timers were frozen is renewed at use', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'setInterval', 'Date'] });
    const emu = createVendorEmulator({ now: Date.now() });
    const client = partnerClient(emu, { now: () => Date.now() });
    const first = await client.getAccessToken();
    // The laptop sleeps for 2 hours: no timer fires, only the wall clock moves.
    vi.setSystemTime(Date.now() + 2 * 3600_000);
    emu.clock.set(Date.now());
    const second = await client.getAccessToken();
    expect(second).not.toBe(first);
    expect(emu.count({ path: '/v0/auth/token' })).toBe(2);
  });

  it('inside the refresh window serves the valid token and renews once in the background', async () => {
    const emu = createVendorEmulator();
    const renewed = vi.fn();
    const client = partnerClient(emu, { onTokens: renewed });
    const first = await client.getAccessToken();
    emu.clock.advance(3600_000 - 30_000);
    expect(await client.getAccessToken()).toBe(first);
    await vi.waitFor(() => expect(renewed).toHaveBeenCalledTimes(2));
    expect(await client.getAccessToken()).not.toBe(first);
    expect(emu.count({ path: '/v0/auth/token' })).toBe(2);
  });
});

describe('retries', () => {
  it('honours 429 + Retry-After, then succeeds', async () => {
    const emu = createVendorEmulator();
    const seen: number[] = [];
    const client = partnerClient(emu, {
      fetch: (input, init) => {
        seen.push(performance.now());
        return emu.fetch(input, init);
      },
    });
    emu.fault({ path: '/v0/auth/token', status: 429, retryAfter: 1 });
    await expect(client.getAccessToken()).resolves.toEqual(expect.any(String));
    expect(seen).toHaveLength(2);
    expect(seen[1]! - seen[0]!).toBeGreaterThanOrEqual(950);
  });

  it('retries 5xx and dropped connections with backoff, bounded by the limit', async () => {
    const emu = createVendorEmulator();
    const client = partnerClient(emu);
    emu.fault({ path: '/v0/auth/token', status: 503 });
    emu.fault({ path: '/v0/auth/token', drop: true });
    await expect(client.getAccessToken()).resolves.toEqual(expect.any(String));
    emu.fault({ path: '/v0/auth/token', drop: true, times: Infinity });
    emu.clock.advance(3600_000);
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'network_error' });
  });

  it('malformed JSON is invalid_response; an abort signal stops the caller', async () => {
    const emu = createVendorEmulator();
    const client = partnerClient(emu);
    emu.fault({ path: '/v0/auth/token', status: 200, malformedJson: true });
    await expect(client.getAccessToken()).rejects.toMatchObject({ code: 'invalid_response' });
    emu.fault({ path: '/v0/auth/token', latencyMs: 500 });
    await expect(client.getAccessToken({ signal: AbortSignal.timeout(20) })).rejects.toMatchObject({
      code: 'aborted',
    });
  });
});

describe('First Orion v1 renewal policy', () => {
  const { firstOrion } = TEST_CREDENTIALS;
  it('renews via /v1/auth/refresh 10 minutes before expiry and falls back to /v1/auth', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstOrionV1({ ...firstOrion, baseUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
    });
    await client.getAccessToken();
    emu.clock.advance(51 * 60_000);
    await client.refresh();
    expect(emu.count({ path: '/v1/auth/refresh', status: 200 })).toBe(1);
    emu.setFirstOrionRefreshSupported(false);
    emu.clock.advance(61 * 60_000);
    const res = await client.fetch(`${BASE}/v1/echo`);
    expect(res.status).toBe(200);
    expect(emu.count({ path: '/v1/auth', status: 200 })).toBe(2);
  });

  it('after a failed renewal inside the window, retries once a minute while the token is valid', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstOrionV1({ ...firstOrion, baseUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
      retry: { limit: 0 },
    });
    const token = await client.getAccessToken();
    emu.fault({ path: /^\/v1\/auth/, status: 500, times: Infinity });
    emu.clearRequests();
    emu.clock.advance(50 * 60_000 + 1000);
    expect(await client.getAccessToken()).toBe(token);
    await vi.waitFor(() => expect(emu.count({ status: 500 })).toBeGreaterThan(0));
    const failed = emu.count();
    for (let i = 0; i < 10; i++) expect(await client.getAccessToken()).toBe(token);
    await new Promise((r) => setTimeout(r, 20));
    expect(emu.count()).toBe(failed);
    emu.clearFaults();
    emu.clock.advance(61_000);
    await client.getAccessToken();
    await vi.waitFor(() => expect(emu.count({ status: 200 })).toBe(1));
  });
});

describe('errors and hooks', () => {
  it('a revoked consent becomes ConsentRequiredError with the consent URL; onAuthFailed fires', async () => {
    const emu = createVendorEmulator();
    const failed = vi.fn();
    const client = await appClient(emu, { onAuthFailed: failed });
    emu.revokeConsent(app.appId);
    emu.clock.advance(3600_000);
    const error = (await client.getAccessToken().catch((e: unknown) => e)) as GrantkitError & {
      consentUrl: string;
    };
    expect(isGrantkitError(error, 'consent_required')).toBe(true);
    expect(error.consentUrl).toBe(`${BASE}/oauth/app/${app.appId}/`);
    expect(failed).toHaveBeenCalledWith(error);
  });

  it('a code exchange refused with 401 is consent_required too', async () => {
    const emu = createVendorEmulator();
    const client = createTokenClient({
      adapter: firstDollarApp({ ...app, apiBaseUrl: BASE }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
    });
    const code = emu.issueCode('firstDollar', app.appId);
    emu.revokeConsent(app.appId);
    await expect(client.exchangeCode(code)).rejects.toMatchObject({ code: 'consent_required' });
  });

  it('a throwing hook never breaks the lifecycle', async () => {
    const emu = createVendorEmulator();
    const client = partnerClient(emu, {
      onTokens: () => {
        throw new Error('hook bug');
      },
    });
    await expect(client.getAccessToken()).resolves.toEqual(expect.any(String));
  });

  it('canary secrets never appear in errors, logs, toString() or JSON.stringify', async () => {
    const canary = 'CANARY-secret-5f2b9';
    const emu = createVendorEmulator({
      firstDollar: {
        partners: [
          { clientId: 'partner_CANARY_api@partner.firstdollar.com', clientSecret: canary },
        ],
      },
    });
    const logs: string[] = [];
    const spies = (['log', 'warn', 'error', 'info', 'debug'] as const).map((m) =>
      vi
        .spyOn(console, m)
        .mockImplementation((...a: unknown[]) => void logs.push(a.map(String).join(' '))),
    );
    const errors: unknown[] = [];
    const client = createTokenClient({
      adapter: firstDollarPartner({
        clientId: 'partner_CANARY_api@partner.firstdollar.com',
        clientSecret: `${canary}-wrong`,
        apiBaseUrl: BASE,
      }),
      fetch: emu.fetch,
      now: () => emu.clock.now(),
      onAuthFailed: (e) => errors.push(e),
    });
    errors.push(await client.getAccessToken().catch((e: unknown) => e));
    const good = partnerClient(createVendorEmulator(), {});
    const token = await good.getAccessToken();
    emu.fault({ path: '/v0/auth/token', status: 500, times: Infinity });
    errors.push(await client.refresh().catch((e: unknown) => e));
    spies.forEach((s) => s.mockRestore());
    const dump = [
      ...errors.flatMap((e) => [
        String(e),
        JSON.stringify(e),
        (e as Error).message,
        (e as Error).stack ?? '',
      ]),
      String(client),
      JSON.stringify(client),
      JSON.stringify(good),
      JSON.stringify(client.adapter),
      ...logs,
    ].join('\n');
    expect(errors.every((e) => isGrantkitError(e))).toBe(true);
    expect(dump).not.toContain(canary);
    expect(dump).not.toContain(token);
  });
});
