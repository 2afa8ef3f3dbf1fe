import { checkOptions, type OptionRule, type TokenSet, type TokenStorage } from '@grantkit/core';
import { createSealer, SEALED_PREFIX, sharedStoreRules, type Sealer } from '@grantkit/core/shared';
import type { SessionStore } from '../store';

/**
 * The subset of a Workers KV namespace grantkit uses (declared here, so no platform types are needed).
 *
 * @example
 * ```ts
 * const storage = kvTokenStorage(env.TOKENS, { secret: env.TOKEN_SECRET });
 * ```
 */
export interface KVNamespaceLike {
  get(key: string): Promise<string | null>;
  put(key: string, value: string, options?: { expirationTtl?: number }): Promise<void>;
  delete(key: string): Promise<void>;
}

/**
 * Options of {@link kvSessionStore} and {@link kvTokenStorage}.
 *
 * @example
 * ```ts
 * const sessions = kvSessionStore(env.SESSIONS, { secret: [env.SESSION_SECRET, env.OLD_SESSION_SECRET] });
 * ```
 */
export interface KVStoreOptions {
  /**
   * Secret(s) of at least 32 bytes sealing every value at rest (AES-GCM, keys derived by HKDF, the
   * KV key as additional data); the first seals, all open (rotation). The handler's `secret` will do:
   * the store derives keys of its own from it. Required: a dump of the namespace never holds a token.
   * Values written unsealed by grantkit 0.1 are still read, and sealed at their next write.
   */
  secret: string | readonly string[];
}

// KV refuses an expirationTtl under 60 seconds: the one place that minimum lives.
const ttl = (seconds: number) => ({ expirationTtl: Math.max(60, Math.ceil(seconds)) });

const isTokenSet = (value: unknown): value is TokenSet =>
  typeof (value as TokenSet | null)?.accessToken === 'string' &&
  typeof (value as TokenSet).expiresAt === 'number';

/** What each option of {@link KVStoreOptions} may hold (with `prefix` for the session store). */
const RULES = /* @__PURE__ */ (() => ({
  secret: {
    ...sharedStoreRules.secret,
    allowed: `${sharedStoreRules.secret.allowed}: values are sealed at rest (the handler's secret will do)`,
  },
}))() satisfies Record<keyof KVStoreOptions, OptionRule>;
const SESSION_RULES = /* @__PURE__ */ (() => ({ ...RULES, prefix: sharedStoreRules.prefix }))();

function codec(
  options: KVStoreOptions,
  factory: string,
  rules: Readonly<Record<string, OptionRule>> = RULES,
) {
  // No options at all: say what is missing, as for `{}`.
  checkOptions(factory, options ?? {}, rules);
  const sealer: Sealer = createSealer(options.secret);
  return {
    async read(kv: KVNamespaceLike, key: string): Promise<TokenSet | undefined> {
      const text = await kv.get(key);
      if (!text) return undefined;
      try {
        // Sealed values open only with the secret; an unsealed (legacy) value is plain JSON.
        const value = text.startsWith(SEALED_PREFIX)
          ? ((await sealer.open(key, text)) as { t?: unknown } | undefined)?.t
          : JSON.parse(text);
        return isTokenSet(value) ? value : undefined;
      } catch {
        return undefined;
      }
    },
    write: (key: string, tokens: TokenSet): Promise<string> => sealer.seal(key, { t: tokens }),
  };
}

/**
 * A {@link TokenStorage} on Workers KV, sealed at rest with `secret`. Entries expire with the refresh
 * token (or the access token when there is none). KV is eventually consistent: isolates may each
 * renew once; that is bounded, not a storm.
 *
 * @example
 * ```ts
 * const partner = createPartnerClient({ adapter, storage: kvTokenStorage(env.TOKENS, { secret: env.TOKEN_SECRET }) });
 * ```
 */
export function kvTokenStorage(kv: KVNamespaceLike, options: KVStoreOptions): TokenStorage {
  const { read, write } = codec(options, 'kvTokenStorage');
  return {
    get: (key) => read(kv, key),
    async set(key, value) {
      const until = value.refreshExpiresAt ?? (value.refreshToken ? undefined : value.expiresAt);
      await kv.put(
        key,
        await write(key, value),
        until === undefined ? undefined : ttl((until - Date.now()) / 1000),
      );
    },
    delete: (key) => kv.delete(key),
  };
}

/**
 * A `SessionStore` on Workers KV, sealed at rest with `secret`: sessions under `prefix + sessionId`,
 * expiring with the session. KV is eventually consistent (a write may take up to 60 s to reach other
 * locations) and takes about one write per second per key; the handler writes a session only when its
 * tokens change. Pair it with `durableObjectCoordinator` so that many isolates cause one refresh per
 * session.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret: env.SESSION_SECRET, sessions: kvSessionStore(env.SESSIONS, { secret: env.SESSION_SECRET }) });
 * ```
 */
export function kvSessionStore(
  kv: KVNamespaceLike,
  options: KVStoreOptions & { prefix?: string },
): SessionStore {
  const { read, write } = codec(options, 'kvSessionStore', SESSION_RULES);
  const prefix = options.prefix ?? 'grantkit:session:';
  return {
    get: (sid) => read(kv, prefix + sid),
    set: async (sid, tokens, seconds) =>
      kv.put(prefix + sid, await write(prefix + sid, tokens), ttl(seconds)),
    delete: (sid) => kv.delete(prefix + sid),
  };
}
