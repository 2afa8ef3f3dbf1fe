import { describe, expect, it } from 'vitest';
import { ConfigurationError } from '../errors';
import { memoryEngine } from '../vault/memory-engine';
import { createSharedStore } from './store';

describe('shared store keys', () => {
  it('refuses a key holding NUL, the separator of lock names, before touching the engine', async () => {
    const store = createSharedStore(memoryEngine(), {
      secret: 'store-keys-test-secret-0123456789abcdef',
    });
    const token = { accessToken: 'a', tokenType: 'Bearer', expiresAt: Date.now() + 60_000 };
    await expect(store.get('alice\u0000lock')).rejects.toBeInstanceOf(ConfigurationError);
    await expect(store.set('alice\u0000lock', token)).rejects.toBeInstanceOf(ConfigurationError);
    await expect(store.delete('alice\u0000lock')).rejects.toBeInstanceOf(ConfigurationError);
    await store.set('alice:lock', token); // any other character is a key like any other
    await expect(store.get('alice:lock')).resolves.toEqual(token);
  });
});
