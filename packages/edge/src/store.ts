import { checkOptions, optionRules, type TokenSet } from '@grantkit/core';

/**
 * Where the edge keeps sessions server-side. With a store, the session cookie holds only an
 * encrypted session id; the tokens never leave the server, not even encrypted. Implementations:
 * {@link memorySessionStore} (one process) and `kvSessionStore` of `@grantkit/edge/cloudflare`.
 *
 * @example
 * ```ts
 * const store: SessionStore = {
 *   get: async (sid) => JSON.parse((await redis.get(`s:${sid}`)) ?? 'null') ?? undefined,
 *   set: (sid, tokens, ttl) => redis.set(`s:${sid}`, JSON.stringify(tokens), { EX: ttl }),
 *   delete: (sid) => redis.del(`s:${sid}`),
 * };
 * ```
 */
export interface SessionStore {
  /** The tokens of a session, or `undefined` when it is unknown or expired. */
  get(sid: string): Promise<TokenSet | undefined>;
  /** Stores the tokens of a session for `ttlSeconds`. */
  set(sid: string, tokens: TokenSet, ttlSeconds: number): Promise<void>;
  /** Forgets a session (logout, consent revoked). */
  delete(sid: string): Promise<void>;
}

/**
 * Serialises the renewals of a session across isolates and processes: however many callers ask at
 * once, from however many isolates, the vendor sees one refresh. `@grantkit/edge/cloudflare` has one
 * on a Durable Object (`durableObjectCoordinator`). Within one process the handler already has a
 * single flight per session; a coordinator is for deployments with many.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret, sessions: kvSessionStore(env.SESSIONS, { secret }), coordinator: durableObjectCoordinator(env.REFRESHER) });
 * ```
 */
export interface RefreshCoordinator {
  /**
   * Resolves a token set newer than `tokens` (the one the caller holds, expired or rejected): the
   * result of a renewal, or of one another caller already caused. `stored` says the coordinator has
   * put it in the session store itself (then the handler does not write it again). Rejects with a
   * `GrantkitError`; `reauthorization_required` once the session has ended.
   */
  renew(
    sid: string,
    tokens: TokenSet,
    signal?: AbortSignal,
  ): Promise<{ tokens: TokenSet; stored: boolean }>;
  /** Ends a session for good (at logout): no later renewal, from any isolate, may bring it back. */
  forget?(sid: string): Promise<void>;
}

/**
 * How long a session has left, seconds: `maxAge` from its login at `authTime` (ms), capped by the
 * refresh token's remaining life. Without `authTime`, the session starts `now`.
 */
export const sessionSeconds = (
  tokens: TokenSet,
  maxAge: number,
  now = Date.now(),
  authTime = now,
): number => {
  const left = maxAge - (now - authTime) / 1000;
  return tokens.refreshExpiresAt === undefined
    ? left
    : Math.min(left, (tokens.refreshExpiresAt - now) / 1000);
};

/**
 * {@link sessionSeconds} as a store TTL: whole seconds, at least 1. A store with a longer shortest TTL
 * applies its own (Workers KV: 60 s, in `kvSessionStore`).
 */
export const sessionTtl = (tokens: TokenSet, maxAge: number, authTime?: number): number =>
  Math.max(1, Math.ceil(sessionSeconds(tokens, maxAge, Date.now(), authTime)));

/**
 * Puts `value` last in `map`, dropping the oldest entry once `max` are held: the bound of every
 * per-isolate session map (by default 1000 sessions whose token client, store write or logout an
 * isolate remembers).
 */
export function remember<T>(map: Map<string, T>, key: string, value: T, max = 1000): void {
  map.delete(key);
  if (map.size >= max) map.delete(map.keys().next().value as string);
  map.set(key, value);
}

/**
 * A {@link SessionStore} in this process's memory, with expiry and a size bound (the oldest session
 * goes first). For a single Node or Deno server; sessions end with the process.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret, sessions: memorySessionStore({ maxSessions: 50_000 }) });
 * ```
 */
export function memorySessionStore(
  options: { maxSessions?: number; now?: () => number } = {},
): SessionStore {
  checkOptions('memorySessionStore', options, {
    maxSessions: optionRules.positive('sessions', { integer: true }),
    now: optionRules.function(),
  });
  const max = options.maxSessions ?? 10_000;
  const now = options.now ?? Date.now;
  const map = new Map<string, { tokens: TokenSet; until: number }>();
  return {
    async get(sid) {
      const entry = map.get(sid);
      if (entry && entry.until > now()) return entry.tokens;
      map.delete(sid); // expired (or absent)
      return undefined;
    },
    async set(sid, tokens, ttlSeconds) {
      remember(map, sid, { tokens, until: now() + ttlSeconds * 1000 }, max);
    },
    async delete(sid) {
      map.delete(sid);
    },
  };
}
