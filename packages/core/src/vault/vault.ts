import {
  ConfigurationError,
  ConsentRequiredError,
  GrantkitError,
  ReauthorizationRequiredError,
  isGrantkitError,
  type GrantkitErrorCode,
} from '../errors';
import type { RevokeResult } from '../revoke';
import type { SharedEngine } from '../shared/engine';
import { createSealer } from '../shared/seal';
import {
  createSharedStore,
  sharedStoreRules,
  vendorRefresh,
  type SharedStoreOptions,
} from '../shared/store';
import { checkOptions, optionRules, type OptionRule } from '../options';
import { memoryStorage, type TokenStorage } from '../storage';
import {
  createTokenClient,
  tokenClientRules,
  type TokenClient,
  type TokenClientOptions,
} from '../token-client';
import type { TokenSet } from '../token-set';

const DAY = 86_400_000;

/**
 * The health of a connection: `active` (renews normally), `refresh_failing` (the last renewal
 * failed for a reason that may pass: it is retried after a cooldown), `needs_reauthorization` (the
 * user must authorize again; the vault makes no vendor call for it until `put` files new tokens).
 *
 * @example
 * ```ts
 * const broken = await vault.list({ state: 'needs_reauthorization' satisfies ConnectionState });
 * ```
 */
export type ConnectionState = 'active' | 'refresh_failing' | 'needs_reauthorization';

/**
 * Why a connection needs re-authorization: the user revoked consent (First Dollar's 401), the
 * refresh token expired (Orange Logic after 30 days unused) or was refused (`invalid_grant`), or
 * renewals kept failing for `failingDays`.
 *
 * @example
 * ```ts
 * if (connection.reason === ('consent_revoked' satisfies ReauthorizationReason)) await emailUser(connection.id);
 * ```
 */
export type ReauthorizationReason =
  'consent_revoked' | 'refresh_token_expired' | 'refresh_refused' | 'refresh_failing';

/**
 * What the vault knows about one connection, token-free: safe to log, list and show.
 * Times are ms since epoch.
 *
 * @example
 * ```ts
 * const c: Connection | undefined = await vault.get('user_42');
 * if (c?.state === 'refresh_failing') console.log(c.failure?.errorCode, new Date(c.failure!.nextAttemptAt));
 * ```
 */
export interface Connection {
  /** The app's id of the connection (its own user id). */
  id: string;
  state: ConnectionState;
  /** Set when `state` is `needs_reauthorization`. */
  reason?: ReauthorizationReason;
  /** Where to send the user to consent again, when the vendor said (First Dollar). */
  consentUrl?: string;
  /** Set when `state` is `refresh_failing` (and kept, for the record, when failures ended it). */
  failure?: {
    attempts: number;
    errorCode: GrantkitErrorCode;
    since: number;
    nextAttemptAt: number;
  };
  createdAt: number;
  /** When tokens were last filed by `put` (a login). */
  authorizedAt: number;
  /** When a vault client last read the connection's tokens (to a minute). */
  lastUsed?: number;
  /** When the vault last renewed the tokens at the vendor. */
  lastRefreshed?: number;
  /** When the access token expires. */
  accessExpiresAt?: number;
  /** When the refresh token expires, when the adapter or the vendor says (absent: unknown or never). */
  refreshExpiresAt?: number;
}

/**
 * One state change of a connection, sent to {@link VaultOptions.onEvent} by the process that made
 * it, once across every process (the change is a compare-and-swap). Never holds a token.
 *
 * @example
 * ```ts
 * const onEvent = (event: VaultEvent) => {
 *   if (event.to === 'needs_reauthorization') queueEmail(event.id, `Reconnect (${event.reason})`);
 * };
 * ```
 */
export type VaultEvent = {
  type: 'connection_state';
  id: string;
  /** When, ms since epoch. */
  at: number;
  /** The state before (`undefined`: the connection is new). */
  from: ConnectionState | undefined;
} & (
  | { to: 'active' }
  | { to: 'refresh_failing'; attempts: number; errorCode: GrantkitErrorCode; nextAttemptAt: number }
  | { to: 'needs_reauthorization'; reason: ReauthorizationReason; errorCode?: GrantkitErrorCode }
  | { to: 'deleted'; revocation: RevokeResult['status'] }
);

/**
 * Options of {@link createVault}: the adapter and HTTP options of its token clients, the shared
 * engine and secret of its store, and its health policy.
 *
 * @example
 * ```ts
 * const vault = createVault({ engine: redisEngine(redis), secret: process.env.TOKEN_SECRET!, adapter, failingDays: 3 });
 * ```
 */
export interface VaultOptions
  extends
    Omit<TokenClientOptions, 'storage' | 'key' | 'renew' | 'onTokens' | 'signal'>,
    Omit<SharedStoreOptions, 'prefix'> {
  /** Where connections live: `redisEngine(redis)`, `denoKvEngine(kv)`, `durableObjectEngine(env.VAULT)` (`@grantkit/edge/cloudflare`), `memoryEngine()` or your own. */
  engine: SharedEngine;
  /** Prefix of every key the vault writes; give each vault (adapter, tenant) its own. @default `grantkit:vault:${adapter.id}:` */
  prefix?: string;
  /** First wait after a failed renewal, seconds; doubles per failure up to `maxCooldown`. @default 300 */
  cooldown?: number;
  /** Longest wait between two renewal attempts of a failing connection, seconds. @default 21600 (6 h) */
  maxCooldown?: number;
  /** Days of failing renewals after which a connection needs re-authorization and is left alone. @default 3 */
  failingDays?: number;
  /** Called once per state change (see {@link VaultEvent}); a throwing listener is ignored. */
  onEvent?: (event: VaultEvent) => void;
}

/**
 * Options of {@link Vault.keepAlive}.
 *
 * @example
 * ```ts
 * const report = await vault.keepAlive({ window: 7 * 86400, concurrency: 8, jitter: 200 } satisfies KeepAliveOptions);
 * ```
 */
export interface KeepAliveOptions {
  /** Renew a connection whose refresh token expires within this many seconds. @default 604800 (7 days) */
  window?: number;
  /** Renewals at once. @default 4 */
  concurrency?: number;
  /** Random wait before each renewal, up to this many ms (spreads the vendor's load). @default 100 */
  jitter?: number;
  /** Stops the run between renewals (the one in flight finishes). */
  signal?: AbortSignal;
}

/**
 * What one {@link Vault.keepAlive} run did.
 *
 * @example
 * ```ts
 * const { ran, renewed, failed } = await vault.keepAlive();
 * ```
 */
export interface KeepAliveReport {
  /** `false`: another process was running a keep-alive of this vault; this call did nothing. */
  ran: boolean;
  /** Connections looked at. */
  checked: number;
  /** Connections renewed at the vendor. */
  renewed: number;
  /** Renewals that failed (the connection is `refresh_failing` or `needs_reauthorization` now). */
  failed: number;
  /** Connections that moved to `needs_reauthorization` in this run. */
  needsReauthorization: number;
  /** Duration of the run, ms. */
  durationMs: number;
}

/**
 * Long-lived connections of one adapter, keyed by the app's own ids, on a shared engine: sealed at
 * rest, renewed once across every process, with health as data and a keep-alive.
 *
 * @example
 * ```ts
 * await vault.put('user_42', tokens);                       // at the OAuth callback
 * const gql = createGraphQLClient({ tokenClient: vault.client('user_42'), endpoint }); // in a nightly job
 * ```
 */
export interface Vault {
  /**
   * Files tokens for a connection (a first login, or a later one of the same user: same id, same
   * connection). The connection becomes `active`, whatever it was.
   */
  put(id: string, tokens: TokenSet): Promise<void>;
  /**
   * A token client for the connection, usable from any process at any time: `fetch`,
   * `getAccessToken`, `createGraphQLClient({ tokenClient })`. A renewal runs once across every process;
   * one of a connection that needs re-authorization fails at once (no vendor call), as does one of a
   * failing connection inside its cooldown. `exchangeCode` on it files the new tokens as `put` does.
   */
  client(id: string): TokenClient;
  /** The connection's health, or `undefined` when there is none. */
  get(id: string): Promise<Connection | undefined>;
  /** Every connection (or those in `state`), sorted by id. */
  list(filter?: { state?: ConnectionState }): Promise<Connection[]>;
  /**
   * Deletes the connection: revokes its newest tokens at the vendor where the adapter can, and
   * forgets them. A renewal racing the delete cannot bring it back. Resolves what the vendor confirmed.
   */
  delete(id: string): Promise<RevokeResult>;
  /**
   * Renews every connection whose refresh token would lapse within `window` (bounded concurrency,
   * jitter), retries failing connections past their cooldown, marks expired ones. One run at a time
   * across processes: a call while another runs resolves `{ ran: false }`.
   */
  keepAlive(options?: KeepAliveOptions): Promise<KeepAliveReport>;
}

/** What is sealed under a connection's health key. */
interface Meta {
  state: ConnectionState;
  createdAt: number;
  authorizedAt: number;
  reason?: ReauthorizationReason;
  consentUrl?: string;
  failure?: {
    attempts: number;
    errorCode: GrantkitErrorCode;
    since: number;
    nextAttemptAt: number;
  };
  lastUsed?: number;
  lastRefreshed?: number;
  accessExpiresAt?: number;
  refreshExpiresAt?: number;
}

const ID = /^[\x21-\x7e]{1,200}$/;
const checkId = (id: string) => {
  if (typeof id !== 'string' || !ID.test(id))
    throw new ConfigurationError('A connection id is 1 to 200 visible ASCII characters');
};

const isTokenSet = (value: unknown): value is TokenSet =>
  typeof (value as TokenSet | null)?.accessToken === 'string' &&
  typeof (value as TokenSet).expiresAt === 'number';

/** Thrown inside the locked callback of a delete, to stop the renewal after capturing the newest set. */
const DELETING = Symbol('deleting');
/** A gate's refusal under the refresh lock, kept apart from a vendor's (see `renewConnection`). */
class Gated {
  constructor(readonly error: unknown) {}
}

const {
  storage: _s,
  key: _k,
  renew: _r,
  onTokens: _o,
  signal: _sig,
  ...clientRules
} = tokenClientRules;
const { prefix: _p, ...storeRules } = sharedStoreRules;
const positive = optionRules.positive('seconds');
/** What each option of {@link createVault} may hold: its token clients', its store's, and its own. */
const vaultRules = {
  ...clientRules,
  ...storeRules,
  engine: optionRules.where(
    (v) =>
      ['read', 'swap', 'lock'].every(
        (m) => typeof (v as Record<string, unknown> | null)?.[m] === 'function',
      ),
    'a SharedEngine (redisEngine, denoKvEngine, durableObjectEngine, memoryEngine…)',
    { required: true },
  ),
  prefix: optionRules.string(),
  cooldown: positive,
  maxCooldown: positive,
  failingDays: optionRules.positive('days'),
  onEvent: optionRules.function(),
} satisfies Record<keyof VaultOptions, OptionRule>;

/**
 * Creates a {@link Vault} on a shared engine. Tokens live in a shared store of the same engine
 * (sealed with `secret`, one renewal per connection across processes by its fenced lock); each
 * connection's health is a sealed record beside them, changed by compare-and-swap so each state
 * change is reported once; an index lists the ids.
 *
 * @example
 * ```ts
 * import { orangeLogic } from '@grantkit/core';
 * import { redisEngine } from '@grantkit/core/redis';
 * import { createVault } from '@grantkit/core/vault';
 * const vault = createVault({
 *   engine: redisEngine(redis), secret: process.env.TOKEN_SECRET!,
 *   adapter: orangeLogic({ siteUrl, clientId, clientSecret, redirectUri }),
 *   onEvent: (e) => { if (e.to === 'needs_reauthorization') remindUser(e.id, e.reason); },
 * });
 * await vault.put(userId, tokens);
 * const res = await vault.client(userId).fetch(`${siteUrl}/webapi/objectmanagement/...`);
 * ```
 */
export function createVault(options: VaultOptions): Vault {
  checkOptions('createVault', options, vaultRules);
  const { engine, adapter } = options;
  if (
    typeof engine?.read !== 'function' ||
    typeof engine.swap !== 'function' ||
    typeof engine.lock !== 'function'
  ) {
    throw new ConfigurationError(
      'createVault needs a SharedEngine (redisEngine, denoKvEngine, durableObjectEngine, memoryEngine…)',
    );
  }
  if (typeof adapter?.buildRequest !== 'function')
    throw new ConfigurationError('createVault needs an adapter');
  const prefix = options.prefix ?? `grantkit:vault:${adapter.id}:`;
  const now = options.now ?? Date.now;
  const cooldown = (options.cooldown ?? 300) * 1000;
  const maxCooldown = (options.maxCooldown ?? 21_600) * 1000;
  const failingFor = (options.failingDays ?? 3) * DAY;
  if (!(cooldown > 0) || !(maxCooldown >= cooldown) || !(failingFor > 0)) {
    throw new ConfigurationError(
      'cooldown must be positive, maxCooldown at least cooldown, failingDays positive',
    );
  }
  const sharedOptions: SharedStoreOptions = { secret: options.secret, prefix: `${prefix}t:` };
  for (const k of ['storeTimeout', 'lockTtl', 'waitTimeout', 'clockSkew'] as const)
    if (options[k] !== undefined) sharedOptions[k] = options[k];
  if (options.telemetry) sharedOptions.telemetry = options.telemetry;
  const shared = createSharedStore(engine, sharedOptions);
  const sealer = createSealer(options.secret);
  const {
    engine: _e,
    secret: _s,
    prefix: _p,
    cooldown: _c,
    maxCooldown: _m,
    failingDays: _f,
    onEvent: _o,
    storeTimeout: _st,
    lockTtl: _l,
    waitTimeout: _w,
    ...clientOptions
  } = options;
  const vendor = vendorRefresh(clientOptions);
  const metaKey = (id: string) => `${prefix}m:${id}`;
  const indexKey = `${prefix}index`;
  const runKey = `${prefix}keepalive`;
  const timeout = options.storeTimeout ?? 2000;

  /** One engine call, bounded like the shared store's: a failure is `store_unavailable`. */
  const guard = async <T>(call: () => Promise<T>): Promise<T> => {
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      return await Promise.race([
        call(),
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () =>
              reject(
                new GrantkitError('store_unavailable', 'The vault store did not answer in time'),
              ),
            timeout,
          );
        }),
      ]);
    } catch (error) {
      throw isGrantkitError(error, 'store_unavailable')
        ? error
        : new GrantkitError('store_unavailable', 'The vault store failed', { cause: error });
    } finally {
      clearTimeout(timer);
    }
  };

  const emit = (event: VaultEvent) => {
    try {
      options.onEvent?.(event);
    } catch {
      // A listener's failure is the listener's.
    }
  };

  const readMeta = async (
    id: string,
  ): Promise<{ meta: Meta | undefined; version: string | undefined }> => {
    const raw = await guard(() => engine.read(metaKey(id)));
    if (!raw) return { meta: undefined, version: undefined };
    const meta = (await sealer.open(metaKey(id), raw.value)) as Meta | undefined;
    return { meta: typeof meta?.state === 'string' ? meta : undefined, version: raw.version };
  };

  /**
   * Changes a connection's record by compare-and-swap (bounded retries), and reports a state change
   * only from the write that made it. `change` sees the current record (`undefined`: none) and
   * returns the next one, or `undefined` to leave it. `create`: whether a missing record may be
   * created (only `put` may: a renewal never brings a deleted connection back).
   */
  const update = async (
    id: string,
    change: (meta: Meta | undefined) => Meta | undefined,
    event?: (next: Meta, previous: Meta | undefined) => VaultEvent | undefined,
    create = false,
  ): Promise<Meta | undefined> => {
    for (let attempt = 0; attempt < 8; attempt++) {
      const { meta, version } = await readMeta(id);
      if (!meta && !create) return undefined;
      const next = change(meta);
      if (!next) return meta;
      const value = await sealer.seal(metaKey(id), next);
      if (await guard(() => engine.swap(metaKey(id), version, value, undefined))) {
        const e = next.state !== meta?.state ? event?.(next, meta) : undefined;
        if (e) emit(e);
        return next;
      }
      await new Promise((r) => setTimeout(r, 5 + Math.random() * 20 * (attempt + 1)));
    }
    throw new GrantkitError(
      'store_unavailable',
      'The connection record kept changing under concurrent writes',
    );
  };

  const readIndex = async (): Promise<{ ids: string[]; version: string | undefined }> => {
    const raw = await guard(() => engine.read(indexKey));
    if (!raw) return { ids: [], version: undefined };
    const ids = await sealer.open(indexKey, raw.value);
    return { ids: Array.isArray(ids) ? (ids as string[]) : [], version: raw.version };
  };

  const changeIndex = async (id: string, add: boolean) => {
    // Bounded: every process adding at once converges in a few rounds.
    for (let attempt = 0; attempt < 50; attempt++) {
      const { ids, version } = await readIndex();
      const has = ids.includes(id);
      if (has === add) return;
      const next = add ? [...ids, id].sort() : ids.filter((x) => x !== id);
      if (
        await guard(async () =>
          engine.swap(indexKey, version, await sealer.seal(indexKey, next), undefined),
        )
      )
        return;
      await new Promise((r) => setTimeout(r, 2 + Math.random() * 10 * Math.min(attempt + 1, 10)));
    }
    throw new GrantkitError(
      'store_unavailable',
      'The connection index kept changing under concurrent writes',
    );
  };

  const toConnection = (id: string, meta: Meta): Connection => {
    const c: Connection = { id, ...meta };
    // Derived: a refresh token past its expiry needs re-authorization even before anyone tried it.
    if (
      meta.state !== 'needs_reauthorization' &&
      meta.refreshExpiresAt !== undefined &&
      meta.refreshExpiresAt <= now()
    ) {
      c.state = 'needs_reauthorization';
      c.reason = 'refresh_token_expired';
    }
    return c;
  };

  const reauthorize = (
    id: string,
    reason: ReauthorizationReason,
    extra: { errorCode?: GrantkitErrorCode; consentUrl?: string } = {},
  ) =>
    update(
      id,
      (meta) => {
        if (!meta || meta.state === 'needs_reauthorization') return undefined;
        const next: Meta = { ...meta, state: 'needs_reauthorization', reason };
        if (extra.consentUrl !== undefined) next.consentUrl = extra.consentUrl;
        return next;
      },
      (_next, previous) => ({
        type: 'connection_state',
        id,
        at: now(),
        from: previous?.state,
        to: 'needs_reauthorization',
        reason,
        ...(extra.errorCode && { errorCode: extra.errorCode }),
      }),
    );

  /** The typed error a connection that needs re-authorization fails with. */
  const blockedError = (meta: Meta): GrantkitError =>
    meta.reason === 'consent_revoked' && meta.consentUrl !== undefined
      ? new ConsentRequiredError(meta.consentUrl, { error: 'invalid_grant' })
      : new ReauthorizationRequiredError(
          meta.reason === 'consent_revoked'
            ? 'the user revoked consent'
            : meta.reason === 'refresh_token_expired'
              ? 'the refresh token has expired'
              : meta.reason === 'refresh_failing'
                ? 'renewals kept failing'
                : 'the refresh token was refused',
        );

  /** Throws when the connection may not call the vendor now: gone, needs re-authorization, cooling down. */
  const gate = async (id: string, meta: Meta | undefined) => {
    if (!meta)
      throw new ReauthorizationRequiredError(
        'the connection does not exist (deleted, or never filed)',
      );
    if (meta.state === 'needs_reauthorization') throw blockedError(meta);
    if (meta.refreshExpiresAt !== undefined && meta.refreshExpiresAt <= now()) {
      const next = await reauthorize(id, 'refresh_token_expired');
      throw blockedError(next ?? { ...meta, reason: 'refresh_token_expired' });
    }
    if (meta.state === 'refresh_failing' && meta.failure && now() < meta.failure.nextAttemptAt) {
      throw new GrantkitError(
        meta.failure.errorCode,
        `The connection's renewal failed; it is cooling down until ${new Date(meta.failure.nextAttemptAt).toISOString()}`,
      );
    }
  };

  const recordFailure = async (id: string, error: unknown) => {
    if (isGrantkitError(error, 'aborted')) return; // the caller's choice, not the connection's health
    const code: GrantkitErrorCode = isGrantkitError(error) ? error.code : 'invalid_response';
    if (code === 'consent_required') {
      const url = (error as { consentUrl?: unknown }).consentUrl;
      await reauthorize(id, 'consent_revoked', {
        errorCode: code,
        ...(typeof url === 'string' && { consentUrl: url }),
      });
      return;
    }
    if (
      code === 'reauthorization_required' ||
      (code === 'oauth_error' && (error as { error?: string }).error === 'invalid_grant')
    ) {
      await reauthorize(id, 'refresh_refused', { errorCode: code });
      return;
    }
    const at = now();
    let exhausted = false;
    await update(
      id,
      (meta) => {
        if (!meta || meta.state === 'needs_reauthorization') return undefined;
        const attempts = (meta.state === 'refresh_failing' ? (meta.failure?.attempts ?? 0) : 0) + 1;
        const since = meta.state === 'refresh_failing' ? (meta.failure?.since ?? at) : at;
        const wait = Math.min(cooldown * 2 ** Math.min(attempts - 1, 30), maxCooldown);
        const failure = { attempts, errorCode: code, since, nextAttemptAt: at + wait };
        exhausted = at - since >= failingFor;
        return exhausted
          ? { ...meta, state: 'needs_reauthorization', reason: 'refresh_failing', failure }
          : { ...meta, state: 'refresh_failing', failure };
      },
      (next, previous) =>
        next.state === 'needs_reauthorization'
          ? {
              type: 'connection_state',
              id,
              at,
              from: previous?.state,
              to: 'needs_reauthorization',
              reason: 'refresh_failing',
              errorCode: code,
            }
          : {
              type: 'connection_state',
              id,
              at,
              from: previous?.state,
              to: 'refresh_failing',
              attempts: next.failure!.attempts,
              errorCode: code,
              nextAttemptAt: next.failure!.nextAttemptAt,
            },
    );
  };

  const recordSuccess = (id: string, tokens: TokenSet) =>
    update(
      id,
      (meta) => {
        if (!meta) return undefined;
        const { reason: _r, failure: _f, consentUrl: _c, refreshExpiresAt: _x, ...rest } = meta;
        const next: Meta = {
          ...rest,
          state: 'active',
          lastRefreshed: now(),
          accessExpiresAt: tokens.expiresAt,
        };
        if (tokens.refreshExpiresAt !== undefined) next.refreshExpiresAt = tokens.refreshExpiresAt;
        return next;
      },
      (_next, previous) => ({
        type: 'connection_state',
        id,
        at: now(),
        from: previous?.state,
        to: 'active',
      }),
    );

  /**
   * Renews a connection once across every process. The gate is checked before the lock (no lock
   * traffic for a blocked connection) and again under it, so two processes past one cooldown still
   * make a single vendor call; the outcome is recorded before the lock is released.
   */
  const renewConnection = async (
    id: string,
    base: TokenSet | undefined,
    signal?: AbortSignal,
  ): Promise<TokenSet> => {
    await gate(id, (await readMeta(id)).meta);
    return shared
      .renew(
        id,
        base,
        async (from, vendorSignal) => {
          // The gate's refusal is not the vendor's: carried past the shared store, which would end
          // the entry (and drop its tokens) on a refusal, so a delete in progress still finds them.
          await gate(id, (await readMeta(id)).meta).catch((error: unknown) => {
            throw new Gated(error);
          });
          let fresh: TokenSet;
          try {
            fresh = await vendor(from, vendorSignal);
          } catch (error) {
            await recordFailure(id, error).catch(() => {});
            throw error;
          }
          await recordSuccess(id, fresh);
          return fresh;
        },
        signal ? { missing: 'end', signal } : { missing: 'end' },
      )
      .catch((error: unknown) => {
        throw error instanceof Gated ? error.error : error;
      });
  };

  const put = async (id: string, tokens: TokenSet) => {
    checkId(id);
    if (!isTokenSet(tokens))
      throw new ConfigurationError('vault.put needs a TokenSet (accessToken, expiresAt)');
    const stored = await shared.get(id);
    // A new login replaces whatever is stored, even a set that claims a later expiry.
    if (stored && stored.expiresAt > tokens.expiresAt) await shared.delete(id);
    await shared.set(id, tokens);
    const at = now();
    await update(
      id,
      (meta) => {
        const next: Meta = {
          state: 'active',
          createdAt: meta?.createdAt ?? at,
          authorizedAt: at,
          accessExpiresAt: tokens.expiresAt,
        };
        if (meta?.lastUsed !== undefined) next.lastUsed = meta.lastUsed;
        if (meta?.lastRefreshed !== undefined) next.lastRefreshed = meta.lastRefreshed;
        if (tokens.refreshExpiresAt !== undefined) next.refreshExpiresAt = tokens.refreshExpiresAt;
        return next;
      },
      (_next, previous) => ({
        type: 'connection_state',
        id,
        at,
        from: previous?.state,
        to: 'active',
      }),
      true,
    );
    await changeIndex(id, true);
  };

  const client = (id: string): TokenClient => {
    checkId(id);
    // Sets the vault's renewal returned: already written by compare-and-swap, never written again
    // (a second write after a delete would bring the connection back).
    const renewed = new WeakSet<TokenSet>();
    const storage: TokenStorage = {
      async get() {
        const { meta } = await readMeta(id);
        if (!meta || meta.state === 'needs_reauthorization') return undefined; // the renewal then fails typed, offline
        const at = now();
        if (meta.lastUsed === undefined || at - meta.lastUsed >= 60_000) {
          await update(id, (m) => (m ? { ...m, lastUsed: at } : undefined)).catch(() => {});
        }
        return shared.get(id);
      },
      async set(_key, tokens) {
        if (!renewed.has(tokens)) await put(id, tokens); // exchangeCode / setTokenSet: a login
      },
      async delete() {
        // `clear()` on a vault client forgets its memory only; `vault.delete(id)` ends the connection.
      },
    };
    return createTokenClient({
      ...clientOptions,
      key: id,
      storage,
      renew: async (tokens, signal) => {
        const fresh = await renewConnection(id, tokens, signal);
        renewed.add(fresh);
        return fresh;
      },
    });
  };

  const get = async (id: string) => {
    checkId(id);
    const { meta } = await readMeta(id);
    return meta && toConnection(id, meta);
  };

  const list: Vault['list'] = async (filter = {}) => {
    const { ids } = await readIndex();
    const out: Connection[] = [];
    for (let i = 0; i < ids.length; i += 32) {
      const batch = await Promise.all(
        ids.slice(i, i + 32).map(async (id) => ({ id, meta: (await readMeta(id)).meta })),
      );
      for (const { id, meta } of batch) if (meta) out.push(toConnection(id, meta));
    }
    return filter.state === undefined ? out : out.filter((c) => c.state === filter.state);
  };

  const remove = async (id: string): Promise<RevokeResult> => {
    checkId(id);
    const { meta } = await readMeta(id);
    // The record first: from here no renewal of this connection passes its gate.
    await guard(() => engine.remove(metaKey(id)));
    // Then, under the connection's refresh lock, the newest token set is captured and deleted:
    // a renewal that held the lock has stored its set (captured here), one that comes after finds nothing.
    let newest: TokenSet | undefined;
    let base = await shared.get(id);
    for (let round = 0; round < 3 && base; round++) {
      try {
        base = await shared.renew(
          id,
          base,
          async (from) => {
            newest = from;
            await shared.delete(id);
            throw DELETING;
          },
          { missing: 'end' },
        );
      } catch (error) {
        if (
          error !== DELETING &&
          !isGrantkitError(error, 'reauthorization_required') &&
          !isGrantkitError(error, 'consent_required')
        )
          throw error;
        base = undefined;
      }
    }
    await shared.delete(id);
    await changeIndex(id, false);
    let result: RevokeResult = { status: 'none', revoked: [] };
    if (newest) {
      const revoker = createTokenClient({ ...clientOptions, storage: memoryStorage() });
      await revoker.setTokenSet(newest);
      result = await revoker.revoke();
    }
    if (meta)
      emit({
        type: 'connection_state',
        id,
        at: now(),
        from: meta.state,
        to: 'deleted',
        revocation: result.status,
      });
    return result;
  };

  const keepAlive = async (opts: KeepAliveOptions = {}): Promise<KeepAliveReport> => {
    const started = Date.now();
    const window = (opts.window ?? 7 * 86_400) * 1000;
    const concurrency = Math.max(1, Math.floor(opts.concurrency ?? 4));
    const jitter = Math.max(0, opts.jitter ?? 100);
    const report: KeepAliveReport = {
      ran: false,
      checked: 0,
      renewed: 0,
      failed: 0,
      needsReauthorization: 0,
      durationMs: 0,
    };
    const owner = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
      b.toString(16).padStart(2, '0'),
    ).join('');
    const lockTtl = Math.max(options.lockTtl ?? 5000, 5000);
    if (!(await guard(() => engine.lock(runKey, owner, lockTtl))))
      return { ...report, durationMs: Date.now() - started };
    report.ran = true;
    const heartbeat = setInterval(
      () => void guard(() => engine.extend(runKey, owner, lockTtl)).catch(() => {}),
      Math.floor(lockTtl / 3),
    );
    try {
      const { ids } = await readIndex();
      let next = 0;
      const one = async (id: string) => {
        const { meta } = await readMeta(id);
        if (!meta) return;
        report.checked++;
        if (meta.state === 'needs_reauthorization') return; // left alone until the user authorizes again
        const at = now();
        if (meta.refreshExpiresAt !== undefined && meta.refreshExpiresAt <= at) {
          if ((await reauthorize(id, 'refresh_token_expired'))?.state === 'needs_reauthorization')
            report.needsReauthorization++;
          return;
        }
        if (meta.state === 'refresh_failing') {
          if (meta.failure && at < meta.failure.nextAttemptAt) return;
        } else if (meta.refreshExpiresAt === undefined || meta.refreshExpiresAt - at > window)
          return;
        if (jitter > 0) await new Promise((r) => setTimeout(r, Math.random() * jitter));
        const base = await shared.get(id);
        try {
          const fresh = await renewConnection(id, base);
          if (fresh.accessToken !== base?.accessToken) report.renewed++;
        } catch {
          report.failed++;
          if ((await readMeta(id)).meta?.state === 'needs_reauthorization')
            report.needsReauthorization++;
        }
      };
      const worker = async () => {
        while (next < ids.length && !opts.signal?.aborted) await one(ids[next++]!);
      };
      await Promise.all(Array.from({ length: Math.min(concurrency, ids.length) }, worker));
    } finally {
      clearInterval(heartbeat);
      await guard(() => engine.unlock(runKey, owner)).catch(() => false);
    }
    report.durationMs = Date.now() - started;
    return report;
  };

  return { put, client, get, list, delete: remove, keepAlive };
}
