/**
 * `@grantkit/core/redis`: token sets in Redis, shared by every process, sealed at rest, renewed once
 * per expiry across all of them (a lock with an owner token, compare-and-swap writes, Lua scripts).
 * Takes the client you created with the official `redis` package (node-redis 5; an optional peer,
 * never bundled: grantkit only calls `get`, `eval` and `evalSha` on it).
 *
 * @example
 * ```ts
 * import { createClient } from 'redis';
 * import { createTokenClient, firstDollarPartner } from '@grantkit/core';
 * import { redisShared } from '@grantkit/core/redis';
 * const redis = await createClient({ url: process.env.REDIS_URL, disableOfflineQueue: true }).on('error', () => {}).connect();
 * const shared = redisShared(redis, { secret: process.env.TOKEN_SECRET! });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 *
 * @module
 */
import { ConfigurationError } from '../errors';
import type { TokenStorage } from '../storage';
import type { SharedEngine } from '../shared/engine';
import { checkOptions } from '../options';
import {
  createSharedStore,
  sharedStoreRules,
  type SharedStore,
  type SharedStoreOptions,
} from '../shared/store';

/**
 * The part of a node-redis client grantkit uses (declared here: no dependency on the `redis`
 * package's types; a `createClient()` result fits).
 *
 * @example
 * ```ts
 * const client: RedisClientLike = await createClient({ url: process.env.REDIS_URL }).connect();
 * ```
 */
export interface RedisClientLike {
  get(key: string): Promise<unknown>;
  eval(script: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
  evalSha(sha1: string, options: { keys: string[]; arguments: string[] }): Promise<unknown>;
}

// KEYS[1] the entry; ARGV: expected value ('' = absent), new value, ttl ms ('' = none).
const SWAP = `local cur = redis.call('GET', KEYS[1])
if (ARGV[1] == '' and cur == false) or cur == ARGV[1] then
  if ARGV[3] == '' then redis.call('SET', KEYS[1], ARGV[2]) else redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3]) end
  return 1
end
return 0`;
const WRITE = `if ARGV[2] == '' then redis.call('SET', KEYS[1], ARGV[1]) else redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2]) end
return 1`;
const REMOVE = `redis.call('DEL', KEYS[1])
return 1`;
const LOCK = `if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return 1 end
return 0`;
const EXTEND = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end
return 0`;
const UNLOCK = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`;

const hex = (buffer: ArrayBuffer) =>
  Array.from(new Uint8Array(buffer), (b) => b.toString(16).padStart(2, '0')).join('');
const ms = (value: number | undefined) =>
  value === undefined ? '' : String(Math.max(1, Math.ceil(value)));

/**
 * A {@link SharedEngine} on a node-redis client: entries are Redis strings (the version is the value
 * itself, compared inside Lua), locks are `SET NX PX` with an owner token, extended and released
 * only by their owner (Lua compare-and-expire / compare-and-delete). Scripts run by `EVALSHA`,
 * loaded with `EVAL` on first use or after a `SCRIPT FLUSH`. Each script touches one key, so it
 * works on Redis Cluster too.
 *
 * @example
 * ```ts
 * const engine = redisEngine(redis);
 * const shared = createSharedStore(engine, { secret: process.env.TOKEN_SECRET! });
 * ```
 */
export function redisEngine(client: RedisClientLike): SharedEngine {
  if (
    typeof client?.get !== 'function' ||
    typeof client.eval !== 'function' ||
    typeof client.evalSha !== 'function'
  ) {
    throw new ConfigurationError(
      'redisEngine needs a node-redis client (createClient() from the `redis` package)',
    );
  }
  const shas = new Map<string, Promise<string>>();
  const sha = (script: string) => {
    let hash = shas.get(script);
    if (!hash)
      shas.set(
        script,
        (hash = crypto.subtle.digest('SHA-1', new TextEncoder().encode(script)).then(hex)),
      );
    return hash;
  };
  const run = async (script: string, key: string, args: string[]): Promise<unknown> => {
    const options = { keys: [key], arguments: args };
    try {
      return await client.evalSha(await sha(script), options);
    } catch (error) {
      if (!/NOSCRIPT/.test(String((error as Error | undefined)?.message))) throw error;
      return client.eval(script, options);
    }
  };
  return {
    async read(key) {
      const value = await client.get(key);
      return typeof value === 'string' ? { value, version: value } : undefined;
    },
    async write(key, value, ttlMs) {
      await run(WRITE, key, [value, ms(ttlMs)]);
    },
    swap: async (key, version, value, ttlMs) =>
      (await run(SWAP, key, [version ?? '', value, ms(ttlMs)])) === 1,
    async remove(key) {
      await run(REMOVE, key, []);
    },
    lock: async (key, owner, ttlMs) => (await run(LOCK, key, [owner, ms(ttlMs)])) === 1,
    extend: async (key, owner, ttlMs) => (await run(EXTEND, key, [owner, ms(ttlMs)])) === 1,
    unlock: async (key, owner) => (await run(UNLOCK, key, [owner])) === 1,
  };
}

/** A shared store on Redis, its options checked in the name of `factory`. */
function shared(
  factory: string,
  client: RedisClientLike,
  options: SharedStoreOptions,
): SharedStore {
  checkOptions(factory, options, sharedStoreRules);
  return createSharedStore(redisEngine(client), options);
}

/**
 * A {@link SharedStore} on Redis: `storage` (a core `TokenStorage`), `options()` for
 * `createTokenClient` (storage + a `renew` that refreshes once across every process), and the
 * renewal the edge's `redisCoordinator` uses.
 *
 * @example
 * ```ts
 * const shared = redisShared(redis, { secret: process.env.TOKEN_SECRET!, prefix: 'myapp:' });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 */
export function redisShared(client: RedisClientLike, options: SharedStoreOptions): SharedStore {
  return shared('redisShared', client, options);
}

/**
 * A core `TokenStorage` on Redis, sealed: for a token client that only needs the storage (without
 * the shared renewal of {@link redisShared}).
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter, key: 'fd:partner:acme', storage: redisTokenStorage(redis, { secret: process.env.TOKEN_SECRET! }) });
 * ```
 */
export function redisTokenStorage(
  client: RedisClientLike,
  options: SharedStoreOptions,
): TokenStorage {
  return shared('redisTokenStorage', client, options).storage;
}

export type { SharedEngine, SharedStore, SharedStoreOptions };
