import type { KyInstance } from 'ky';
import type { Adapter, Grant, TokenRequest, TokenTypeHint } from './adapter';
import { authorizedFetch } from './authorized-fetch';
import { ConfigurationError, GrantkitError, ReauthorizationRequiredError } from './errors';
import {
  createHttp,
  sendRequest,
  sendTokenRequest,
  toTransportError,
  unbound,
  type HttpOptions,
} from './http';
import { adoptable, isFatal, isValidFor, refreshUsable, renewalBase } from './renewal';
import { revoke, type RevokeResult } from './revoke';
import { memoryStorage, type TokenStorage } from './storage';
import { checkOptions, optionRules as r, type OptionRule } from './options';
import { FN, has, MS, SECONDS, STR } from './adapters/shared';
import type { CallTrace, Telemetry } from './telemetry';
import type { TokenSet } from './token-set';

/**
 * Options of {@link createTokenClient}.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter: firstDollarPartner({ clientId, clientSecret }), timeout: 5000 });
 * ```
 */
export interface TokenClientOptions extends HttpOptions {
  /** The vendor flow. */
  adapter: Adapter;
  /** Where the token set lives. @default memoryStorage() */
  storage?: TokenStorage;
  /**
   * Storage key. Clients sharing a `storage` share the token set stored under one key, and adopt it
   * when it is newer: give each credential (tenant, environment, client) its own key, or two of them
   * use each other's tokens. (`createPartnerClient` of `@grantkit/edge` derives one per credential.)
   * @default `grantkit:${adapter.id}`
   */
  key?: string;
  /** The clock, ms since epoch (tests pass a fake one). @default Date.now */
  now?: () => number;
  /** Treat a token this many seconds before its expiry as expired (clock skew). @default 5 */
  clockSkew?: number;
  /** Default signal for every token call (e.g. a request's signal). */
  signal?: AbortSignal;
  /** Called with every new token set, after it is stored. */
  onTokens?: (tokens: TokenSet) => void;
  /** Called with every failed renewal or exchange. */
  onAuthFailed?: (error: Error) => void;
  /**
   * Instrumentation: {@link eventTelemetry} reports every token and revocation call (grant type,
   * status, error code, attempts, duration), each renewal (and how many calls shared it), a fallback
   * grant and a revocation as typed events, e.g. to a logger; `otelTelemetry()` of
   * `@grantkit/core/otel` as OpenTelemetry spans and metrics. Never a token, code or secret. A cached
   * token served as is reports nothing. (An object, not an `onEvent` function: so the event-building
   * code is bundled only by the apps that use it.)
   *
   * @example
   * ```ts
   * const client = createTokenClient({ adapter, telemetry: eventTelemetry((e) => console.log(JSON.stringify(e))) });
   * ```
   */
  telemetry?: Telemetry;
  /**
   * Delegates renewal: called (single flight) instead of the vendor's token endpoint with the token
   * set to renew (the one this client holds, or a newer one found in `storage`), it must resolve a
   * newer one. For a coordinator that serialises refreshes across processes, such as the Durable
   * Object of `@grantkit/edge/cloudflare`. `signal` is the client's `signal` option, if any.
   *
   * @example
   * ```ts
   * const client = createTokenClient({ adapter, renew: (tokens) => coordinator.renew(sessionId, tokens) });
   * ```
   */
  renew?: (tokens: TokenSet | undefined, signal?: AbortSignal) => Promise<TokenSet>;
}

/**
 * A token lifecycle for one credential: cache, proactive refresh, single flight, rotation safety,
 * and an authorized `fetch`.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter: firstDollarPartner({ clientId, clientSecret }) });
 * const res = await client.fetch('https://api.dev.firstdollar.com/graphql', {
 *   method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: 'query { ping }' }),
 * });
 * ```
 */
export interface TokenClient {
  /** The adapter this client runs. */
  readonly adapter: Adapter;
  /**
   * A valid access token: the cached one at once; inside the refresh window the cached one while a
   * single background renewal runs; past expiry, the result of one shared renewal.
   */
  getAccessToken(options?: { signal?: AbortSignal }): Promise<string>;
  /** The current token set, renewed as {@link TokenClient.getAccessToken} would. */
  getTokenSet(options?: { signal?: AbortSignal }): Promise<TokenSet>;
  /** Exchanges an authorization code, stores and returns the token set. */
  exchangeCode(
    code: string,
    options?: { codeVerifier?: string; redirectUri?: string; signal?: AbortSignal },
  ): Promise<TokenSet>;
  /** Renews now (shared with any renewal in flight). */
  refresh(options?: { signal?: AbortSignal }): Promise<TokenSet>;
  /**
   * Renews only if `rejectedToken` is still the current token (a 401 on it); otherwise returns the
   * current token set, so a 401 on an already-replaced token causes no second refresh.
   */
  renewAfterRejection(rejectedToken: string, options?: { signal?: AbortSignal }): Promise<TokenSet>;
  /** Stores a token set obtained elsewhere (a restored session). */
  setTokenSet(tokens: TokenSet): Promise<void>;
  /** Forgets the token set (memory and storage). */
  clear(): Promise<void>;
  /**
   * Logs out: revokes the refresh token, then the access token, at the vendor where the adapter can
   * (RFC 7009), and forgets the token set as {@link TokenClient.clear} does. The local tokens are
   * forgotten even when the vendor refuses or cannot be reached: a revocation failure never keeps
   * a session alive. It resolves a {@link RevokeResult} saying what the vendor confirmed; it
   * rejects only when the storage itself fails.
   */
  revoke(options?: { signal?: AbortSignal }): Promise<RevokeResult>;
  /** The `Authorization` header value for a token, in the adapter's scheme. */
  authorization(token: string): string;
  /** `fetch` with the token attached; on 401, renews once (single flight) and retries once. */
  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response>;
  /** A ky instance on the authorized fetch. */
  readonly ky: KyInstance;
}

function abortable<T>(promise: Promise<T>, signal?: AbortSignal): Promise<T> {
  if (!signal) return promise;
  if (signal.aborted) return Promise.reject(toTransportError(signal.reason, signal));
  return new Promise<T>((resolve, reject) => {
    const onAbort = () => reject(toTransportError(signal.reason, signal));
    signal.addEventListener('abort', onAbort, { once: true });
    promise.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}

const MS0: OptionRule = /* @__PURE__ */ r.positive('milliseconds', { zero: true });

/**
 * What each option of {@link createTokenClient} may hold, for factories that take these options too
 * (`createPartnerClient`, the coordinators of `@grantkit/edge`): check them with {@link checkOptions}.
 *
 * @example
 * ```ts
 * checkOptions('myTokenClientFactory', options, tokenClientRules);
 * ```
 */
export const tokenClientRules: Readonly<Record<keyof TokenClientOptions, OptionRule>> = {
  adapter: /* @__PURE__ */ r.where(
    has('buildRequest', 'parseResponse'),
    'an adapter (firstDollarPartner, oauth2…)',
    { required: true },
  ),
  storage: /* @__PURE__ */ r.where(
    has('get', 'set', 'delete'),
    'a TokenStorage (get, set, delete)',
  ),
  key: STR,
  now: FN,
  clockSkew: SECONDS,
  signal: /* @__PURE__ */ r.where(has('addEventListener'), 'an AbortSignal'),
  onTokens: FN,
  onAuthFailed: FN,
  telemetry: /* @__PURE__ */ r.where(
    has('call', 'renewal', 'fallback', 'revocation'),
    'a Telemetry (eventTelemetry(…) or otelTelemetry())',
  ),
  renew: FN,
  fetch: FN,
  timeout: MS,
  retry: /* @__PURE__ */ r.object({
    limit: /* @__PURE__ */ r.positive('retries', { integer: true, zero: true }),
    maxRetryAfter: MS0,
    backoffLimit: MS0,
  }),
};

/**
 * Creates a {@link TokenClient}. Every option is checked (a misspelled one too): a
 * `ConfigurationError` names the option and what it may hold.
 *
 * @example
 * ```ts
 * import { createTokenClient, firstOrionV1 } from '@grantkit/core';
 * const client = createTokenClient({ adapter: firstOrionV1({ apiKey, secretKey }), onAuthFailed: console.warn });
 * const token = await client.getAccessToken();
 * ```
 */
export function createTokenClient(options: TokenClientOptions): TokenClient {
  checkOptions('createTokenClient', options, tokenClientRules);
  const { adapter } = options;
  const storage = options.storage ?? memoryStorage();
  const key = options.key ?? `grantkit:${adapter.id}`;
  const now = options.now ?? Date.now;
  const skew = (options.clockSkew ?? 5) * 1000;
  const windowMs = adapter.refreshWindow * 1000;
  const http = createHttp(options);
  const baseFetch = unbound(options.fetch);

  let current: TokenSet | undefined;
  let loaded = false;
  let loading: Promise<TokenSet | undefined> | undefined;
  let inflight: Promise<TokenSet> | undefined;
  let retryAfter = 0; // no background renewal before this time (ms) after one failed
  let kyInstance: KyInstance | undefined;
  let callers = 0; // calls sharing the renewal in flight
  const on = options.telemetry;

  const notify = <T>(hook: ((value: T) => void) | undefined, value: T) => {
    try {
      hook?.(value);
    } catch {
      // A hook's failure is the hook's; it never breaks the token lifecycle.
    }
  };

  const signalOf = (signal?: AbortSignal) => signal ?? options.signal;

  const load = (): Promise<TokenSet | undefined> =>
    (loading ??= (async () => {
      const stored = await storage.get(key);
      if (!loaded) {
        current = stored ?? undefined;
        loaded = true;
      }
      return current;
    })().finally(() => {
      loading = undefined;
    }));

  const store = async (tokens: TokenSet) => {
    current = tokens;
    loaded = true;
    retryAfter = 0;
    await storage.set(key, tokens);
    notify(options.onTokens, tokens);
    return tokens;
  };

  const traced = <T>(
    request: TokenRequest,
    call: (trace?: CallTrace) => Promise<T>,
    grant?: Grant['type'],
    hint?: TokenTypeHint,
  ): Promise<T> => (on ? on.call(adapter.id, request, call, grant, hint) : call());

  const run = async (
    grant: Grant,
    previous: TokenSet | undefined,
    signal?: AbortSignal,
  ): Promise<TokenSet> => {
    const request = adapter.buildRequest(grant);
    const call = async (trace?: CallTrace) =>
      adapter.parseResponse(
        await sendTokenRequest(http, request, signalOf(signal), trace),
        grant,
        now(),
        previous,
      );
    return store(await traced(request, call, grant.type));
  };

  const renew = async (): Promise<TokenSet> => {
    const held = current;
    // Another instance sharing the storage may have renewed (and rotated the refresh token) already,
    // or a request in this process stored a set while this one read the storage.
    const stored = await storage.get(key);
    const base = renewalBase(held, current, stored); // `current` read after the await, on purpose
    if (base && adoptable(base, held, now(), windowMs)) {
      current = base;
      return base;
    }
    if (options.renew) return store(await options.renew(base, signalOf()));
    if (refreshUsable(base, now())) {
      try {
        return await run({ type: 'refresh_token', refreshToken: base.refreshToken }, base);
      } catch (error) {
        if (!adapter.grant || isFatal(error)) throw error;
        on?.fallback(adapter.id, adapter.grant.type, error);
      }
    }
    if (adapter.grant) return run(adapter.grant, base);
    throw new ReauthorizationRequiredError(
      base?.refreshToken === undefined
        ? 'there is no refresh token'
        : 'the refresh token has expired',
    );
  };

  // One renewal serves every caller; a caller's own signal only stops that caller's wait.
  const shared = (signal?: AbortSignal): Promise<TokenSet> => {
    callers++;
    return abortable(
      (inflight ??= (on ? on.renewal(adapter.id, renew, () => callers) : renew())
        .catch((error: unknown) => {
          retryAfter = now() + adapter.retryInterval * 1000;
          notify(
            options.onAuthFailed,
            error instanceof Error
              ? error
              : new GrantkitError('invalid_response', 'Renewal failed'),
          );
          throw error;
        })
        .finally(() => {
          inflight = undefined;
          callers = 0;
        })),
      signal,
    );
  };

  const getTokenSet = async (opts: { signal?: AbortSignal } = {}): Promise<TokenSet> => {
    const tokens = loaded ? current : await load();
    if (tokens) {
      const t = now();
      if (isValidFor(tokens, t, windowMs)) return tokens;
      if (isValidFor(tokens, t, skew)) {
        // Inside the refresh window: keep serving the valid token; renew once in the background.
        if (!inflight && t >= retryAfter) shared().catch(() => {});
        return tokens;
      }
    }
    return shared(opts.signal);
  };

  const authorization = (token: string) =>
    adapter.authScheme === 'raw' ? token : `Bearer ${token}`;

  const client: TokenClient = {
    adapter,
    async getAccessToken(opts) {
      // Hot path: a valid cached token, no await on anything else.
      if (current && isValidFor(current, now(), windowMs)) return current.accessToken;
      return (await getTokenSet(opts)).accessToken;
    },
    getTokenSet,
    async exchangeCode(code, opts = {}) {
      // A client_credentials-only adapter would otherwise run its own grant and ignore the code.
      if (!('authorizationUrl' in adapter))
        throw new ConfigurationError(
          `exchangeCode: the ${adapter.id} adapter has no authorization-code flow`,
        );
      if (typeof code !== 'string' || code === '')
        throw new ConfigurationError('An authorization code is required');
      const grant: Grant = { type: 'authorization_code', code };
      if (opts.codeVerifier !== undefined) grant.codeVerifier = opts.codeVerifier;
      if (opts.redirectUri !== undefined) grant.redirectUri = opts.redirectUri;
      try {
        return await run(grant, undefined, opts.signal);
      } catch (error) {
        notify(options.onAuthFailed, error as Error);
        throw error;
      }
    },
    refresh: (opts = {}) => shared(opts.signal),
    async renewAfterRejection(rejectedToken, opts = {}) {
      if (inflight) return (callers++, abortable(inflight, opts.signal));
      const tokens = loaded ? current : await load();
      if (tokens && tokens.accessToken !== rejectedToken) return tokens;
      return shared(opts.signal);
    },
    async setTokenSet(tokens) {
      await store(tokens);
    },
    async clear() {
      current = undefined;
      loaded = true;
      await storage.delete(key);
    },
    async revoke(opts = {}) {
      // Let a renewal in flight land first, so the newest refresh token is the one revoked.
      if (inflight) await inflight.catch(() => {});
      const held = [loaded ? current : await load(), await storage.get(key)];
      const result = await revoke(client, held, now(), (request, hint) =>
        traced(
          request,
          (trace) => sendRequest(http, request, signalOf(opts.signal), trace),
          undefined,
          hint,
        ),
      );
      on?.revocation(adapter.id, result.status, result.error);
      return result;
    },
    authorization,
    fetch: (input, init) => authorizedFetch(client, baseFetch, input, init),
    get ky() {
      return (kyInstance ??= http.extend({
        fetch: client.fetch,
        retry: 0,
        timeout: options.timeout ?? 10_000,
      }));
    },
  };
  // Not enumerable (defineProperties' default): spreading or logging the client shows no internals.
  Object.defineProperties(client, {
    toJSON: { value: () => ({ adapter: adapter.id, key }) },
    toString: { value: () => `TokenClient(${adapter.id})` },
  });
  return client;
}
