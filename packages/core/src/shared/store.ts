import {
  ConfigurationError,
  ConsentRequiredError,
  GrantkitError,
  ReauthorizationRequiredError,
  StoreUnavailableError,
  isGrantkitError,
  type GrantkitErrorCode,
} from '../errors';
import { has, MS, SECONDS } from '../adapters/shared';
import { checkOptions, optionRules as r, type OptionRule } from '../options';
import type { TokenStorage } from '../storage';
import { memoryStorage } from '../storage';
import { createTokenClient, type TokenClientOptions } from '../token-client';
import type { Telemetry } from '../telemetry';
import type { TokenSet } from '../token-set';
import type { SharedEngine } from './engine';
import { createSealer, type Sealer } from './seal';

/**
 * Options of {@link createSharedStore}.
 *
 * @example
 * ```ts
 * const store = createSharedStore(engine, { secret: [process.env.TOKEN_SECRET!, process.env.OLD_TOKEN_SECRET!], storeTimeout: 1000 });
 * ```
 */
export interface SharedStoreOptions {
  /** Secret(s) of at least 32 bytes sealing every value; the first seals, all open (rotation). */
  secret: string | readonly string[];
  /** Prefix of every key written to the engine. @default '' */
  prefix?: string;
  /** Longest wait for one store call, ms; past it the call fails as `store_unavailable`. @default 2000 */
  storeTimeout?: number;
  /**
   * Life of a refresh lock, ms. The holder extends it every third of it while the vendor answers; a
   * holder that dies (crash, `SIGKILL`) is replaced after at most this long. @default 5000
   */
  lockTtl?: number;
  /** Longest wait for another process's renewal, ms; past it the renewal fails as `timeout`. @default 20000 */
  waitTimeout?: number;
  /** A stored set this many seconds before its expiry counts as expired (not adopted). @default 5 */
  clockSkew?: number;
  /**
   * Reports each wait for another process's refresh lock (`lock.wait`: how long, and whether the
   * renewal then took the lock, adopted what the holder stored, or gave up): `eventTelemetry(log)`
   * or `otelTelemetry()` (the `grantkit.lock.wait.duration` histogram). @default none
   *
   * @example
   * ```ts
   * redisShared(redis, { secret, telemetry: otelTelemetry() });
   * ```
   */
  telemetry?: Telemetry;
}

/**
 * What a coordinated renewal does when the store has no entry for the key: `'renew'` renews from
 * the caller's set (a Partner credential on first use), `'end'` fails as `reauthorization_required`
 * (a session that was logged out or expired).
 *
 * @example
 * ```ts
 * const missing: MissingEntry = 'end';
 * ```
 */
export type MissingEntry = 'renew' | 'end';

/**
 * Calls the vendor: renews `from` (the newest stored set, or the caller's) and resolves the new set.
 *
 * @example
 * ```ts
 * const refresh: VendorRefresh = vendorRefresh({ adapter });
 * ```
 */
export type VendorRefresh = (from: TokenSet | undefined, signal?: AbortSignal) => Promise<TokenSet>;

/**
 * Token sets kept in a {@link SharedEngine}, sealed, with a fenced refresh lock. One per engine
 * and secret; every method is safe to call from many processes at once.
 *
 * @example
 * ```ts
 * const shared = createSharedStore(redisEngine(redis), { secret: process.env.TOKEN_SECRET! });
 * const client = createTokenClient(shared.options({ adapter: firstDollarPartner({ clientId, clientSecret }), key: 'fd:partner:acme' }));
 * ```
 */
export interface SharedStore {
  /** A core {@link TokenStorage} on the engine (sealed; a write never replaces a newer set). */
  readonly storage: TokenStorage;
  /** The token set under `key`, or `undefined` (none, ended, or not sealed with these secrets). */
  get(key: string): Promise<TokenSet | undefined>;
  /**
   * Stores `tokens` under `key` for `ttlSeconds` (default: until the refresh token's expiry), unless
   * the same or a newer set (a later `expiresAt`) is stored already: an older set never replaces a newer one.
   */
  set(key: string, tokens: TokenSet, ttlSeconds?: number): Promise<void>;
  /** Deletes the entry: a renewal in flight then finds it gone and ends (`reauthorization_required`). */
  delete(key: string): Promise<void>;
  /**
   * A renewal of `key`, once across every process: takes the key's lock (waiting with bounded,
   * jittered backoff, and adopting a set another process stores meanwhile), re-reads the entry and
   * adopts it when another process already renewed `base`; otherwise calls `refresh` with the stored
   * set and writes the answer only if the entry is still the one it renewed from (compare-and-swap).
   * A refusal (`invalid_grant`, `consent_required`, `reauthorization_required`) re-reads the entry
   * first: a refresh token another process had already rotated is a lost race (the newer set is
   * adopted), never a revoked consent. A refusal of the newest stored refresh token is recorded, so
   * every waiting process gets the same typed error without asking the vendor again.
   */
  renew(
    key: string,
    base: TokenSet | undefined,
    refresh: VendorRefresh,
    options?: { missing?: MissingEntry; signal?: AbortSignal },
  ): Promise<TokenSet>;
  /**
   * Options for `createTokenClient` on this store: `storage`, `key`, and a `renew` that runs the
   * vendor refresh of `options` under the shared lock. Every process that passes the same
   * `key` shares one token set and one renewal per expiry.
   */
  options(options: TokenClientOptions & { key: string }): TokenClientOptions;
}

/** What is sealed under a key: a token set with the entry's absolute end, or the end of the entry. */
interface Entry {
  /** The tokens. */
  t?: TokenSet;
  /** When the entry ends, ms (a session's `sessionMaxAge`): renewals keep it. */
  u?: number;
  /** A refusal of the newest refresh token (code, message, consent URL): every later renewal gets it. */
  e?: { code: GrantkitErrorCode; message: string; consentUrl?: string };
}

interface Read {
  entry: Entry | undefined;
  version: string | undefined;
}

const ENDED_TTL = 10 * 60_000;
/** What no key may contain (a key holding it is refused), so no key's name is another key's lock. */
const LOCK_SEPARATOR = '\u0000';
/**
 * The engine name of the refresh lock of the entry `name`. Outside every key's namespace: a key such
 * as `alice:lock` (a vault id an app lets users choose) must not name, and so hold, `alice`'s lock.
 */
const lockNameOf = (name: string): string => `${name}${LOCK_SEPARATOR}lock`;
const MIN_DELAY = 10;
const MAX_DELAY = 250;

const isTokenSet = (value: unknown): value is TokenSet =>
  typeof (value as TokenSet | null)?.accessToken === 'string' &&
  typeof (value as TokenSet).expiresAt === 'number';

const isRefusal = (error: unknown): boolean =>
  isGrantkitError(error, 'consent_required') ||
  isGrantkitError(error, 'reauthorization_required') ||
  (isGrantkitError(error, 'oauth_error') &&
    (error as { error?: string }).error === 'invalid_grant');

const randomOwner = (): string =>
  Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
    b.toString(16).padStart(2, '0'),
  ).join('');

function abortError(signal: AbortSignal): GrantkitError {
  const reason = signal.reason as { name?: string } | undefined;
  return reason?.name === 'TimeoutError'
    ? new GrantkitError('timeout', 'The renewal did not finish in time')
    : new GrantkitError('aborted', 'The renewal was aborted');
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** The typed error a recorded refusal stands for. */
function endedError(e: NonNullable<Entry['e']>): GrantkitError {
  if (e.code === 'consent_required' && e.consentUrl !== undefined)
    return new ConsentRequiredError(e.consentUrl, { error: 'invalid_grant' });
  if (e.code === 'reauthorization_required')
    return new ReauthorizationRequiredError('the refresh token was refused');
  return new GrantkitError(e.code, e.message);
}

/** Whether `stored` replaced `base` (another process renewed), and is still valid. */
const renewedElsewhere = (
  stored: TokenSet | undefined,
  base: TokenSet | undefined,
  validUntil: number,
): stored is TokenSet =>
  stored !== undefined &&
  (base === undefined ||
    stored.accessToken !== base.accessToken ||
    stored.refreshToken !== base.refreshToken) &&
  stored.expiresAt > validUntil;

/**
 * A vendor refresh on `options` (adapter, fetch, timeout, retry…): a short-lived token client in
 * memory renews `from` as the token client would (refresh grant, then the adapter's own grant).
 *
 * @example
 * ```ts
 * const refresh = vendorRefresh({ adapter: firstDollarPartner({ clientId, clientSecret }) });
 * const tokens = await refresh(undefined); // client_credentials
 * ```
 */
export function vendorRefresh(options: TokenClientOptions): VendorRefresh {
  const {
    storage: _s,
    renew: _r,
    key: _k,
    onTokens: _t,
    onAuthFailed: _f,
    signal: _g,
    ...rest
  } = options;
  return async (from, signal) => {
    const client = createTokenClient({ ...rest, storage: memoryStorage() });
    if (from) await client.setTokenSet(from);
    return client.refresh(signal ? { signal } : {});
  };
}

const encoder: TextEncoder = new TextEncoder();
const isSecret = (v: unknown): boolean => typeof v === 'string' && encoder.encode(v).length >= 32;

/**
 * What each option of {@link SharedStoreOptions} may hold, for the factories built on a shared store
 * (`redisShared`, `denoKvShared`, the session stores and coordinators of `@grantkit/edge`).
 *
 * @example
 * ```ts
 * checkOptions('myStore', options, sharedStoreRules);
 * ```
 */
export const sharedStoreRules: Readonly<Record<keyof SharedStoreOptions, OptionRule>> = {
  secret: r.where(
    (v) => isSecret(v) || (Array.isArray(v) && v.length > 0 && v.every(isSecret)),
    'a string of at least 32 bytes, or a non-empty array of them (generate one with `openssl rand -base64 32`)',
    { required: true },
  ),
  prefix: r.where((v) => typeof v === 'string', 'a string'),
  storeTimeout: MS,
  lockTtl: r.where(
    (v) => typeof v === 'number' && v >= 100 && v < Infinity,
    'a number of milliseconds of at least 100',
  ),
  waitTimeout: MS,
  clockSkew: SECONDS,
  telemetry: /* @__PURE__ */ r.where(
    has('call', 'renewal', 'fallback', 'revocation'),
    'a Telemetry (eventTelemetry(…) or otelTelemetry())',
  ),
};

/**
 * Creates a {@link SharedStore} on an engine: the engine-agnostic half of every distributed store
 * (`@grantkit/core/redis`, `@grantkit/core/deno`), with sealing at rest, store-call timeouts and the
 * fenced refresh lock.
 *
 * @example
 * ```ts
 * import { createSharedStore } from '@grantkit/core/shared';
 * import { redisEngine } from '@grantkit/core/redis';
 * const shared = createSharedStore(redisEngine(redis), { secret: process.env.TOKEN_SECRET!, prefix: 'myapp:' });
 * ```
 */
export function createSharedStore(engine: SharedEngine, options: SharedStoreOptions): SharedStore {
  checkOptions('createSharedStore', options, sharedStoreRules);
  const sealer: Sealer = createSealer(options.secret);
  const prefix = options.prefix ?? '';
  const nameOf = (key: string) => {
    if (key.includes(LOCK_SEPARATOR))
      throw new ConfigurationError('A shared store key may not contain a NUL character');
    return prefix + key;
  };
  const timeout = options.storeTimeout ?? 2000;
  const lockTtl = options.lockTtl ?? 5000;
  const waitTimeout = options.waitTimeout ?? 20_000;
  const skew = (options.clockSkew ?? 5) * 1000;

  /** One engine call, bounded by `timeout`: any failure becomes `store_unavailable` (no key, no value in it). */
  const guard = <T>(call: () => Promise<T>): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new StoreUnavailableError('The token store did not answer in time')),
        timeout,
      );
      let pending: Promise<T>;
      try {
        pending = call();
      } catch (error) {
        pending = Promise.reject(error);
      }
      pending.then(
        (value) => {
          clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          clearTimeout(timer);
          reject(
            isGrantkitError(error, 'store_unavailable')
              ? error
              : new StoreUnavailableError('The token store failed', { cause: error }),
          );
        },
      );
    });

  const read = async (name: string): Promise<Read> => {
    const raw = await guard(() => engine.read(name));
    if (!raw) return { entry: undefined, version: undefined };
    const data = (await sealer.open(name, raw.value)) as Entry | undefined;
    const entry =
      data && (isTokenSet(data.t) || typeof data.e?.code === 'string') ? data : undefined;
    return { entry, version: raw.version };
  };

  const ttlOf = (entry: Entry): number | undefined => {
    const now = Date.now();
    const tokens = entry.t;
    let until = entry.u;
    if (entry.e) until = Math.min(until ?? Infinity, now + ENDED_TTL);
    else if (tokens) {
      const end = tokens.refreshExpiresAt ?? (tokens.refreshToken ? undefined : tokens.expiresAt);
      if (end !== undefined) until = Math.min(until ?? Infinity, end);
    }
    return until === undefined ? undefined : Math.max(1000, Math.ceil(until - now));
  };

  const swap = async (name: string, version: string | undefined, entry: Entry) => {
    const value = await sealer.seal(name, entry);
    return guard(() => engine.swap(name, version, value, ttlOf(entry)));
  };

  const set = async (key: string, tokens: TokenSet, ttlSeconds?: number) => {
    const name = nameOf(key);
    // Bounded: a conflict means another process wrote meanwhile; three in a row, and theirs stands.
    for (let attempt = 0; attempt < 3; attempt++) {
      const { entry, version } = await read(name);
      const stored = entry?.t;
      if (
        stored &&
        (stored.accessToken === tokens.accessToken || stored.expiresAt > tokens.expiresAt)
      )
        return;
      const until = ttlSeconds === undefined ? entry?.u : Date.now() + ttlSeconds * 1000;
      if (await swap(name, version, until === undefined ? { t: tokens } : { t: tokens, u: until }))
        return;
    }
  };

  const get = async (key: string) => (await read(nameOf(key))).entry?.t;
  const remove = async (key: string) => {
    const name = nameOf(key);
    return guard(() => engine.remove(name));
  };

  const renew: SharedStore['renew'] = async (key, base, refresh, opts = {}) => {
    const name = nameOf(key);
    const lockName = lockNameOf(name);
    const { signal } = opts;
    const missing = opts.missing ?? 'renew';
    const deadline = Date.now() + waitTimeout;
    // Bounded: a lost race that finds an expired newer set renews again, twice at most.
    for (let round = 0; round < 3; round++) {
      const owner = randomOwner();
      let delay = MIN_DELAY;
      let waited: number | undefined; // when this round found the lock held
      const waitEnded = (outcome: 'acquired' | 'adopted' | 'failed', error?: unknown) => {
        if (waited !== undefined) options.telemetry?.lock?.(outcome, Date.now() - waited, error);
      };
      try {
        for (;;) {
          if (signal?.aborted) throw abortError(signal);
          if (await guard(() => engine.lock(lockName, owner, lockTtl))) break;
          waited ??= Date.now();
          // Someone else renews: adopt what they store, or wait (jittered, growing, bounded) for the lock.
          const { entry } = await read(name);
          if (entry?.e) throw endedError(entry.e);
          if (renewedElsewhere(entry?.t, base, Date.now() + skew)) {
            waitEnded('adopted');
            return entry.t;
          }
          if (Date.now() + delay > deadline)
            throw new GrantkitError('timeout', 'Another process held the refresh lock too long');
          await sleep(delay / 2 + Math.random() * (delay / 2), signal);
          delay = Math.min(delay * 2, MAX_DELAY);
        }
      } catch (error) {
        waitEnded('failed', error);
        throw error;
      }
      waitEnded('acquired');
      // Held: extend while the vendor answers, so a slow answer is not mistaken for a dead holder.
      const heartbeat = setInterval(
        () => void guard(() => engine.extend(lockName, owner, lockTtl)).catch(() => {}),
        Math.max(50, Math.floor(lockTtl / 3)),
      );
      try {
        const { entry, version } = await read(name);
        if (entry?.e) throw endedError(entry.e);
        if (!entry && missing === 'end')
          throw new ReauthorizationRequiredError('the session has ended');
        if (renewedElsewhere(entry?.t, base, Date.now() + skew)) return entry.t;
        const from = entry?.t ?? base;
        let fresh: TokenSet;
        try {
          fresh = await refresh(from, signal);
        } catch (error) {
          if (!isRefusal(error)) throw error;
          // Refused: was it the newest refresh token? Another writer may have rotated it meanwhile.
          const after = await read(name);
          const now = after.entry?.t;
          if (now && now.refreshToken !== from?.refreshToken) {
            if (now.expiresAt > Date.now() + skew) return now;
            base = now;
            continue; // renew the newer set (lock released below)
          }
          if (after.version !== undefined && after.version === version && isGrantkitError(error)) {
            const e: NonNullable<Entry['e']> = { code: error.code, message: error.message };
            const url = (error as { consentUrl?: unknown }).consentUrl;
            if (typeof url === 'string') e.consentUrl = url;
            await swap(name, version, entry?.u === undefined ? { e } : { e, u: entry.u }).catch(
              () => false,
            );
          }
          throw error;
        }
        const next: Entry = entry?.u === undefined ? { t: fresh } : { t: fresh, u: entry.u };
        if (await swap(name, version, next)) return fresh;
        // The entry changed under us (a logout, or a holder we outlived): theirs stands.
        const after = await read(name);
        if (after.entry?.e) throw endedError(after.entry.e);
        if (after.entry?.t) return after.entry.t;
        if (missing === 'end')
          throw new ReauthorizationRequiredError('the session ended during the renewal');
        return fresh;
      } finally {
        clearInterval(heartbeat);
        await guard(() => engine.unlock(lockName, owner)).catch(() => false);
      }
    }
    throw new GrantkitError('timeout', 'The renewal kept racing other processes');
  };

  const storage: TokenStorage = { get, set: (key, tokens) => set(key, tokens), delete: remove };

  return {
    storage,
    get,
    set,
    delete: remove,
    renew,
    options(clientOptions) {
      const { key } = clientOptions;
      if (typeof key !== 'string' || key === '')
        throw new GrantkitError(
          'config_invalid',
          'A shared token client needs its own key (one per credential)',
        );
      const refresh = vendorRefresh(clientOptions);
      return {
        ...clientOptions,
        key,
        storage,
        renew: (tokens, signal) => renew(key, tokens, refresh, signal ? { signal } : {}),
      };
    },
  };
}
