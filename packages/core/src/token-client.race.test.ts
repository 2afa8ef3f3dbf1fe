// In one process: a request stores a fresh token set (setTokenSet) while a renewal waits on
// `storage.get`. The renewal must adopt that set, not refresh from it (issue #13, the in-process race).
import { describe, expect, it, vi } from 'vitest';
import { oauth2 } from './adapters/oauth2';
import { memoryStorage, type TokenStorage } from './storage';
import { createTokenClient } from './token-client';
import type { TokenSet } from './token-set';

const NOW = 1_800_000_000_000;

function setup(read: 'before' | 'after') {
  const inner = memoryStorage();
  let gate: Promise<void> | undefined;
  let open = () => {};
  const storage: TokenStorage = {
    // With a gate, `get` answers once the gate opens, with what the store held when it was asked
    // (`before`) or when it answers (`after`): a slow KV or Redis may do either.
    async get(key) {
      if (!gate) return inner.get(key);
      const early = await inner.get(key);
      await gate;
      return read === 'before' ? early : inner.get(key);
    },
    set: (key, value) => inner.set(key, value),
    delete: (key) => inner.delete(key),
  };
  const fetch = vi.fn(async () =>
    Response.json({
      access_token: `renewed-${fetch.mock.calls.length}`,
      refresh_token: 'r-next',
      expires_in: 3600,
    }),
  );
  const client = createTokenClient({
    adapter: oauth2({
      clientId: 'app',
      clientSecret: 's3cret',
      tokenEndpoint: 'https://as.example/token',
    }),
    storage,
    fetch,
    now: () => NOW,
    retry: { limit: 0 },
  });
  const hold = () => {
    gate = new Promise((resolve) => (open = resolve));
  };
  return { client, fetch, hold, release: () => open() };
}

const expired: TokenSet = {
  accessToken: 'old',
  refreshToken: 'r-old',
  tokenType: 'Bearer',
  expiresAt: NOW - 1000,
};
const fresh: TokenSet = {
  accessToken: 'fresh',
  refreshToken: 'r-fresh',
  tokenType: 'Bearer',
  expiresAt: NOW + 3_600_000,
};

describe('a renewal waiting on storage.get', () => {
  it.each(['before', 'after'] as const)(
    'adopts a fresh set stored meanwhile (store read %s the write): no refresh',
    async (read) => {
      const { client, fetch, hold, release } = setup(read);
      await client.setTokenSet(expired);
      hold();
      const renewal = client.getAccessToken();
      await new Promise((resolve) => setTimeout(resolve, 0)); // the renewal is now waiting on storage.get
      await client.setTokenSet(fresh);
      release();
      expect(await renewal).toBe('fresh');
      expect(fetch).not.toHaveBeenCalled();
      expect(await client.getAccessToken()).toBe('fresh');
      expect(fetch).not.toHaveBeenCalled();
    },
  );

  it('still renews a set it was asked to renew when nothing newer arrived', async () => {
    const { client, fetch, hold, release } = setup('after');
    await client.setTokenSet(fresh);
    hold();
    const renewal = client.refresh();
    await new Promise((resolve) => setTimeout(resolve, 0));
    release();
    expect((await renewal).accessToken).toBe('renewed-1');
    expect(fetch).toHaveBeenCalledTimes(1);
  });
});
