import type { TokenSet, TokenStorage } from '@grantkit/core';
import type { SessionStore } from '../store';

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

// KV refuses an expirationTtl under 60 seconds.
const ttl = (seconds: number) => ({ expirationTtl: Math.max(60, Math.ceil(seconds)) });

async function readTokens(kv: KVNamespaceLike, key: string): Promise<TokenSet | undefined> {
  const text = await kv.get(key);
  if (!text) return undefined;
  try {
    const value = JSON.parse(text) as TokenSet | null;
    return typeof value?.accessToken === 'string' && typeof value.expiresAt === 'number' ? value : undefined;
  } catch {
    return undefined;
  }
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
    get: (key) => readTokens(kv, key),
    async set(key, value) {
      const until = value.refreshExpiresAt ?? (value.refreshToken ? undefined : value.expiresAt);
      await kv.put(key, JSON.stringify(value), until === undefined ? undefined : ttl((until - Date.now()) / 1000));
    },
    delete: (key) => kv.delete(key),
  };
}

/**
 * A `SessionStore` on Workers KV: sessions under `prefix + sessionId`, expiring with the session.
 * KV is eventually consistent (a write may take up to 60 s to reach other locations) and takes about
 * one write per second per key; the handler writes a session only when its tokens change. Pair it with
 * `durableObjectCoordinator` so that many isolates cause one refresh per session.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret: env.SESSION_SECRET, sessions: kvSessionStore(env.SESSIONS) });
 * ```
 */
export function kvSessionStore(kv: KVNamespaceLike, options: { prefix?: string } = {}): SessionStore {
  const prefix = options.prefix ?? 'grantkit:session:';
  return {
    get: (sid) => readTokens(kv, prefix + sid),
    set: (sid, tokens, seconds) => kv.put(prefix + sid, JSON.stringify(tokens), ttl(seconds)),
    delete: (sid) => kv.delete(prefix + sid),
  };
}
