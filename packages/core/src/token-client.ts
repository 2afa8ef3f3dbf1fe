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
import type { TokenStorage } from './storage';
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
 * and an authorized `fetch`. Its methods are called on the client (`client.fetch(…)`); to hand one
 * to other code, bind it (`fetch: client.fetch.bind(client)`) or wrap it in an arrow function.
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

/** The ky instance of every client built without `fetch`, `timeout` or `retry`: one per isolate. */
let defaultHttp: KyInstance | undefined;

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
  return new Client(options);
}

/**
 * The token client. Its state is private fields and its methods live on the prototype: a client
 * costs its fields, not a closure per method (the edge builds one per session). What a cached token
 * never needs (the ky instance, the fetch wrapper, the storage of a client without one) is built
 * on first use. Spreading or logging a client shows no internals; `toJSON`/`toString` show the
 * adapter id and key only.
 */
class Client implements TokenClient {
  readonly adapter: Adapter;
  readonly #options: TokenClientOptions;
  /** The configured storage; `undefined`: the client's own (a `memoryStorage()` of one key). */
  readonly #storage: TokenStorage | undefined;
  readonly #key: string;
  readonly #now: () => number;
  readonly #skew: number;
  readonly #window: number;
  /** Without `storage`: what a `memoryStorage()` of its own would hold under the key. */
  #own: TokenSet | undefined;
  #http: KyInstance | undefined;
  #fetch: typeof fetch | undefined;
  #current: TokenSet | undefined;
  #loaded = false;
  #loading: Promise<TokenSet | undefined> | undefined;
  #inflight: Promise<TokenSet> | undefined;
  /** Bumped by `clear()`: a renewal begun before it must not store its answer after it. */
  #cleared = 0;
  #retryAfter = 0; // no background renewal before this time (ms) after one failed
  #ky: KyInstance | undefined;
  #callers = 0; // calls sharing the renewal in flight

  constructor(options: TokenClientOptions) {
    const { adapter } = options;
    this.adapter = adapter;
    this.#options = options;
    this.#storage = options.storage;
    this.#key = options.key ?? `grantkit:${adapter.id}`;
    this.#now = options.now ?? Date.now;
    this.#skew = (options.clockSkew ?? 5) * 1000;
    this.#window = adapter.refreshWindow * 1000;
  }

  /** The ky instance token calls go through, built on the first one (shared when no option shapes it). */
  get #client(): KyInstance {
    const o = this.#options;
    return (this.#http ??=
      o.fetch || o.timeout !== undefined || o.retry
        ? createHttp(o)
        : (defaultHttp ??= createHttp()));
  }

  #get(): Promise<TokenSet | undefined> | TokenSet | undefined {
    return this.#storage ? this.#storage.get(this.#key) : this.#own;
  }

  #notify<T>(hook: ((value: T) => void) | undefined, value: T): void {
    try {
      hook?.(value);
    } catch {
      // A hook's failure is the hook's; it never breaks the token lifecycle.
    }
  }

  #signal(signal?: AbortSignal): AbortSignal | undefined {
    return signal ?? this.#options.signal;
  }

  #load(): Promise<TokenSet | undefined> {
    return (this.#loading ??= (async () => {
      const stored = await this.#get();
      if (!this.#loaded) {
        this.#current = stored ?? undefined;
        this.#loaded = true;
      }
      return this.#current;
    })().finally(() => {
      this.#loading = undefined;
    }));
  }

  /** Throws once `clear()` has run since `cleared` was read: a renewal begun before it keeps nothing. */
  #keepable(cleared: number): void {
    if (cleared !== this.#cleared)
      throw new ReauthorizationRequiredError('the token set was cleared during the renewal');
  }

  async #store(tokens: TokenSet, cleared = this.#cleared): Promise<TokenSet> {
    this.#keepable(cleared);
    this.#current = tokens;
    this.#loaded = true;
    this.#retryAfter = 0;
    // Awaited even for the client's own storage, as `memoryStorage()`'s answer was: same ticks.
    await (this.#storage ? this.#storage.set(this.#key, tokens) : void (this.#own = tokens));
    this.#notify(this.#options.onTokens, tokens);
    return tokens;
  }

  #traced<T>(
    request: TokenRequest,
    call: (trace?: CallTrace) => Promise<T>,
    grant?: Grant['type'],
    hint?: TokenTypeHint,
  ): Promise<T> {
    const on = this.#options.telemetry;
    return on ? on.call(this.adapter.id, request, call, grant, hint) : call();
  }

  async #run(
    grant: Grant,
    previous: TokenSet | undefined,
    signal?: AbortSignal,
    cleared = this.#cleared,
  ): Promise<TokenSet> {
    const { adapter } = this;
    const request = adapter.buildRequest(grant);
    const call = async (trace?: CallTrace) =>
      adapter.parseResponse(
        await sendTokenRequest(this.#client, request, this.#signal(signal), trace),
        grant,
        this.#now(),
        previous,
      );
    return this.#store(await this.#traced(request, call, grant.type), cleared);
  }

  async #renew(): Promise<TokenSet> {
    const { adapter } = this;
    const options = this.#options;
    const held = this.#current;
    const cleared = this.#cleared;
    // Another instance sharing the storage may have renewed (and rotated the refresh token) already,
    // or a request in this process stored a set while this one read the storage.
    const stored = await this.#get();
    this.#keepable(cleared); // what the storage said before a clear() is no base to keep
    const base = renewalBase(held, this.#current, stored); // `current` read after the await, on purpose
    if (base && adoptable(base, held, this.#now(), this.#window)) {
      this.#current = base;
      return base;
    }
    if (options.renew) return this.#store(await options.renew(base, this.#signal()), cleared);
    if (refreshUsable(base, this.#now())) {
      try {
        return await this.#run(
          { type: 'refresh_token', refreshToken: base.refreshToken },
          base,
          undefined,
          cleared,
        );
      } catch (error) {
        if (!adapter.grant || isFatal(error)) throw error;
        options.telemetry?.fallback(adapter.id, adapter.grant.type, error);
      }
    }
    if (adapter.grant) return this.#run(adapter.grant, base, undefined, cleared);
    throw new ReauthorizationRequiredError(
      base?.refreshToken === undefined
        ? 'there is no refresh token'
        : 'the refresh token has expired',
    );
  }

  // One renewal serves every caller; a caller's own signal only stops that caller's wait.
  #shared(signal?: AbortSignal): Promise<TokenSet> {
    this.#callers++;
    const on = this.#options.telemetry;
    const renew = () => this.#renew();
    return abortable(
      (this.#inflight ??= (on ? on.renewal(this.adapter.id, renew, () => this.#callers) : renew())
        .catch((error: unknown) => {
          this.#retryAfter = this.#now() + this.adapter.retryInterval * 1000;
          this.#notify(
            this.#options.onAuthFailed,
            error instanceof Error
              ? error
              : new GrantkitError('invalid_response', 'Renewal failed'),
          );
          throw error;
        })
        .finally(() => {
          this.#inflight = undefined;
          this.#callers = 0;
        })),
      signal,
    );
  }

  async getTokenSet(opts: { signal?: AbortSignal } = {}): Promise<TokenSet> {
    const tokens = this.#loaded ? this.#current : await this.#load();
    if (tokens) {
      const t = this.#now();
      if (isValidFor(tokens, t, this.#window)) return tokens;
      if (isValidFor(tokens, t, this.#skew)) {
        // Inside the refresh window: keep serving the valid token; renew once in the background.
        if (!this.#inflight && t >= this.#retryAfter) this.#shared().catch(() => {});
        return tokens;
      }
    }
    return this.#shared(opts.signal);
  }

  getAccessToken(opts?: { signal?: AbortSignal }): Promise<string> {
    // Hot path: a valid cached token, checked against the clock at every use (a slept laptop must
    // not send an expired token), answered as an already-settled promise without an `async` frame.
    const current = this.#current;
    try {
      if (current && isValidFor(current, this.#now(), this.#window))
        return Promise.resolve(current.accessToken);
    } catch (error) {
      return Promise.reject(error);
    }
    return this.getTokenSet(opts).then((tokens) => tokens.accessToken);
  }

  async exchangeCode(
    code: string,
    opts: { codeVerifier?: string; redirectUri?: string; signal?: AbortSignal } = {},
  ): Promise<TokenSet> {
    const { adapter } = this;
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
      return await this.#run(grant, undefined, opts.signal);
    } catch (error) {
      this.#notify(this.#options.onAuthFailed, error as Error);
      throw error;
    }
  }

  refresh(opts: { signal?: AbortSignal } = {}): Promise<TokenSet> {
    return this.#shared(opts.signal);
  }

  async renewAfterRejection(
    rejectedToken: string,
    opts: { signal?: AbortSignal } = {},
  ): Promise<TokenSet> {
    if (this.#inflight) return (this.#callers++, abortable(this.#inflight, opts.signal));
    const tokens = this.#loaded ? this.#current : await this.#load();
    if (tokens && tokens.accessToken !== rejectedToken) return tokens;
    return this.#shared(opts.signal);
  }

  async setTokenSet(tokens: TokenSet): Promise<void> {
    await this.#store(tokens);
  }

  async clear(): Promise<void> {
    this.#cleared++;
    this.#current = undefined;
    this.#loaded = true;
    await (this.#storage ? this.#storage.delete(this.#key) : void (this.#own = undefined));
  }

  async revoke(opts: { signal?: AbortSignal } = {}): Promise<RevokeResult> {
    // Let a renewal in flight land first, so the newest refresh token is the one revoked.
    if (this.#inflight) await this.#inflight.catch(() => {});
    const held = [this.#loaded ? this.#current : await this.#load(), await this.#get()];
    const result = await revoke(this, held, this.#now(), (request, hint) =>
      this.#traced(
        request,
        (trace) => sendRequest(this.#client, request, this.#signal(opts.signal), trace),
        undefined,
        hint,
      ),
    );
    this.#options.telemetry?.revocation(this.adapter.id, result.status, result.error);
    return result;
  }

  authorization(token: string): string {
    return this.adapter.authScheme === 'raw' ? token : `Bearer ${token}`;
  }

  fetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
    return authorizedFetch(this, (this.#fetch ??= unbound(this.#options.fetch)), input, init);
  }

  get ky(): KyInstance {
    return (this.#ky ??= this.#client.extend({
      fetch: (input, init) => this.fetch(input, init),
      retry: 0,
      timeout: this.#options.timeout ?? 10_000,
    }));
  }

  toJSON(): { adapter: string; key: string } {
    return { adapter: this.adapter.id, key: this.#key };
  }

  toString(): string {
    return `TokenClient(${this.adapter.id})`;
  }
}
