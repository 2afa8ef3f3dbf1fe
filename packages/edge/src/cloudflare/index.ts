/**
 * `@grantkit/edge/cloudflare`: Cloudflare glue. Workers KV for sessions and Partner tokens, and a
 * Durable Object that serialises a session's refreshes across every isolate.
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
