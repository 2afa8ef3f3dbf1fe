/**
 * `@grantkit/edge/cloudflare`: Cloudflare glue. Workers KV for sessions and Partner tokens, a
 * Durable Object that serialises a session's refreshes across every isolate, and a Durable Object
 * engine (`durableObjectEngine` + `SharedEngineObject`) for the vault of `@grantkit/core/vault`.
 *
 * @example
 * ```ts
 * import { durableObjectCoordinator, kvSessionStore, sessionRefresher } from '@grantkit/edge/cloudflare';
 * export const SessionRefresher = sessionRefresher((env) => ({ adapter: appFor(env) }));
 * const auth = createAuthHandler({ adapter, secret, sessions: kvSessionStore(env.SESSIONS, { secret }), coordinator: durableObjectCoordinator(env.REFRESHER) });
 * ```
 *
 * @module
 */
export { kvSessionStore, kvTokenStorage, type KVNamespaceLike, type KVStoreOptions } from './kv';
export {
  durableObjectCoordinator,
  sessionRefresher,
  type DurableObjectNamespaceLike,
  type DurableObjectStateLike,
  type RefresherOptions,
  type SessionRefresherClass,
} from './durable-object';
export {
  durableObjectEngine,
  SharedEngineObject,
  type EngineStorageLike,
  type SharedEngineObjectClass,
} from './engine';
