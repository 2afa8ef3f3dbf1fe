/**
 * `@grantkit/edge/deno-kv`: many Deno servers (or Deno Deploy isolates), one refresh. Sessions in
 * Deno KV, sealed at rest, and a refresh coordinator with a fenced lock (versionstamp-checked atomic
 * operations), on the `Deno.Kv` you opened.
 *
 * @example
 * ```ts
 * import { createAuthHandler } from '@grantkit/edge';
 * import { denoKvCoordinator, denoKvSessionStore } from '@grantkit/edge/deno-kv';
 * const kv = await Deno.openKv('./sessions.sqlite');
 * const secret = Deno.env.get('SESSION_SECRET')!;
 * const auth = createAuthHandler({
 *   adapter, secret,
 *   sessions: denoKvSessionStore(kv, { secret }),
 *   coordinator: denoKvCoordinator(kv, { secret, adapter }),
 * });
 * Deno.serve(async (request) => (await auth(request)) ?? new Response('not found', { status: 404 }));
 * ```
 *
 * @module
 */
import {
  denoKvShared,
  denoKvSharedRules,
  type DenoKvLike,
  type DenoKvSharedOptions,
} from '@grantkit/core/deno-kv';
import { checkOptions } from '@grantkit/core';
import {
  COORDINATOR_RULES,
  sharedCoordinator,
  sharedSessionStore,
  type SharedCoordinatorOptions,
} from '../shared';
import type { RefreshCoordinator, SessionStore } from '../store';

/**
 * Options of {@link denoKvSessionStore}: the sealing secret(s) (the handler's `secret` will do: the
 * store derives its own keys), where the sessions live (`kvPrefix`, then `prefix + sessionId`) and
 * the store-call timeout (`storeTimeout`).
 *
 * @example
 * ```ts
 * const sessions = denoKvSessionStore(await Deno.openKv(), { secret: Deno.env.get('SESSION_SECRET')!, kvPrefix: ['myapp'], storeTimeout: 1000 });
 * ```
 */
export type DenoKvSessionStoreOptions = Omit<DenoKvSharedOptions, 'prefix'> & {
  /** Key prefix of the sessions (the last key part is `prefix + sessionId`). @default 'grantkit:session:' */
  prefix?: string;
};

/**
 * Options of {@link denoKvCoordinator}: the session store's (same `secret`, `kvPrefix` and
 * `prefix`), the flow, the token-call options, and the lock's timings.
 *
 * @example
 * ```ts
 * const coordinator = denoKvCoordinator(await Deno.openKv(), { secret: Deno.env.get('SESSION_SECRET')!, adapter: firstDollarApp({ appId, clientId, clientSecret }), lockTtl: 5000 });
 * ```
 */
export type DenoKvCoordinatorOptions = DenoKvSessionStoreOptions & SharedCoordinatorOptions;

/**
 * A `SessionStore` in Deno KV: each session's token set sealed (AES-GCM, keys from `secret`, the
 * key name as additional data) at `[...kvPrefix, prefix + sessionId]`, expiring with the session.
 * Store calls time out (`storeTimeout`) and fail as `store_unavailable`; nothing is deleted on a
 * failure. Pair it with {@link denoKvCoordinator} on the same database, secret and prefixes.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({ adapter, secret, sessions: denoKvSessionStore(kv, { secret }), coordinator: denoKvCoordinator(kv, { secret, adapter }) });
 * ```
 */
export function denoKvSessionStore(
  kv: DenoKvLike,
  options: DenoKvSessionStoreOptions,
): SessionStore {
  checkOptions('denoKvSessionStore', options, denoKvSharedRules);
  const { prefix, ...shared } = options;
  return sharedSessionStore(denoKvShared(kv, shared), prefix === undefined ? {} : { prefix });
}

/**
 * A `RefreshCoordinator` on Deno KV: however many processes ask at once, a session is refreshed
 * once. The first takes the session's lock (an owner token, a TTL it extends while the vendor
 * answers), re-reads the session and adopts a set another process stored; otherwise it refreshes
 * and writes the new set only if the stored one is still the versionstamp it renewed from. The
 * others wait with jittered backoff and adopt that set. A dead holder is replaced after `lockTtl`.
 *
 * @example
 * ```ts
 * const coordinator = denoKvCoordinator(kv, { secret: Deno.env.get('SESSION_SECRET')!, adapter: firstDollarApp({ appId, clientId, clientSecret }) });
 * ```
 */
export function denoKvCoordinator(
  kv: DenoKvLike,
  options: DenoKvCoordinatorOptions,
): RefreshCoordinator {
  checkOptions('denoKvCoordinator', options, { ...COORDINATOR_RULES, ...denoKvSharedRules });
  const { secret, storeTimeout, lockTtl, waitTimeout, clockSkew, prefix, kvPrefix, ...client } =
    options;
  const shared: DenoKvSharedOptions = { secret };
  if (storeTimeout !== undefined) shared.storeTimeout = storeTimeout;
  if (lockTtl !== undefined) shared.lockTtl = lockTtl;
  if (waitTimeout !== undefined) shared.waitTimeout = waitTimeout;
  if (clockSkew !== undefined) shared.clockSkew = clockSkew;
  if (kvPrefix !== undefined) shared.kvPrefix = kvPrefix;
  return sharedCoordinator(
    denoKvShared(kv, shared),
    prefix === undefined ? client : { ...client, prefix },
  );
}

export type { DenoKvLike, SharedCoordinatorOptions };
