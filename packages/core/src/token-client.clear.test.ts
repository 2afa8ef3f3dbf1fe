// clear() (a logout) racing a renewal in flight: the renewal's answer must not bring the tokens back.
import { describe, expect, it } from 'vitest';
import { ReauthorizationRequiredError } from './errors';
import { createTokenClient, firstDollarApp } from './index';
import { memoryStorage } from './storage';
import { createVendorEmulator, TEST_CREDENTIALS } from './testing';

describe('clear() during a renewal', () => {
  const app = TEST_CREDENTIALS.firstDollarApp;
  const BASE = 'https://api.dev.firstdollar.com';

  it.each(['own storage', 'a storage'])(
    'the renewal ends with reauthorization_required and stores nothing (%s)',
    async (kind) => {
      const emu = createVendorEmulator();
      const storage = kind === 'a storage' ? memoryStorage() : undefined;
      const client = createTokenClient({
        adapter: firstDollarApp({ ...app, apiBaseUrl: BASE }),
        fetch: emu.fetch,
        ...(storage && { storage, key: 'user-1' }),
      });
      const tokens = await client.exchangeCode(emu.issueCode('firstDollar', app.appId));
      await client.setTokenSet({ ...tokens, expiresAt: Date.now() - 1000 });
      emu.fault({ path: '/v0/auth/token', latencyMs: 50, times: 1 }); // the refresh is in flight…
      const renewal = client.getAccessToken().catch((e: unknown) => e);
      await new Promise((r) => setTimeout(r, 10));
      await client.clear(); // …when the user logs out
      expect(await renewal).toBeInstanceOf(ReauthorizationRequiredError);
      expect(emu.count({ grant: 'refresh_token', status: 200 })).toBe(1); // the vendor did renew
      await expect(client.getTokenSet()).rejects.toBeInstanceOf(ReauthorizationRequiredError);
      if (storage) expect(await storage.get('user-1')).toBeUndefined();
    },
  );

  it('a set another instance stored, read while clear() ran, is not adopted either', async () => {
    const emu = createVendorEmulator();
    const inner = memoryStorage();
    let slow = false;
    const storage = {
      ...inner,
      // The read takes its value, then answers late: clear() runs in between.
      get: async (key: string) => {
        const value = await inner.get(key);
        if (slow) await new Promise((r) => setTimeout(r, 30));
        return value;
      },
    };
    const client = createTokenClient({
      adapter: firstDollarApp({ ...app, apiBaseUrl: BASE }),
      fetch: emu.fetch,
      storage,
      key: 'user-1',
    });
    const tokens = await client.exchangeCode(emu.issueCode('firstDollar', app.appId));
    await client.setTokenSet({ ...tokens, expiresAt: Date.now() - 1000 });
    await inner.set('user-1', tokens); // another instance renewed: a set this one would adopt
    slow = true;
    const renewal = client.getAccessToken().catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 10));
    await client.clear();
    expect(await renewal).toBeInstanceOf(ReauthorizationRequiredError);
    await expect(client.getTokenSet()).rejects.toBeInstanceOf(ReauthorizationRequiredError);
    expect(await inner.get('user-1')).toBeUndefined();
  });
});
