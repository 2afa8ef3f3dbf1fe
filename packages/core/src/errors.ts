/**
 * One error hierarchy for every failure grantkit reports. Each error carries a `code` from
 * {@link GrantkitErrorCode}; messages never contain a secret, token, code or cookie value.
 *
 * @module
 */

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
  | 'graphql_domain_error';

/** Extra, non-secret detail an error may carry. */
export interface GrantkitErrorDetails {
  /** The underlying error (never one whose fields hold a secret). */
  cause?: unknown;
  /** HTTP status of the answer that caused the error. */
  status?: number;
  /** The vendor's request id header (e.g. First Orion's `X-Forp-Meta-Request-Id`). */
  requestId?: string;
}

/**
 * Base class of every grantkit error.
 *
 * @example
 * ```ts
 * import { isGrantkitError } from '@grantkit/core';
 * try { await client.getAccessToken(); }
 * catch (error) { if (isGrantkitError(error)) console.log(error.code, error.status); }
 * ```
 */
const brand = Symbol.for('grantkit.error');

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
    details: GrantkitErrorDetails & { response?: Response; code?: GrantkitErrorCode; message?: string } = {},
  ) {
    const description = body.error_description ? `: ${body.error_description.slice(0, 200)}` : '';
    super(details.code ?? 'oauth_error', details.message ?? `Token endpoint answered ${body.error}${description}`, details);
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
  constructor(consentUrl: string, body: OAuthErrorBody, details: GrantkitErrorDetails & { response?: Response } = {}) {
    super(body, { ...details, code: 'consent_required', message: 'The user must consent again (the vendor answered 401)' });
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
  constructor(reason: string, body: OAuthErrorBody = { error: 'invalid_grant' }, details: GrantkitErrorDetails & { response?: Response } = {}) {
    super(body, { ...details, code: 'reauthorization_required', message: `Authorization must run again: ${reason}` });
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
 * import { ClientRejectedError, isGrantkitError } from '@grantkit/core';
 * try { await client.getAccessToken(); }
 * catch (error) {
 *   if (isGrantkitError(error, 'client_rejected')) alertOps(`client refused: ${(error as ClientRejectedError).error}`);
 * }
 * ```
 */
export class ClientRejectedError extends OAuthError {
  override name = 'ClientRejectedError';
  constructor(body: OAuthErrorBody, details: GrantkitErrorDetails & { response?: Response } = {}) {
    super(body, { ...details, code: 'client_rejected', message: `The vendor refused the client: ${body.error}` });
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
  constructor(typename: string, errorCode: string, message: string, retryable: boolean, path: readonly string[]) {
    super('graphql_domain_error', `${typename} ${errorCode}: ${message}`);
    this.typename = typename;
    this.errorCode = errorCode;
    this.retryable = retryable;
    this.path = path;
  }

  override toJSON(): Record<string, unknown> {
    return { ...super.toJSON(), typename: this.typename, errorCode: this.errorCode, retryable: this.retryable, path: this.path };
  }
}

/**
 * Whether `value` is a grantkit error (optionally with a given code). Works across realms and bundles.
 *
 * @example
 * ```ts
 * if (isGrantkitError(error, 'consent_required')) redirectToConsent();
 * ```
 */
export function isGrantkitError(value: unknown, code?: GrantkitErrorCode): value is GrantkitError {
  return (
    typeof value === 'object' &&
    value !== null &&
    (value as Record<symbol, unknown>)[brand] === true &&
    (code === undefined || (value as GrantkitError).code === code)
  );
}
