/**
 * `@grantkit/core/deno-kv`: token sets in Deno KV, shared by every process (and every Deno Deploy
 * isolate) on the same database, sealed at rest, renewed once per expiry across all of them (a lock
 * with an owner token, compare-and-swap writes, each one a `kv.atomic()` with a versionstamp check).
 * Takes the `Deno.Kv` you opened (`await Deno.openKv(path)`; `--unstable-kv` outside Deno Deploy).
 * No dependency: grantkit only calls `get` and `atomic` on it.
 *
 * @example
 * ```ts
 * import { createTokenClient, firstDollarPartner } from '@grantkit/core';
 * import { denoKvShared } from '@grantkit/core/deno-kv';
 * const kv = await Deno.openKv('./tokens.sqlite');
 * const shared = denoKvShared(kv, { secret: Deno.env.get('TOKEN_SECRET')! });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 *
 * @module
 */
import { ConfigurationError } from '../errors';
import type { SharedEngine } from '../shared/engine';
import { checkOptions, optionRules, type OptionRule } from '../options';
import {
  createSharedStore,
  sharedStoreRules,
  type SharedStore,
  type SharedStoreOptions,
} from '../shared/store';
import type { TokenStorage } from '../storage';

/**
 * One part of a Deno KV key (declared here: grantkit does not depend on Deno's types).
 *
 * @example
 * ```ts
 * const root: DenoKvKeyPart[] = ['myapp', 'tokens'];
 * ```
 */
export type DenoKvKeyPart = string | number | bigint | boolean | Uint8Array;

/**
 * The part of a `Deno.AtomicOperation` grantkit uses.
 *
 * @example
 * ```ts
 * const op: DenoKvAtomicLike = kv.atomic().check({ key: ['k'], versionstamp: null }).set(['k'], 'v');
 * ```
 */
export interface DenoKvAtomicLike {
  check(
    ...checks: { key: readonly DenoKvKeyPart[]; versionstamp: string | null }[]
  ): DenoKvAtomicLike;
  set(
    key: readonly DenoKvKeyPart[],
    value: unknown,
    options?: { expireIn?: number },
  ): DenoKvAtomicLike;
  delete(key: readonly DenoKvKeyPart[]): DenoKvAtomicLike;
  commit(): Promise<{ ok: boolean }>;
}

/**
 * The part of a `Deno.Kv` grantkit uses (declared here, structurally: a `Deno.openKv()` result fits).
 *
 * @example
 * ```ts
 * const kv: DenoKvLike = await Deno.openKv('./tokens.sqlite');
 * ```
 */
export interface DenoKvLike {
  get(key: readonly DenoKvKeyPart[]): Promise<{ value: unknown; versionstamp: string | null }>;
  atomic(): DenoKvAtomicLike;
}

/**
 * Options of {@link denoKvEngine}.
 *
 * @example
 * ```ts
 * const engine = denoKvEngine(await Deno.openKv(), { kvPrefix: ['myapp', 'grantkit'] });
 * ```
 */
export interface DenoKvEngineOptions {
  /** Key parts before grantkit's own key: entries live at `[...kvPrefix, key]`. @default ['grantkit'] */
  kvPrefix?: readonly DenoKvKeyPart[];
}

/** What a Deno KV value holds: a sealed entry or a lock owner, with its own exact end (ms). */
interface Stored {
  /** The sealed value (an entry) or the owner token (a lock). */
  v: string;
  /** End of life, epoch ms; absent: none. */
  x?: number;
}

const isStored = (value: unknown): value is Stored =>
  typeof (value as Stored | null)?.v === 'string' &&
  ((value as Stored).x === undefined || typeof (value as Stored).x === 'number');

const live = (value: unknown, now: number): value is Stored =>
  isStored(value) && (value.x === undefined || value.x > now);

/** SQLite refuses a write while another process commits: retried, bounded (12 tries, under 0.8 s in all). */
const BUSY = /database is locked|database is busy|SQLITE_BUSY/i;
const RETRIES = 12;

async function retry<T>(call: () => Promise<T>): Promise<T> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= RETRIES || !BUSY.test(String((error as Error | undefined)?.message)))
        throw error;
      const delay = Math.min(2 ** attempt, 80);
      await new Promise((resolve) => setTimeout(resolve, delay / 2 + Math.random() * delay));
    }
  }
}

const isKeyPart = (v: unknown): boolean =>
  ['string', 'number', 'bigint', 'boolean'].includes(typeof v) || v instanceof Uint8Array;

/** What each option of {@link DenoKvEngineOptions} may hold. */
const ENGINE_RULES: Readonly<Record<keyof DenoKvEngineOptions, OptionRule>> = {
  kvPrefix: optionRules.where(
    (v) => Array.isArray(v) && v.every(isKeyPart),
    'an array of Deno KV key parts (string, number, bigint, boolean, Uint8Array)',
  ),
};

/**
 * A {@link SharedEngine} on Deno KV. Entries and locks are KV values `{ v, x }` at
 * `[...kvPrefix, key]`: `v` the sealed value (or a lock's owner token), `x` its exact end in ms
 * (Deno KV's `expireIn` deletes a key only some time after it expires, so grantkit checks `x` on
 * every read and sets `expireIn` only for the cleanup). Every conditional write is one
 * `kv.atomic().check({ key, versionstamp })…commit()` on the versionstamp just read: a swap writes
 * only over the version it was given, a lock is taken only over a free or expired one, and only its
 * owner extends or deletes it. A write that meets another process's commit ("database is locked",
 * several processes on one SQLite file) is retried with a short bounded backoff; the checks stay exact.
 *
 * @example
 * ```ts
 * const kv = await Deno.openKv('./tokens.sqlite');
 * const shared = createSharedStore(denoKvEngine(kv), { secret: Deno.env.get('TOKEN_SECRET')! });
 * ```
 */
export function denoKvEngine(kv: DenoKvLike, options: DenoKvEngineOptions = {}): SharedEngine {
  checkOptions('denoKvEngine', options, ENGINE_RULES);
  if (typeof kv?.get !== 'function' || typeof kv.atomic !== 'function') {
    throw new ConfigurationError('denoKvEngine needs a Deno.Kv (await Deno.openKv())');
  }
  const root = [...(options.kvPrefix ?? ['grantkit'])];
  const keyOf = (key: string): DenoKvKeyPart[] => [...root, key];
  const get = (key: DenoKvKeyPart[]) => retry(() => kv.get(key));
  const commit = (op: () => DenoKvAtomicLike) =>
    retry(async () => (await op().commit()).ok === true);
  const stored = (v: string, ttlMs: number | undefined): [Stored, { expireIn?: number }] => {
    if (ttlMs === undefined) return [{ v }, {}];
    const ms = Math.max(1, Math.ceil(ttlMs));
    return [{ v, x: Date.now() + ms }, { expireIn: ms }];
  };
  const put = (
    key: DenoKvKeyPart[],
    versionstamp: string | null,
    v: string,
    ttlMs: number | undefined,
  ) => {
    const [value, opts] = stored(v, ttlMs);
    return commit(() => kv.atomic().check({ key, versionstamp }).set(key, value, opts));
  };

  return {
    async read(key) {
      const entry = await get(keyOf(key));
      return entry.versionstamp !== null && live(entry.value, Date.now())
        ? { value: entry.value.v, version: entry.versionstamp }
        : undefined;
    },
    async write(key, value, ttlMs) {
      const k = keyOf(key);
      const [v, opts] = stored(value, ttlMs);
      await commit(() => kv.atomic().set(k, v, opts));
    },
    async swap(key, version, value, ttlMs) {
      const k = keyOf(key);
      const entry = await get(k);
      const present = entry.versionstamp !== null && live(entry.value, Date.now());
      // `undefined`: only over no entry (an expired one not yet deleted counts as none).
      if (version === undefined ? present : !present || entry.versionstamp !== version)
        return false;
      return put(k, entry.versionstamp, value, ttlMs);
    },
    async remove(key) {
      const k = keyOf(key);
      await commit(() => kv.atomic().delete(k));
    },
    async lock(key, owner, ttlMs) {
      const k = keyOf(key);
      const entry = await get(k);
      if (entry.versionstamp !== null && live(entry.value, Date.now())) return false;
      return put(k, entry.versionstamp, owner, ttlMs);
    },
    async extend(key, owner, ttlMs) {
      const k = keyOf(key);
      const entry = await get(k);
      if (entry.versionstamp === null || !live(entry.value, Date.now()) || entry.value.v !== owner)
        return false;
      return put(k, entry.versionstamp, owner, ttlMs);
    },
    async unlock(key, owner) {
      const k = keyOf(key);
      const entry = await get(k);
      if (entry.versionstamp === null || !isStored(entry.value) || entry.value.v !== owner)
        return false;
      const held = live(entry.value, Date.now());
      const versionstamp = entry.versionstamp;
      // Deleted even when expired (nobody took it since: the versionstamp is still ours); a release
      // after the TTL reports false, as Redis does.
      return (await commit(() => kv.atomic().check({ key: k, versionstamp }).delete(k))) && held;
    },
  };
}

/**
 * Options of {@link denoKvShared}: the shared store's (secret, timeouts, lock TTL) and where its
 * keys live in the database.
 *
 * @example
 * ```ts
 * const shared = denoKvShared(await Deno.openKv(), { secret: Deno.env.get('TOKEN_SECRET')!, kvPrefix: ['myapp'], lockTtl: 5000 });
 * ```
 */
export type DenoKvSharedOptions = SharedStoreOptions & DenoKvEngineOptions;

/**
 * What each option of {@link DenoKvSharedOptions} may hold, for the factories built on it (the
 * session store and coordinator of `@grantkit/edge/deno-kv`).
 *
 * @example
 * ```ts
 * checkOptions('myDenoKvStore', options, denoKvSharedRules);
 * ```
 */
export const denoKvSharedRules: Readonly<Record<keyof DenoKvSharedOptions, OptionRule>> =
  /* @__PURE__ */ Object.assign({}, sharedStoreRules, ENGINE_RULES);

const split = (
  options: DenoKvSharedOptions,
  factory: string,
): [DenoKvEngineOptions, SharedStoreOptions] => {
  checkOptions(factory, options, denoKvSharedRules);
  const { kvPrefix, ...shared } = options;
  return [kvPrefix === undefined ? {} : { kvPrefix }, shared];
};

/**
 * A {@link SharedStore} on Deno KV: `storage` (a core `TokenStorage`), `options()` for
 * `createTokenClient` (storage + a `renew` that refreshes once across every process), and the
 * renewal the edge's `denoKvCoordinator` uses.
 *
 * @example
 * ```ts
 * const shared = denoKvShared(await Deno.openKv(), { secret: Deno.env.get('TOKEN_SECRET')! });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 */
export function denoKvShared(kv: DenoKvLike, options: DenoKvSharedOptions): SharedStore {
  return sharedOn(kv, options, 'denoKvShared');
}

function sharedOn(kv: DenoKvLike, options: DenoKvSharedOptions, factory: string): SharedStore {
  const [engine, shared] = split(options, factory);
  return createSharedStore(denoKvEngine(kv, engine), shared);
}

/**
 * A core `TokenStorage` on Deno KV, sealed: for a token client that only needs the storage (without
 * the shared renewal of {@link denoKvShared}).
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter, key: 'fd:partner:acme', storage: denoKvTokenStorage(kv, { secret: Deno.env.get('TOKEN_SECRET')! }) });
 * ```
 */
export function denoKvTokenStorage(kv: DenoKvLike, options: DenoKvSharedOptions): TokenStorage {
  return sharedOn(kv, options, 'denoKvTokenStorage').storage;
}

export type { SharedEngine, SharedStore, SharedStoreOptions };
