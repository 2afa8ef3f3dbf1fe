import type { TokenSet } from './token-set';

/**
 * Where a token client keeps its {@link TokenSet}: any async key-value store (KV, IndexedDB, Redis…).
 * Methods may return plain values or promises.
 *
 * @example
 * ```ts
 * const storage: TokenStorage = {
 *   get: async (key) => JSON.parse((await env.KV.get(key)) ?? 'null') ?? undefined,
 *   set: (key, value) => env.KV.put(key, JSON.stringify(value)),
 *   delete: (key) => env.KV.delete(key),
 * };
 * ```
 */
export interface TokenStorage {
  get(key: string): Promise<TokenSet | undefined> | TokenSet | undefined;
  set(key: string, value: TokenSet): Promise<void> | void;
  delete(key: string): Promise<void> | void;
}

/**
 * An in-memory {@link TokenStorage}: the default, one per token client.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter, storage: memoryStorage() });
 * ```
 */
export function memoryStorage(): TokenStorage {
  const map = new Map<string, TokenSet>();
  return {
    get: (key) => map.get(key),
    set: (key, value) => void map.set(key, value),
    delete: (key) => void map.delete(key),
  };
}
