/**
 * The typed event stream of the token lifecycle: what the `telemetry` option receives, and what the hooks, a
 * plain logger and `@grantkit/core/otel` all read. An event carries facts only (adapter id, grant
 * type, HTTP status, error code, host and path of the endpoint, durations, counts): never a token,
 * a code, a secret, a cookie value, a URL's query or a connection/session id.
 */
import type { Grant, TokenRequest, TokenTypeHint } from './adapter';
import type { GrantkitErrorCode } from './errors';

/**
 * A token endpoint or revocation endpoint call begins. The matching {@link TokenCallEnd} carries this
 * object as `start` (one call, one pair).
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'token.start') console.log(e.adapter, e.grant ?? e.hint, e.host); }
 * ```
 */
export interface TokenCallStart {
  type: 'token.start';
  /** `token`: a grant at the token endpoint; `revocation`: an RFC 7009 revocation. */
  kind: 'token' | 'revocation';
  /** The adapter's id (`first-dollar-partner`, `oauth2`, …). */
  adapter: string;
  /** The grant type, for a token call. */
  grant?: Grant['type'];
  /** Which token is revoked, for a revocation. */
  hint?: TokenTypeHint;
  /** The endpoint's HTTP method. */
  method: string;
  /** The endpoint's host (with its port, if any). */
  host: string;
  /** The endpoint's path, never its query. */
  path: string;
}

/**
 * A token or revocation call ended.
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'token.end') console.log(e.start.grant, e.status, e.error ?? 'ok', `${e.duration} ms`, `${e.attempts} attempt(s)`); }
 * ```
 */
export interface TokenCallEnd {
  type: 'token.end';
  start: TokenCallStart;
  /** The final answer's HTTP status (absent when none came: network error, timeout, abort). */
  status?: number;
  /** The error code when the call failed (its answer refused, or no answer). */
  error?: GrantkitErrorCode;
  /** HTTP attempts made (1 + retries of 408/429/5xx/network errors). */
  attempts: number;
  /** Milliseconds from start to end, retries included. */
  duration: number;
}

/**
 * A single-flight renewal settled: `callers` is how many calls shared it (1: nobody joined).
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'renewal') console.log(`renewal by ${e.callers} callers`, e.error ?? 'ok'); }
 * ```
 */
export interface RenewalEvent {
  type: 'renewal';
  adapter: string;
  /** Calls that waited on this renewal, the one that started it included. */
  callers: number;
  /** The error code when the renewal failed. */
  error?: GrantkitErrorCode;
  /** Milliseconds the renewal took. */
  duration: number;
}

/**
 * A refresh failed and the adapter's own grant (e.g. client_credentials) is tried instead.
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'fallback') console.warn(`refresh failed (${e.error}); trying ${e.grant}`); }
 * ```
 */
export interface FallbackEvent {
  type: 'fallback';
  adapter: string;
  /** The grant tried instead. */
  grant: Grant['type'];
  /** Why the refresh failed. */
  error: GrantkitErrorCode;
}

/**
 * A logout's revocation finished (its calls are `token.*` events of kind `revocation`).
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'revocation' && e.status === 'failed') console.warn('revocation failed', e.error); }
 * ```
 */
export interface RevocationEvent {
  type: 'revocation';
  adapter: string;
  status: 'revoked' | 'unsupported' | 'failed' | 'none';
  error?: GrantkitErrorCode;
}

/**
 * A renewal waited for a shared store's refresh lock held by another process.
 *
 * @example
 * ```ts
 * telemetry: (e) => { if (e.type === 'lock.wait') console.log(`waited ${e.duration} ms, ${e.outcome}`); }
 * ```
 */
export interface LockWaitEvent {
  type: 'lock.wait';
  /**
   * `acquired`: the lock came free and this process took it (it then renews, or adopts the set the
   * holder stored); `adopted`: it found the holder's new set while waiting; `failed`: it gave up.
   */
  outcome: 'acquired' | 'adopted' | 'failed';
  /** The error code when it gave up (`timeout`, `aborted`, `store_unavailable`, …). */
  error?: GrantkitErrorCode;
  /** Milliseconds waited. */
  duration: number;
}

/**
 * Every event of the token lifecycle, discriminated by `type`.
 *
 * @example
 * ```ts
 * const log = (e: TokenEvent) => console.log(JSON.stringify(e)); // safe: no secret is ever in an event
 * createTokenClient({ adapter, telemetry: log });
 * ```
 */
export type TokenEvent =
  TokenCallStart | TokenCallEnd | RenewalEvent | FallbackEvent | RevocationEvent | LockWaitEvent;

/**
 * A function called with each event (synchronously; what it throws is ignored), optionally with
 * `within`, which runs a unit of work (an edge route, a proxied request) inside the scope its start
 * event opened, so that what happens in it nests under it (OpenTelemetry: the span's context).
 *
 * @example
 * ```ts
 * const log: EventHandler = (e) => console.log(JSON.stringify(e));
 * ```
 */
export interface EventHandler<E = TokenEvent> {
  (event: E): void;
  within?<T>(event: E, run: () => T): T;
}

/**
 * What a traced call learns while it runs: its HTTP attempts and the last answer's status
 * (`sendRequest` fills it in; an edge route, its response's status).
 *
 * @example
 * ```ts
 * const trace: CallTrace = { attempts: 1 };
 * ```
 */
export interface CallTrace {
  attempts: number;
  status?: number;
}

/**
 * A start event of a unit of work with its own `.end` event: `{ type: 'route.start', … }` ends as
 * `{ type: 'route.end', start, status?, error?, duration }`.
 *
 * @example
 * ```ts
 * const start: ScopeStart = { type: 'route.start' };
 * ```
 */
export interface ScopeStart {
  type: `${string}.start`;
}

/**
 * The end event of a {@link ScopeStart}.
 *
 * @example
 * ```ts
 * telemetry: eventTelemetry((e) => { if (e.type === 'route.end') console.log(e.status, e.duration); })
 * ```
 */
export interface ScopeEnd<S extends ScopeStart = ScopeStart> {
  type: S['type'] extends `${infer N}.start` ? `${N}.end` : never;
  start: S;
  status?: number;
  error?: GrantkitErrorCode;
  duration: number;
}

/**
 * The end events of the scopes `S`, one per kind of start (`route.start` → `ScopeEnd<RouteStart>`).
 *
 * @example
 * ```ts
 * type Ends = ScopeEnds<RouteStart | ProxyStart>; // ScopeEnd<RouteStart> | ScopeEnd<ProxyStart>
 * ```
 */
export type ScopeEnds<S extends ScopeStart> = S extends ScopeStart ? ScopeEnd<S> : never;

/**
 * What the `telemetry` option takes: the hooks the token client (and the edge handler) call around
 * their work. Build one with {@link eventTelemetry} (the typed {@link TokenEvent} stream, e.g. to a
 * logger) or `otelTelemetry()` of `@grantkit/core/otel` (OpenTelemetry spans and metrics). Without
 * it, nothing is built, timed or called. A call never receives a token, code or secret, only the
 * request to describe (its method, host and path are read; never its headers, body or query).
 *
 * @example
 * ```ts
 * const telemetry: Telemetry = eventTelemetry((e) => console.log(JSON.stringify(e)));
 * const client = createTokenClient({ adapter, telemetry });
 * ```
 */
export interface Telemetry<S extends ScopeStart = never> {
  /** Around one token (`hint` absent) or revocation call; `run` fills in the {@link CallTrace}. */
  call<T>(
    adapter: string,
    request: TokenRequest,
    run: (trace?: CallTrace) => Promise<T>,
    grant?: Grant['type'],
    hint?: TokenTypeHint,
  ): Promise<T>;
  /** Around one single-flight renewal; `callers()` says, at its end, how many calls shared it. */
  renewal<T>(adapter: string, run: () => Promise<T>, callers: () => number): Promise<T>;
  /** A refresh failed with `error`; `grant` is tried instead. */
  fallback(adapter: string, grant: Grant['type'], error: unknown): void;
  /** A logout's revocation ended. */
  revocation(
    adapter: string,
    status: RevocationEvent['status'],
    error?: { code: GrantkitErrorCode },
  ): void;
  /** A renewal waited for a shared store's lock. */
  lock?(outcome: LockWaitEvent['outcome'], duration: number, error?: unknown): void;
  /** Around a unit of work of the caller's (an edge route, a proxied request): its start, `run` inside it, its end. */
  scope?<T>(start: S, run: (trace: CallTrace) => Promise<T>): Promise<T>;
}

/** Calls `on` with an event; a throwing handler never breaks the token lifecycle. */
function emit<E>(on: (event: E) => void, event: E): void {
  try {
    on(event);
  } catch {
    // The handler's failure is the handler's.
  }
}

/** What `timed` reports of a failure: its code, and the HTTP status of the answer that caused it. */
interface Failure {
  code: GrantkitErrorCode;
  status: number | undefined;
}

/** The error code of a failure (`invalid_response` for one without a code). */
const codeOf = (error: unknown): GrantkitErrorCode =>
  (error as { code?: GrantkitErrorCode } | null)?.code ?? 'invalid_response';

/**
 * A {@link Telemetry} that reports everything as typed events to `on`: token and revocation calls
 * (`token.start`, `token.end`), renewals, fallbacks, revocations, lock waits, and the edge's
 * `route.*` and `proxy.*` scopes. Every event is safe to log as is: no token, code, secret, cookie
 * value, query string or session id is in one.
 *
 * @example
 * ```ts
 * import { createTokenClient, eventTelemetry } from '@grantkit/core';
 * const client = createTokenClient({
 *   adapter,
 *   telemetry: eventTelemetry((e) => { if (e.type === 'token.end' || e.type === 'renewal') console.log(JSON.stringify(e)); }),
 * });
 * ```
 */
export function eventTelemetry<S extends ScopeStart = never>(
  on: EventHandler<NoInfer<TokenEvent | S | ScopeEnds<S>>>,
): Telemetry<S> {
  const handle = on as EventHandler<TokenEvent | S | ScopeEnd<S>>;
  // Runs `run` (inside `start`'s scope, if any), then `end` with its failure (`undefined`: none) and duration.
  const timed = async <T>(
    start: object | undefined,
    run: () => Promise<T>,
    end: (failure: Failure | undefined, duration: number) => void,
  ): Promise<T> => {
    const began = performance.now();
    try {
      const result = await (start && handle.within ? handle.within(start as S, run) : run());
      end(undefined, performance.now() - began);
      return result;
    } catch (error) {
      end(
        { code: codeOf(error), status: (error as { status?: number } | null)?.status },
        performance.now() - began,
      );
      throw error;
    }
  };
  return {
    call(adapter, request, run, grant, hint) {
      const url = new URL(request.url);
      const start: TokenCallStart = {
        type: 'token.start',
        kind: hint ? 'revocation' : 'token',
        adapter,
        method: request.method,
        host: url.host,
        path: url.pathname,
      };
      if (grant) start.grant = grant;
      if (hint) start.hint = hint;
      const trace: CallTrace = { attempts: 1 };
      emit(handle, start);
      return timed(
        undefined,
        () => run(trace),
        (failure, duration) => {
          const event: TokenCallEnd = {
            type: 'token.end',
            start,
            attempts: trace.attempts,
            duration,
          };
          const status = trace.status ?? failure?.status;
          if (status !== undefined) event.status = status;
          if (failure) event.error = failure.code;
          emit(handle, event);
        },
      );
    },
    renewal: (adapter, run, callers) =>
      timed(undefined, run, (failure, duration) => {
        const event: RenewalEvent = { type: 'renewal', adapter, callers: callers(), duration };
        if (failure) event.error = failure.code;
        emit(handle, event);
      }),
    fallback: (adapter, grant, error) =>
      emit(handle, { type: 'fallback', adapter, grant, error: codeOf(error) }),
    revocation: (adapter, status, error) =>
      emit(
        handle,
        error
          ? { type: 'revocation', adapter, status, error: error.code }
          : { type: 'revocation', adapter, status },
      ),
    lock(outcome, duration, error) {
      const event: LockWaitEvent = { type: 'lock.wait', outcome, duration };
      if (error !== undefined) event.error = codeOf(error);
      emit(handle, event);
    },
    scope(start, run) {
      const trace: CallTrace = { attempts: 1 };
      emit(handle, start);
      return timed(
        start,
        () => run(trace),
        (failure, duration) => {
          const event = {
            type: start.type.replace(/start$/, 'end'),
            start,
            duration,
          } as ScopeEnd<S>;
          if (trace.status !== undefined) event.status = trace.status;
          if (failure) event.error = failure.code;
          emit(handle, event);
        },
      );
    },
  };
}
