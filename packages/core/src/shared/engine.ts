/**
 * What a distributed engine must offer grantkit's shared stores: a few atomic operations on string
 * values, nothing else. `@grantkit/core/redis` implements it on node-redis (Lua scripts); an engine of
 * your own (Valkey, Postgres, etcd…) implements the same eight calls.
 *
 * Every value is already sealed when it reaches the engine: the engine never sees a token.
 *
 * @example
 * ```ts
 * const engine: SharedEngine = redisEngine(redis);
 * const shared = createSharedStore(engine, { secret: process.env.TOKEN_SECRET! });
 * ```
 */
export interface SharedEngine {
  /** The value under `key` and an opaque version of it (changes on every write), or `undefined`. */
  read(key: string): Promise<{ value: string; version: string } | undefined>;
  /** Writes `value` unconditionally, expiring after `ttlMs` (none when `undefined`). */
  write(key: string, value: string, ttlMs: number | undefined): Promise<void>;
  /**
   * Writes `value` only if the entry's version is still `version` (`undefined`: only if there is no
   * entry), atomically. Resolves whether it wrote.
   */
  swap(
    key: string,
    version: string | undefined,
    value: string,
    ttlMs: number | undefined,
  ): Promise<boolean>;
  /** Deletes the entry. */
  remove(key: string): Promise<void>;
  /** Takes the lock `key` for `owner` when nobody holds it, for `ttlMs`. Resolves whether it did. */
  lock(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Extends the lock to `ttlMs` from now, only if `owner` still holds it (atomically). */
  extend(key: string, owner: string, ttlMs: number): Promise<boolean>;
  /** Releases the lock, only if `owner` still holds it (compare-and-delete, atomically). */
  unlock(key: string, owner: string): Promise<boolean>;
}
