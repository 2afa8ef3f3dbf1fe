/**
 * `@grantkit/edge/cloudflare`: Cloudflare glue. A Workers KV {@link TokenStorage} so isolates share
 * one Partner token.
 *
 * @example
 * ```ts
 * import { kvTokenStorage } from '@grantkit/edge/cloudflare';
 * const storage = kvTokenStorage(env.TOKENS);
 * ```
 *
 * @module
 */
import type { TokenSet, TokenStorage } from '@grantkit/core';

/**
 * The subset of a Workers KV namespace grantkit uses (declared here, so no platform types are needed).
 *
 * @example
 * ```ts
 * const kv: KVNamespaceLike = env.TOKENS;
 * ```
 */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * A {@link TokenStorage} on Workers KV. Entries expire with the refresh token (or the access token when
 * there is none). KV is eventually consistent: isolates may each renew once; that is bounded, not a storm.
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({ adapter, storage: kvTokenStorage(env.TOKENS) });
 * ```
 */
export function kvTokenStorage(kv: KVNamespaceLike): TokenStorage {
  return {
    async get(key) {
      const text = await kv.get(key);
      if (!text) return undefined;
      try {
        return JSON.parse(text) as TokenSet;
      } catch {
        return undefined;
      }
    },
    async set(key, value) {
      const until = value.refreshExpiresAt ?? (value.refreshToken ? undefined : value.expiresAt);
      const ttl = until === undefined ? undefined : Math.max(60, Math.ceil((until - Date.now()) / 1000));
      await kv.put(key, JSON.stringify(value), ttl === undefined ? undefined : { expirationTtl: ttl });
    },
    delete: (key) => kv.delete(key),
  };
}
