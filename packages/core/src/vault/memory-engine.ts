import type { SharedEngine } from '../shared/engine';

/**
 * A {@link SharedEngine} in this process's memory: the vault (or any shared store) for one process,
 * and tests. Expiry follows `Date.now()` (so a faked clock moves it); nothing is shared with another
 * process, so use `redisEngine` / `denoKvEngine` as soon as there are two.
 *
 * @example
 * ```ts
 * import { createVault, memoryEngine } from '@grantkit/core/vault';
 * const vault = createVault({ engine: memoryEngine(), secret: process.env.TOKEN_SECRET!, adapter });
 * ```
 */
export function memoryEngine(): SharedEngine {
  const map = new Map<string, { value: string; version: number; until: number | undefined }>();
  let versions = 0;
  const live = (key: string) => {
    const item = map.get(key);
    if (item && item.until !== undefined && item.until <= Date.now()) {
      map.delete(key);
      return undefined;
    }
    return item;
  };
  const put = (key: string, value: string, ttlMs: number | undefined) =>
    void map.set(key, {
      value,
      version: ++versions,
      until: ttlMs === undefined ? undefined : Date.now() + ttlMs,
    });
  return {
    async read(key) {
      const item = live(key);
      return item ? { value: item.value, version: String(item.version) } : undefined;
    },
    async write(key, value, ttlMs) {
      put(key, value, ttlMs);
    },
    async swap(key, version, value, ttlMs) {
      const item = live(key);
      if (
        (version === undefined && item) ||
        (version !== undefined && String(item?.version) !== version)
      )
        return false;
      put(key, value, ttlMs);
      return true;
    },
    async remove(key) {
      map.delete(key);
    },
    async lock(key, owner, ttlMs) {
      if (live(key)) return false;
      put(key, owner, ttlMs);
      return true;
    },
    async extend(key, owner, ttlMs) {
      if (live(key)?.value !== owner) return false;
      put(key, owner, ttlMs);
      return true;
    },
    async unlock(key, owner) {
      if (live(key)?.value !== owner) return false;
      map.delete(key);
      return true;
    },
  };
}
