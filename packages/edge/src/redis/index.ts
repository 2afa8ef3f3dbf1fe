/**
 * `@grantkit/edge/redis`: many Node, Deno or Bun servers, one refresh. Sessions in Redis, sealed at
 * rest, and a refresh coordinator with a fenced lock, on a client you created with the official
 * `redis` package (node-redis 5: an optional peer, never bundled).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { redisCoordinator, redisSessionStore } from '@grantkit/edge/redis';
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).on('error', () => {}).connect();
 * const secret = process.env.SESSION_SECRET!;
 * const auth = createAuthHandler({
 *   adapter, secret,
 *   sessions: redisSessionStore(redis, { secret }),
 *   coordinator: redisCoordinator(redis, { secret, adapter }),
 * });
 * ```
 *
 * @module
 */
import { redisShared, type RedisClientLike } from '@grantkit/core/redis';
import type { SharedStoreOptions } from '@grantkit/core/shared';
import { checkOptions } from '@grantkit/core';
import {
  COORDINATOR_RULES,
  SESSION_STORE_RULES,
  sharedCoordinator,
  sharedSessionStore,
  type SharedCoordinatorOptions,
} from '../shared';
import type { RefreshCoordinator, SessionStore } from '../store';

/**
 * Options of {@link redisSessionStore}: the sealing secret(s) (the handler's `secret` will do: the
 * store derives its own keys), the key prefix and the store-call timeout (`storeTimeout`).
 *
 * @example
 * ```ts
 * const sessions = redisSessionStore(redis, { secret: env.SESSION_SECRET, prefix: 'myapp:session:', storeTimeout: 1000 });
 * ```
 */
export type RedisSessionStoreOptions = Omit<SharedStoreOptions, 'prefix'> & {
  /** Key prefix of the sessions. @default 'grantkit:session:' */
  prefix?: string;
};

/**
 * Options of {@link redisCoordinator}: the session store's (same `secret` and `prefix`), the flow,
 * the token-call options, and the lock's timings.
 *
 * @example
 * ```ts
 * const coordinator = redisCoordinator(redis, { secret: env.SESSION_SECRET, adapter: firstDollarApp({ appId, clientId, clientSecret }), lockTtl: 5000 });
 * ```
 */
export type RedisCoordinatorOptions = RedisSessionStoreOptions & SharedCoordinatorOptions;

/**
 * A `SessionStore` in Redis: each session's token set sealed (AES-GCM, keys from `secret`, the key
 * name as additional data) under `prefix + sessionId`, expiring with the session. Store calls time
 * out (`storeTimeout`) and fail as `store_unavailable`; nothing is deleted on a failure. Pair it with
 * {@link redisCoordinator} on the same client, secret and prefix.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret, sessions: redisSessionStore(redis, { secret }), coordinator: redisCoordinator(redis, { secret, adapter }) });
 * ```
 */
export function redisSessionStore(
  redis: RedisClientLike,
  options: RedisSessionStoreOptions,
): SessionStore {
  checkOptions('redisSessionStore', options, SESSION_STORE_RULES);
  const { prefix, ...shared } = options;
  return sharedSessionStore(redisShared(redis, shared), prefix === undefined ? {} : { prefix });
}

/**
 * A `RefreshCoordinator` on Redis: however many processes ask at once, a session is refreshed once.
 * The first takes the session's lock (an owner token, a TTL it extends while the vendor answers),
 * re-reads the session and adopts a set another process stored; otherwise it refreshes and writes
 * the new set only if the stored one is still the one it renewed from. The others wait with jittered
 * backoff and adopt that set. A dead holder is replaced after `lockTtl`.
 *
 * @example
 * ```ts
 * const coordinator = redisCoordinator(redis, { secret: env.SESSION_SECRET, adapter: firstDollarApp({ appId, clientId, clientSecret }) });
 * ```
 */
export function redisCoordinator(
  redis: RedisClientLike,
  options: RedisCoordinatorOptions,
): RefreshCoordinator {
  checkOptions('redisCoordinator', options, COORDINATOR_RULES);
  const { secret, storeTimeout, lockTtl, waitTimeout, clockSkew, prefix, ...client } = options;
  const shared: SharedStoreOptions = { secret };
  if (storeTimeout !== undefined) shared.storeTimeout = storeTimeout;
  if (lockTtl !== undefined) shared.lockTtl = lockTtl;
  if (waitTimeout !== undefined) shared.waitTimeout = waitTimeout;
  if (clockSkew !== undefined) shared.clockSkew = clockSkew;
  return sharedCoordinator(
    redisShared(redis, shared),
    prefix === undefined ? client : { ...client, prefix },
  );
}

export type { RedisClientLike, SharedCoordinatorOptions };
