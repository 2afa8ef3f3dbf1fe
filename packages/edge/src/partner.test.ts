// Issue #11 defect 6: createPartnerClient caches one client per isolate by its key; a second
// credential under the same key (another tenant, sandbox next to production) must never get the
// first credential's client and tokens.
import { afterEach, describe, expect, it, vi } from 'vitest';
import {
  ConfigurationError,
  firstDollarPartner,
  firstOrionOAuth,
  isGrantkitError,
  memoryStorage,
  type TokenSet,
} from '@grantkit/core';
import { createVendorEmulator, TEST_CREDENTIALS } from '@grantkit/core/testing';
import { createPartnerClient } from './partner';

const T = TEST_CREDENTIALS;
const SANDBOX = 'https://sandbox.emulator.test';
const PRODUCTION = 'https://production.emulator.test';
const OTHER_SECRET = 'tenant-b+secret/Zq9=';
const TENANT_B = 'partner_TENANTB_api@partner.firstdollar.com';

afterEach(() => vi.unstubAllGlobals());

/** The emulator as the global fetch: createPartnerClient caches only clients on the default fetch. */
function emulator() {
  const emu = createVendorEmulator({
    firstDollar: {
      partners: [T.firstDollarPartner, { clientId: TENANT_B, clientSecret: OTHER_SECRET }],
    },
  });
  vi.stubGlobal('fetch', emu.fetch);
  return emu;
}

const partner = (clientId: string, clientSecret: string, apiBaseUrl = SANDBOX) =>
  firstDollarPartner({ clientId, clientSecret, apiBaseUrl });

describe('createPartnerClient per-isolate cache', () => {
  it('the same credential, with a new adapter object per request, gets the same client', () => {
    emulator();
    const a = createPartnerClient({
      adapter: partner(T.firstDollarPartner.clientId, T.firstDollarPartner.clientSecret),
      key: 'same',
    });
    const b = createPartnerClient({
      adapter: partner(T.firstDollarPartner.clientId, T.firstDollarPartner.clientSecret),
      key: 'same',
    });
    expect(b).toBe(a);
  });

  it('another tenant (client id and secret) under the same key is refused, never given the first client', async () => {
    const emu = emulator();
    const first = createPartnerClient({
      adapter: partner(
        T.firstDollarPartner.clientId,
        T.firstDollarPartner.clientSecret,
        'https://a.emulator.test',
      ),
      key: 'fd:shared',
      storage: memoryStorage(),
    });
    await first.getAccessToken();
    let second: unknown;
    try {
      second = createPartnerClient({
        adapter: partner(TENANT_B, OTHER_SECRET, 'https://a.emulator.test'),
        key: 'fd:shared',
        storage: memoryStorage(),
      });
    } catch (error) {
      second = error;
    }
    expect(second).not.toBe(first);
    expect(second).toBeInstanceOf(ConfigurationError);
    expect(isGrantkitError(second, 'config_invalid')).toBe(true);
    const shown = `${String(second)} ${JSON.stringify(second)}`;
    expect(shown).toContain('fd:shared');
    expect(shown).not.toContain(OTHER_SECRET);
    expect(shown).not.toContain(T.firstDollarPartner.clientSecret);
    expect(emu.count({ path: '/v0/auth/token' })).toBe(1);
  });

  it('sandbox next to production (same client, another endpoint) is refused', () => {
    emulator();
    createPartnerClient({
      adapter: partner(T.firstDollarPartner.clientId, T.firstDollarPartner.clientSecret, SANDBOX),
      key: 'env',
    });
    expect(() =>
      createPartnerClient({
        adapter: partner(
          T.firstDollarPartner.clientId,
          T.firstDollarPartner.clientSecret,
          PRODUCTION,
        ),
        key: 'env',
      }),
    ).toThrow(ConfigurationError);
  });

  it('a rotated secret under the same key is refused', () => {
    emulator();
    createPartnerClient({
      adapter: firstOrionOAuth({ ...T.firstOrion, baseUrl: SANDBOX }),
      key: 'fo',
    });
    expect(() =>
      createPartnerClient({
        adapter: firstOrionOAuth({
          apiKey: T.firstOrion.apiKey,
          secretKey: 'rotated-secret-key',
          baseUrl: SANDBOX,
        }),
        key: 'fo',
      }),
    ).toThrow(ConfigurationError);
  });

  it('another tenant with the default key (no configuration) gets its own client', () => {
    emulator();
    const a = createPartnerClient({
      adapter: partner(
        T.firstDollarPartner.clientId,
        T.firstDollarPartner.clientSecret,
        'https://d.emulator.test',
      ),
    });
    const b = createPartnerClient({
      adapter: partner(TENANT_B, OTHER_SECRET, 'https://d.emulator.test'),
    });
    expect(b).not.toBe(a);
    // A rotated secret under the derived key is another credential: its own client, never B's.
    const rotated = createPartnerClient({
      adapter: partner(TENANT_B, 'rotated-secret-b', 'https://d.emulator.test'),
    });
    expect(rotated).not.toBe(b);
    expect(
      createPartnerClient({ adapter: partner(TENANT_B, OTHER_SECRET, 'https://d.emulator.test') }),
    ).toBe(b);
  });

  it('each credential under its own key gets its own client and its own tokens', async () => {
    const emu = emulator();
    const storage = memoryStorage();
    const a = createPartnerClient({
      adapter: partner(T.firstDollarPartner.clientId, T.firstDollarPartner.clientSecret),
      key: 'tenant-a',
      storage,
    });
    const b = createPartnerClient({
      adapter: partner(TENANT_B, OTHER_SECRET),
      key: 'tenant-b',
      storage,
    });
    expect(b).not.toBe(a);
    const [ta, tb] = await Promise.all([a.getAccessToken(), b.getAccessToken()]);
    expect(ta).not.toBe(tb);
    expect(emu.count({ path: '/v0/auth/token', status: 200 })).toBe(2);
    expect(((await storage.get('tenant-b')) as TokenSet).accessToken).toBe(tb);
  });

  it('an adapter whose requests change per call (a signed assertion) is never served a cached client', () => {
    emulator();
    const signed = () => {
      const base = partner(T.firstDollarPartner.clientId, T.firstDollarPartner.clientSecret);
      return {
        ...base,
        buildRequest: (grant: Parameters<typeof base.buildRequest>[0]) => ({
          ...base.buildRequest(grant),
          body: `assertion=${crypto.randomUUID()}`,
        }),
      };
    };
    const a = createPartnerClient({ adapter: signed(), key: 'signed' });
    const b = createPartnerClient({ adapter: signed(), key: 'signed' });
    expect(b).not.toBe(a);
  });

  it('two isolates, one tenant each, sharing a token storage (KV) with the default key: each gets its own tokens', async () => {
    const emu = emulator();
    const kv = memoryStorage();
    // Each isolate has its own module instance (its own cache); the storage is shared.
    vi.resetModules();
    const isolate1 = await import('./partner');
    vi.resetModules();
    const isolate2 = await import('./partner');
    const a = isolate1.createPartnerClient({
      adapter: partner(
        T.firstDollarPartner.clientId,
        T.firstDollarPartner.clientSecret,
        'https://kv.emulator.test',
      ),
      storage: kv,
    });
    const ta = await a.getAccessToken();
    const b = isolate2.createPartnerClient({
      adapter: partner(TENANT_B, OTHER_SECRET, 'https://kv.emulator.test'),
      storage: kv,
    });
    const tb = await b.getAccessToken();
    expect(tb).not.toBe(ta);
    expect(emu.count({ path: '/v0/auth/token', grant: 'client_credentials', status: 200 })).toBe(2);
    // Sandbox next to production, same client: apart too.
    const c = isolate2.createPartnerClient({
      adapter: partner(
        T.firstDollarPartner.clientId,
        T.firstDollarPartner.clientSecret,
        'https://kv-production.emulator.test',
      ),
      storage: kv,
    });
    expect(await c.getAccessToken()).not.toBe(ta);
    // The derived key names no credential in clear (TokenClient's JSON shows its key).
    for (const client of [a, b, c]) {
      const shown = JSON.stringify(client);
      for (const value of [
        T.firstDollarPartner.clientSecret,
        OTHER_SECRET,
        T.firstDollarPartner.clientId,
        TENANT_B,
      ])
        expect(shown).not.toContain(value);
    }
    // And the same tenant in another isolate shares the stored token (no second grant).
    vi.resetModules();
    const isolate3 = await import('./partner');
    const a3 = isolate3.createPartnerClient({
      adapter: partner(
        T.firstDollarPartner.clientId,
        T.firstDollarPartner.clientSecret,
        'https://kv.emulator.test',
      ),
      storage: kv,
    });
    expect(await a3.getAccessToken()).toBe(ta);
  });
});
