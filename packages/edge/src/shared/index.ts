import { tokenClientRules, type OptionRule, type TokenClientOptions } from '@grantkit/core';
import { sharedStoreRules, vendorRefresh, type SharedStore } from '@grantkit/core/shared';
import type { RefreshCoordinator, SessionStore } from '../store';

/** Where sessions live in a shared store unless told otherwise. */
export const SESSION_PREFIX = 'grantkit:session:';

/**
 * What a coordinator on a shared store needs to renew a session: the flow (with its client secret)
 * and the usual token-call options. Storage is the shared store's own.
 *
 * @example
 * ```ts
 * const coordinator = sharedCoordinator(createSharedStore(engine, { secret }), { adapter: firstDollarApp({ appId, clientId, clientSecret }), timeout: 5000 });
 * ```
 */
export type SharedCoordinatorOptions = Omit<
  TokenClientOptions,
  'storage' | 'key' | 'renew' | 'signal' | 'onTokens'
> & {
  /** Key prefix of the sessions; the same as the session store's. @default 'grantkit:session:' */
  prefix?: string;
};

/**
 * What each option of a session store on a shared store may hold (`redisSessionStore`,
 * `denoKvSessionStore`: the shared store's, `prefix` being the sessions').
 */
export const SESSION_STORE_RULES: Readonly<Record<string, OptionRule>> = sharedStoreRules;

/** What each option of a coordinator on a shared store may hold: the session store's and {@link SharedCoordinatorOptions}. */
export const COORDINATOR_RULES = /* @__PURE__ */ (() => {
  const { storage: _s, key: _k, renew: _r, signal: _g, onTokens: _t, ...client } = tokenClientRules;
  return { ...sharedStoreRules, ...client } satisfies Record<
    keyof SharedCoordinatorOptions,
    OptionRule
  >;
})();

/**
 * A `SessionStore` on any shared store of `@grantkit/core/shared` (Redis, Deno KV, your engine):
 * sealed token sets under `prefix + sessionId`, expiring with the session. A write never replaces a
 * newer set.
 *
 * @example
 * ```ts
 * const sessions = sharedSessionStore(createSharedStore(engine, { secret: env.SESSION_SECRET }));
 * ```
 */
export function sharedSessionStore(
  store: SharedStore,
  options: { prefix?: string } = {},
): SessionStore {
  const prefix = options.prefix ?? SESSION_PREFIX;
  return {
    get: (sid) => store.get(prefix + sid),
    set: (sid, tokens, ttlSeconds) => store.set(prefix + sid, tokens, ttlSeconds),
    delete: (sid) => store.delete(prefix + sid),
  };
}

/**
 * A `RefreshCoordinator` on any shared store of `@grantkit/core/shared`: a session's renewal takes
 * the session's lock, adopts a set another process stored, and otherwise refreshes once and writes
 * the new set by compare-and-swap into the session store itself (`stored: true`). A refusal of a
 * refresh token another process had already rotated is a lost race, answered with the newer set.
 * A store failure rejects as `store_unavailable` and deletes nothing.
 *
 * @example
 * ```ts
 * const coordinator = sharedCoordinator(createSharedStore(engine, { secret: env.SESSION_SECRET }), { adapter });
 * ```
 */
export function sharedCoordinator(
  store: SharedStore,
  options: SharedCoordinatorOptions,
): RefreshCoordinator {
  const { prefix = SESSION_PREFIX, ...clientOptions } = options;
  const refresh = vendorRefresh(clientOptions);
  return {
    async renew(sid, tokens, signal) {
      const renewed = await store.renew(
        prefix + sid,
        tokens,
        refresh,
        signal ? { missing: 'end', signal } : { missing: 'end' },
      );
      return { tokens: renewed, stored: true };
    },
    forget: (sid) => store.delete(prefix + sid),
  };
}
