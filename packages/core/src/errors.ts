/**
 * One error hierarchy for every failure grantkit reports. Each error carries a `code` from
 * {@link GrantkitErrorCode}; messages never contain a secret, token, code or cookie value.
 *
 * @module
 */
import { scrub } from './scrub';

/**
 * Every code a {@link GrantkitError} can carry.
 *
 * - `config_invalid` — an option is missing or malformed (thrown at creation).
 * - `network_error` — the request never got a response (after retries).
 * - `timeout` — the request timed out (after retries).
 * - `aborted` — the caller's `signal` aborted the call.
 * - `oauth_error` — the token endpoint answered with an OAuth error (`error`, `error_description`).
 * - `http_error` — a non-2xx answer that is not an OAuth error body.
 * - `invalid_response` — a 2xx answer that is not what the vendor documents (bad JSON, no token).
 * - `consent_required` — the user must consent again (First Dollar: 401 from an exchange).
 * - `reauthorization_required` — the refresh token is gone or expired: run the authorization again.
 * - `client_rejected` — the vendor refused the client itself (`invalid_client`, `unauthorized_client`:
 *   a wrong or rotated secret, a revoked key): the operator's problem, never the user's; sessions stay.
 * - `unauthorized` — an API call was still 401 after one refresh and retry.
 * - `graphql_error` — a GraphQL answer with transport `errors[]`.
 * - `graphql_domain_error` — a typed union error (`BadRequestError`, `InternalServerError`).
 * - `store_unavailable` — a shared token store (Redis, Deno KV…) failed or did not answer in time:
 *   nothing was deleted, retry later (the edge answers 503).
 */
export type GrantkitErrorCode =
  | 'config_invalid'
  | 'network_error'
  | 'timeout'
  | 'aborted'
  | 'oauth_error'
  | 'http_error'
  | 'invalid_response'
  | 'consent_required'
  | 'reauthorization_required'
  | 'client_rejected'
  | 'unauthorized'
  | 'graphql_error'
  | 'graphql_domain_error'
  | 'store_unavailable';

/** Extra, non-secret detail an error may carry. */
export interface GrantkitErrorDetails {
  /** The underlying error (never one whose fields hold a secret). */
  cause?: unknown;
  /** HTTP status of the answer that caused the error. */
  status?: number;
  /** The vendor's request id header (e.g. First Orion's `X-Forp-Meta-Request-Id`). */
  requestId?: string;
}

const brand = Symbol.for('grantkit.error');

/**
 * Base class of every grantkit error. Each code has its own class ({@link GrantkitErrorByCode}); the
 * codes that carry nothing more (`network_error`, `timeout`, `aborted`, `invalid_response`,
 * `unauthorized`, `http_error` outside a token endpoint) are this class itself.
 *
 * @example
 * ```ts
 * import { isGrantkitError } from '@grantkit/core';
 * try { await client.getAccessToken(); }
 * catch (error) { if (isGrantkitError(error)) console.log(error.code, error.status); }
 * ```
 */
export class GrantkitError extends Error {
  override name = 'GrantkitError';
  /** What went wrong, as a stable string you can switch on. */
  readonly code: GrantkitErrorCode;
  /** HTTP status of the answer, when there was one. */
  readonly status?: number;
  /** The vendor's request id, when it sent one. */
  readonly requestId?: string;

  constructor(code: GrantkitErrorCode, message: string, details: GrantkitErrorDetails = {}) {
    super(message, details.cause === undefined ? undefined : { cause: details.cause });
    this.code = code;
    Object.defineProperty(this, brand, { value: true });
    if (details.status !== undefined) this.status = details.status;
    if (details.requestId !== undefined) this.requestId = details.requestId;
  }

  /** A plain, log-safe summary (no cause, no response). */
  toJSON(): Record<string, unknown> {
    const { name, code, message, status, requestId } = this;
    return { name, code, message, status, requestId };
  }
}

/**
 * An option given to a factory is missing or malformed.
 *
 * @example
 * ```ts
 * try { firstDollarPartner({ clientId: '', clientSecret: '' }); }
 * catch (error) { if (isGrantkitError(error, 'config_invalid')) console.error(error.message); }
 * ```
 */
export class ConfigurationError extends GrantkitError {
  override name = 'ConfigurationError';
  constructor(message: string) {
    super('config_invalid', message);
  }
}

/** The fields of an OAuth error answer (RFC 6749 §5.2). */
export interface OAuthErrorBody {
  error: string;
  error_description?: string;
  error_uri?: string;
}

/**
 * The token endpoint refused the request with an OAuth error (or a bare 4xx).
 * `response` is kept non-enumerable so logging the error never prints headers.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof OAuthError && error.error === 'invalid_client') rotateSecret(); }
 * ```
 */
export class OAuthError extends GrantkitError {
  override name = 'OAuthError';
  /** The OAuth `error` field (`invalid_grant`, `invalid_client`, …), or `http_<status>` when the body had none. */
  readonly error: string;
  /** The OAuth `error_description`, when the server sent one. */
  readonly errorDescription?: string;
  declare readonly response?: Response;

  constructor(
    body: OAuthErrorBody,
    details: GrantkitErrorDetails & {
      response?: Response;
      code?: GrantkitErrorCode;
      message?: string;
    } = {},
  ) {
    const description = body.error_description ? `: ${body.error_description.slice(0, 200)}` : '';
    super(
      details.code ?? 'oauth_error',
      details.message ?? `Token endpoint answered ${body.error}${description}`,
      details,
    );
    this.error = body.error;
    if (body.error_description !== undefined) this.errorDescription = body.error_description;
    Object.defineProperty(this, 'response', { value: details.response, enumerable: false });
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), error: this.error, errorDescription: this.errorDescription };
  }
}

/**
 * The user must give consent again (First Dollar answers 401 to an exchange when consent was revoked
 * or the app's scopes changed). Redirect the browser to {@link ConsentRequiredError.consentUrl}.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof ConsentRequiredError) return Response.redirect(error.consentUrl, 302); }
 * ```
 */
export class ConsentRequiredError extends OAuthError {
  override name = 'ConsentRequiredError';
  /** Where to send the user to consent again. */
  readonly consentUrl: string;
  constructor(
    consentUrl: string,
    body: OAuthErrorBody,
    details: GrantkitErrorDetails & { response?: Response } = {},
  ) {
    super(body, {
      ...details,
      code: 'consent_required',
      message: 'The user must consent again (the vendor answered 401)',
    });
    this.consentUrl = consentUrl;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), consentUrl: this.consentUrl };
  }
}

/**
 * The refresh token is missing, expired or refused: the authorization must run again
 * (Orange Logic after 30 days unused, or any provider answering `invalid_grant` to a refresh).
 *
 * @example
 * ```ts
 * catch (error) { if (isGrantkitError(error, 'reauthorization_required')) location.assign(loginUrl); }
 * ```
 */
export class ReauthorizationRequiredError extends OAuthError {
  override name = 'ReauthorizationRequiredError';
  constructor(
    reason: string,
    body: OAuthErrorBody = { error: 'invalid_grant' },
    details: GrantkitErrorDetails & { response?: Response } = {},
  ) {
    super(body, {
      ...details,
      code: 'reauthorization_required',
      message: `Authorization must run again: ${reason}`,
    });
  }
}

/**
 * The vendor refused the client itself, not the user's grant: the token endpoint answered
 * `invalid_client` (client authentication failed: a wrong or rotated client secret, a revoked API
 * key; RFC 6749 §5.2, any status) or `unauthorized_client` (the client may not use this grant).
 * Code `client_rejected`. It is the operator's problem, never the user's: the tokens and the session
 * stay (the edge answers 502 `client_rejected`, reports it to `onError` and keeps the session
 * cookie), and a retry with the right credentials works again. It is an {@link OAuthError} for its
 * `error` and `errorDescription` fields (redacted: no secret of the request is ever quoted), but
 * its code is neither `oauth_error` nor `consent_required` / `reauthorization_required`.
 *
 * First Dollar's OAuth App keeps its documented rule instead: any 401 there is
 * {@link ConsentRequiredError}.
 *
 * @example
 * ```ts
 * import { isGrantkitError } from '@grantkit/core';
 * try { await client.getAccessToken(); }
 * catch (error) {
 *   if (isGrantkitError(error, 'client_rejected')) alertOps(`client refused: ${error.error}`);
 * }
 * ```
 */
export class ClientRejectedError extends OAuthError {
  override name = 'ClientRejectedError';
  constructor(body: OAuthErrorBody, details: GrantkitErrorDetails & { response?: Response } = {}) {
    super(body, {
      ...details,
      code: 'client_rejected',
      message: `The vendor refused the client: ${body.error}`,
    });
  }
}

/**
 * A shared token store (Redis, Deno KV, any `SharedEngine`) failed or did not answer within its
 * timeout. Code `store_unavailable`. Nothing was deleted and no session ended: the same call works
 * again once the store is back (the edge answers 503 `store_unavailable`). The message never holds a
 * key, a value or a token.
 *
 * @example
 * ```ts
 * try { await client.getAccessToken(); }
 * catch (error) { if (isGrantkitError(error, 'store_unavailable')) return new Response('try again', { status: 503 }); }
 * ```
 */
export class StoreUnavailableError extends GrantkitError {
  override name = 'StoreUnavailableError';
  constructor(
    message = 'The token store is unavailable',
    details: Pick<GrantkitErrorDetails, 'cause'> = {},
  ) {
    super('store_unavailable', message, details);
  }
}

/**
 * A GraphQL domain error: a typed union member implementing the First Dollar `Error` interface.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof GraphQLDomainError && error.retryable) scheduleRetry(); }
 * ```
 */
export class GraphQLDomainError extends GrantkitError {
  override name = 'GraphQLDomainError';
  /** `__typename` of the union member (`BadRequestError`, `InternalServerError`, …). */
  readonly typename: string;
  /** The schema's `code` field. */
  readonly errorCode: string;
  /** Whether the vendor says retrying may succeed. */
  readonly retryable: boolean;
  /** Path of the field that answered the error. */
  readonly path: readonly string[];
  constructor(
    typename: string,
    errorCode: string,
    message: string,
    retryable: boolean,
    path: readonly string[],
  ) {
    super('graphql_domain_error', `${typename} ${errorCode}: ${message}`);
    this.typename = typename;
    this.errorCode = errorCode;
    this.retryable = retryable;
    this.path = path;
  }

  override toJSON(): Record<string, unknown> {
    return {
      ...super.toJSON(),
      typename: this.typename,
      errorCode: this.errorCode,
      retryable: this.retryable,
      path: this.path,
    };
  }
}

/**
 * The API answered 429 Too Many Requests (First Dollar: `@rateLimit`, 60 calls per 60 s). Code
 * `http_error`, status 429; `retryAfter` is the wait in seconds the answer's `Retry-After` asked
 * for (a number or an HTTP date), absent when it sent none.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof RateLimitError) await sleep((error.retryAfter ?? 60) * 1000); }
 * ```
 */
export class RateLimitError extends GrantkitError {
  override name = 'RateLimitError';
  /** Seconds to wait, from `Retry-After`. */
  readonly retryAfter?: number;
  constructor(message: string, retryAfter?: number, details: GrantkitErrorDetails = {}) {
    super('http_error', message, { ...details, status: 429 });
    if (retryAfter !== undefined) this.retryAfter = retryAfter;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), retryAfter: this.retryAfter };
  }
}

/**
 * One transport error of a GraphQL answer (`errors[]`). {@link GraphQLRequestError} keeps only
 * `message` and `path` (its strings and integers): `extensions` is not kept.
 */
export interface GraphQLTransportError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

/**
 * A GraphQL answer with transport `errors[]`. `errors` holds the server's messages and paths, with
 * token-like runs of 32+ characters (raw, percent- or JSON-escaped) redacted from messages and
 * path segments (a server may echo the bearer token it refused, and an error gets logged whole), and
 * path segments other than strings and integers dropped; the error's own message quotes them.
 *
 * @example
 * ```ts
 * catch (error) { if (isGrantkitError(error, 'graphql_error')) console.log(error.errors.map((e) => e.message)); }
 * ```
 */
export class GraphQLRequestError extends GrantkitError {
  override name = 'GraphQLRequestError';
  /** The `errors[]` the server sent. */
  readonly errors: readonly GraphQLTransportError[];
  constructor(errors: readonly GraphQLTransportError[], status: number) {
    // Only the message and the path's strings (scrubbed) and integers are kept: anything else a
    // server sent (an object in a path, extensions) could carry a token into JSON or a log.
    const scrubbed = errors.map((e): GraphQLTransportError => ({
      message: scrub(String(e.message)),
      ...(Array.isArray(e.path)
        ? {
            path: e.path.flatMap<string | number>((p: unknown) =>
              typeof p === 'string' ? [scrub(p)] : Number.isSafeInteger(p) ? [p as number] : [],
            ),
          }
        : {}),
    }));
    super(
      'graphql_error',
      `GraphQL request failed: ${scrubbed
        .map((e) => e.message)
        .join('; ')
        .slice(0, 300)}`,
      { status },
    );
    this.errors = scrubbed;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), errors: this.errors };
  }
}

/**
 * The class of the error each {@link GrantkitErrorCode} is thrown as: what
 * `isGrantkitError(error, code)` narrows to. `http_error` is an {@link OAuthError} when a token or
 * revocation endpoint answered, a {@link RateLimitError} for a 429 from the API, the base class
 * elsewhere, so it narrows to the base.
 *
 * @example
 * ```ts
 * const consentUrl = (error: GrantkitErrorByCode['consent_required']) => error.consentUrl;
 * if (isGrantkitError(error, 'consent_required')) redirect(consentUrl(error));
 * ```
 */
export interface GrantkitErrorByCode {
  config_invalid: ConfigurationError;
  network_error: GrantkitError;
  timeout: GrantkitError;
  aborted: GrantkitError;
  oauth_error: OAuthError;
  http_error: GrantkitError;
  invalid_response: GrantkitError;
  consent_required: ConsentRequiredError;
  reauthorization_required: ReauthorizationRequiredError;
  client_rejected: ClientRejectedError;
  unauthorized: GrantkitError;
  graphql_error: GraphQLRequestError;
  graphql_domain_error: GraphQLDomainError;
  store_unavailable: StoreUnavailableError;
}

/**
 * Every grantkit error, as a union discriminated by `code`: a `switch (error.code)` narrows each
 * branch to its class.
 *
 * @example
 * ```ts
 * const describe = (error: AnyGrantkitError) => (error.code === 'consent_required' ? error.consentUrl : error.message);
 * if (isGrantkitError(error)) console.log(describe(error));
 * ```
 */
export type AnyGrantkitError = {
  [C in GrantkitErrorCode]: GrantkitErrorByCode[C] & { readonly code: C };
}[GrantkitErrorCode];

/**
 * Whether `value` is a grantkit error (optionally with a given code): with a code, it narrows to
 * that code's class ({@link GrantkitErrorByCode}). Works across realms and bundles.
 *
 * @example
 * ```ts
 * if (isGrantkitError(error, 'consent_required')) return Response.redirect(error.consentUrl, 302);
 * ```
 */
export function isGrantkitError<C extends GrantkitErrorCode>(
  value: unknown,
  code: C,
): value is GrantkitErrorByCode[C] & { readonly code: C };
/**
 * Whether `value` is a grantkit error, of any code. Works across realms and bundles.
 *
 * @example
 * ```ts
 * catch (error) { if (isGrantkitError(error)) console.log(error.code); }
 * ```
 */
export function isGrantkitError(
  value: unknown,
  code?: GrantkitErrorCode,
): value is AnyGrantkitError;
export function isGrantkitError(value: unknown, code?: GrantkitErrorCode): boolean {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true &&
    (code === undefined || (value as GrantkitError).code === code)
  );
}

/**
 * A grantkit error as plain, log-safe JSON: what `toJSON()` gives (never a secret, a cause or a
 * response), the one form in which an error crosses a process boundary.
 *
 * @example
 * ```ts
 * const json: GrantkitErrorJSON = errorToJSON(error);
 * const again = errorFromJSON(json); // the same class, code, message and fields
 * ```
 */
export interface GrantkitErrorJSON {
  code: GrantkitErrorCode;
  message: string;
  name?: string;
  status?: number;
  requestId?: string;
  /** {@link OAuthError} fields. */
  error?: string;
  errorDescription?: string;
  /** {@link ConsentRequiredError} field. */
  consentUrl?: string;
  /** {@link GraphQLDomainError} fields. */
  typename?: string;
  errorCode?: string;
  retryable?: boolean;
  path?: readonly string[];
  /** {@link GraphQLRequestError} field. */
  errors?: readonly GraphQLTransportError[];
  /** {@link RateLimitError} field. */
  retryAfter?: number;
}

/**
 * Any thrown value as {@link GrantkitErrorJSON}: a grantkit error's own `toJSON()`; anything else
 * (whose message may hold anything) becomes `invalid_response` with `fallback` as its message.
 *
 * @example
 * ```ts
 * catch (error) { return Response.json({ error: errorToJSON(error) }, { status: 422 }); }
 * ```
 */
export function errorToJSON(error: unknown, fallback = 'Renewal failed'): GrantkitErrorJSON {
  return isGrantkitError(error)
    ? (error.toJSON() as unknown as GrantkitErrorJSON)
    : { code: 'invalid_response', message: fallback };
}

/** `message` without the `prefix` a constructor puts before the part it was given. */
const after = (message: string, prefix: string) =>
  message.startsWith(prefix) ? message.slice(prefix.length) : message;

/**
 * Rebuilds the error a {@link GrantkitErrorJSON} describes as its own class (e.g. a
 * `consent_required` as a {@link ConsentRequiredError} with its `consentUrl`), with the same code,
 * message, status and fields, so `isGrantkitError(error, code)` and `instanceof` hold on the other
 * side of a boundary. A payload missing a field its class needs (an older sender) is rebuilt as the
 * base class with its code.
 *
 * @example
 * ```ts
 * const { error } = await response.json();
 * if (error) throw errorFromJSON(error);
 * ```
 */
export function errorFromJSON(json: GrantkitErrorJSON): GrantkitError {
  const { code, message } = json;
  const details: GrantkitErrorDetails = {};
  if (typeof json.status === 'number') details.status = json.status;
  if (typeof json.requestId === 'string') details.requestId = json.requestId;
  const body: OAuthErrorBody | undefined =
    typeof json.error === 'string'
      ? {
          error: json.error,
          ...(typeof json.errorDescription === 'string'
            ? { error_description: json.errorDescription }
            : {}),
        }
      : undefined;
  switch (code) {
    case 'config_invalid':
      return new ConfigurationError(message);
    case 'oauth_error':
    case 'http_error':
      if (body) return new OAuthError(body, { ...details, code, message });
      if (code === 'http_error' && json.status === 429)
        return new RateLimitError(
          message,
          typeof json.retryAfter === 'number' ? json.retryAfter : undefined,
          details,
        );
      break;
    case 'consent_required':
      if (body && typeof json.consentUrl === 'string')
        return new ConsentRequiredError(json.consentUrl, body, details);
      break;
    case 'reauthorization_required':
      if (body)
        return new ReauthorizationRequiredError(
          after(message, 'Authorization must run again: '),
          body,
          details,
        );
      break;
    case 'client_rejected':
      if (body) return new ClientRejectedError(body, details);
      break;
    case 'graphql_error':
      if (Array.isArray(json.errors) && typeof json.status === 'number')
        return new GraphQLRequestError(json.errors, json.status);
      break;
    case 'store_unavailable':
      return new StoreUnavailableError(message);
    case 'graphql_domain_error': {
      const { typename, errorCode, retryable, path } = json;
      if (
        typeof typename === 'string' &&
        typeof errorCode === 'string' &&
        typeof retryable === 'boolean' &&
        Array.isArray(path)
      ) {
        return new GraphQLDomainError(
          typename,
          errorCode,
          after(message, `${typename} ${errorCode}: `),
          retryable,
          path,
        );
      }
    }
  }
  return new GrantkitError(code, message, details);
}
