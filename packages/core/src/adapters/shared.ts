/**
 * The building blocks every adapter shares: option rules, request bodies, and the RFC 6749 §5.2
 * reading of an error answer. Internal: not part of the public surface.
 */
import type { Grant, TokenAnswer, TokenRequest } from '../adapter';
import {
  ClientRejectedError,
  OAuthError,
  ReauthorizationRequiredError,
  type GrantkitErrorDetails,
} from '../errors';
import { isRecord } from '../is-record';
import { optionRules, type OptionRule } from '../options';
import { normalizeTokenResponse, type TokenFieldMap, type TokenSet } from '../token-set';

// Rule instances shared by every factory of core (one object each: rules cost bundle bytes).
const r = optionRules;
/** A non-empty string, optional / required. */
export const STR: OptionRule = /* @__PURE__ */ r.string();
export const REQ_STR: OptionRule = /* @__PURE__ */ r.string({ required: true });
/** An absolute http(s) URL, optional / required. */
export const URL_: OptionRule = /* @__PURE__ */ r.url();
export const REQ_URL: OptionRule = /* @__PURE__ */ r.url({ required: true });
/** Seconds, 0 allowed (a refresh window, a clock skew). */
export const SECONDS: OptionRule = /* @__PURE__ */ r.positive('seconds', { zero: true });
/** Seconds above 0 (a retry interval, a lifetime). */
export const POSITIVE_SECONDS: OptionRule = /* @__PURE__ */ r.positive('seconds');
export const MS: OptionRule = /* @__PURE__ */ r.positive('milliseconds');
export const FN: OptionRule = /* @__PURE__ */ r.function();
export const BOOL: OptionRule = /* @__PURE__ */ r.boolean();
export const BODY_FORMAT: OptionRule = /* @__PURE__ */ r.oneOf('json', 'form');
export const AUTH_SCHEME: OptionRule = /* @__PURE__ */ r.oneOf('Bearer', 'raw');
/** An object with every one of `methods` (a storage, an adapter). */
export const has =
  (...methods: string[]) =>
  (v: unknown): boolean =>
    typeof v === 'object' &&
    v !== null &&
    methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');
/** `url` without its trailing slashes (a base URL, checked by a rule first). */
export const base = (url: string): string => url.replace(/\/+$/, '');

/** Base64 of a UTF-8 string (btoa alone fails on non-Latin-1 input). */
export function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** One value `application/x-www-form-urlencoded`-encoded. */
export const formEncode = (value: string): string =>
  new URLSearchParams([['', value]]).toString().slice(1);

/** `application/x-www-form-urlencoded` body from defined fields. */
export function formBody(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields))
    if (value !== undefined) params.set(key, value);
  return params.toString();
}

/** A token request with a JSON or form body from defined fields. */
export function bodyRequest(
  url: string,
  format: 'json' | 'form',
  fields: Record<string, string | undefined>,
  headers: Record<string, string> = {},
): TokenRequest {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return format === 'json'
    ? {
        url,
        method: 'POST',
        headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
        body: JSON.stringify(defined),
      }
    : {
        url,
        method: 'POST',
        headers: {
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          ...headers,
        },
        body: formBody(defined),
      };
}

/** Reads the vendor's request id from an answer, when the adapter names the header. */
export function requestIdOf(answer: TokenAnswer, header?: string): string | undefined {
  return header ? (answer.headers.get(header) ?? undefined) : undefined;
}

/** The OAuth `error` values that refuse the client itself, not the user's grant (RFC 6749 §5.2). */
const CLIENT_ERRORS = /^(invalid|unauthorized)_client$/;

/**
 * The RFC 6749 §5.2 reading of an error answer: an {@link OAuthError} with the body's `error`
 * (or `http_<status>` when there is none). `invalid_client` or `unauthorized_client`, whatever the
 * status and grant, refuse the client (a wrong secret: the operator's problem):
 * {@link ClientRejectedError}. A refused refresh (`invalid_grant`) means the user must authorize
 * again: {@link ReauthorizationRequiredError}; a 401 alone does not (RFC 6749 §5.2 sends 401 for a
 * failed client authentication). Without a grant (a revocation answer), the message names the
 * revocation endpoint.
 */
export function oauthErrorOf(
  answer: TokenAnswer,
  grant: Grant | undefined,
  requestIdHeader?: string,
): OAuthError {
  const details: GrantkitErrorDetails = { status: answer.status };
  const requestId = requestIdOf(answer, requestIdHeader);
  if (requestId !== undefined) details.requestId = requestId;
  const body =
    isRecord(answer.body) && typeof answer.body.error === 'string'
      ? {
          error: answer.body.error,
          ...(typeof answer.body.error_description === 'string'
            ? { error_description: answer.body.error_description }
            : {}),
        }
      : undefined;
  if (body && CLIENT_ERRORS.test(body.error)) return new ClientRejectedError(body, details);
  if (grant?.type === 'refresh_token' && body?.error === 'invalid_grant') {
    return new ReauthorizationRequiredError('the refresh token was refused', body, details);
  }
  const endpoint = grant === undefined ? 'Revocation endpoint' : 'Token endpoint';
  if (!body)
    return new OAuthError(
      { error: `http_${answer.status}` },
      { ...details, code: 'http_error', message: `${endpoint} answered HTTP ${answer.status}` },
    );
  return grant === undefined
    ? new OAuthError(body, { ...details, message: `${endpoint} answered ${body.error}` })
    : new OAuthError(body, details);
}

/** Parses a 2xx answer with `fields`, or throws `onError(answer)`. */
export function parseTokenAnswer(
  answer: TokenAnswer,
  fields: TokenFieldMap,
  now: number,
  previous: TokenSet | undefined,
  onError: () => Error,
): TokenSet {
  if (answer.status < 200 || answer.status > 299) throw onError();
  return normalizeTokenResponse(answer.body, fields, now, previous);
}
