import type { AuthorizationCodeAdapter, AuthorizationParams, Grant, TokenAnswer, TokenRequest, TokenTypeHint } from '../adapter';
import { ClientRejectedError, ConfigurationError, OAuthError, ReauthorizationRequiredError, type GrantkitErrorDetails } from '../errors';
import { normalizeTokenResponse, type TokenFieldMap, type TokenSet } from '../token-set';

/* ------------------------------------------------------------------ shared building blocks */

/** Throws a {@link ConfigurationError} naming `field` when `value` is not a non-empty string. */
export function requireString(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.trim() === '') throw new ConfigurationError(`${field} must be a non-empty string`);
  return value;
}

/** Throws when `value` is not an absolute http(s) URL; returns it without a trailing slash. */
export function requireUrl(value: unknown, field: string): string {
  const text = requireString(value, field);
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigurationError(`${field} must be an absolute URL`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ConfigurationError(`${field} must be an http(s) URL`);
  return text.replace(/\/+$/, '');
}

/** Base64 of a UTF-8 string (btoa alone fails on non-Latin-1 input). */
export function base64(text: string): string {
  let binary = '';
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary);
}

/** One value `application/x-www-form-urlencoded`-encoded. */
const formEncode = (value: string): string => new URLSearchParams([['', value]]).toString().slice(1);

/** `application/x-www-form-urlencoded` body from defined fields. */
export function formBody(fields: Record<string, string | undefined>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined) params.set(key, value);
  return params.toString();
}

/** A token request with a JSON or form body from defined fields. */
export function bodyRequest(url: string, format: 'json' | 'form', fields: Record<string, string | undefined>, headers: Record<string, string> = {}): TokenRequest {
  const defined = Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined));
  return format === 'json'
    ? { url, method: 'POST', headers: { 'content-type': 'application/json', accept: 'application/json', ...headers }, body: JSON.stringify(defined) }
    : { url, method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json', ...headers }, body: formBody(defined) };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

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
export function oauthErrorOf(answer: TokenAnswer, grant: Grant | undefined, requestIdHeader?: string): OAuthError {
  const details: GrantkitErrorDetails = { status: answer.status };
  const requestId = requestIdOf(answer, requestIdHeader);
  if (requestId !== undefined) details.requestId = requestId;
  const body = isRecord(answer.body) && typeof answer.body.error === 'string'
    ? { error: answer.body.error, ...(typeof answer.body.error_description === 'string' ? { error_description: answer.body.error_description } : {}) }
    : undefined;
  if (body && CLIENT_ERRORS.test(body.error)) return new ClientRejectedError(body, details);
  if (grant?.type === 'refresh_token' && body?.error === 'invalid_grant') {
    return new ReauthorizationRequiredError('the refresh token was refused', body, details);
  }
  const endpoint = grant === undefined ? 'Revocation endpoint' : 'Token endpoint';
  if (!body) return new OAuthError({ error: `http_${answer.status}` }, { ...details, code: 'http_error', message: `${endpoint} answered HTTP ${answer.status}` });
  return grant === undefined ? new OAuthError(body, { ...details, message: `${endpoint} answered ${body.error}` }) : new OAuthError(body, details);
}

/** Parses a 2xx answer with `fields`, or throws `onError(answer)`. */
export function parseTokenAnswer(answer: TokenAnswer, fields: TokenFieldMap, now: number, previous: TokenSet | undefined, onError: () => Error): TokenSet {
  if (answer.status < 200 || answer.status > 299) throw onError();
  return normalizeTokenResponse(answer.body, fields, now, previous);
}

/* ------------------------------------------------------------------ PKCE and state */

const base64url = (bytes: Uint8Array): string => {
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
};

/**
 * A random URL-safe string (32 bytes of entropy by default) for `state`, nonces or PKCE verifiers.
 *
 * @example
 * ```ts
 * const state = randomState();
 * ```
 */
export function randomState(bytes = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(bytes)));
}

/**
 * A PKCE pair (RFC 7636, S256) made with WebCrypto.
 *
 * @example
 * ```ts
 * const { verifier, challenge } = await createPkce();
 * const url = adapter.authorizationUrl({ state, codeChallenge: challenge });
 * // later: client.exchangeCode(code, { codeVerifier: verifier })
 * ```
 */
export async function createPkce(): Promise<{ verifier: string; challenge: string; method: 'S256' }> {
  const verifier = randomState(32);
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return { verifier, challenge: base64url(new Uint8Array(digest)), method: 'S256' };
}

/* ------------------------------------------------------------------ the generic adapter */

/**
 * Options of {@link oauth2}, the adapter for any RFC 6749 server.
 *
 * @example
 * ```ts
 * const options: OAuth2Options = { clientId: 'app', clientSecret: 's3cret', tokenEndpoint: 'https://id.example/token' };
 * ```
 */
export interface OAuth2Options {
  /** The client id. */
  clientId: string;
  /** The client secret; omit for a public client (then use PKCE). */
  clientSecret?: string;
  /** Token endpoint URL. */
  tokenEndpoint: string;
  /** Authorization endpoint URL (needed for `authorizationUrl`). */
  authorizationEndpoint?: string;
  /** Redirect URI registered for the client. */
  redirectUri?: string;
  /** Scope to request. */
  scope?: string;
  /**
   * Token revocation endpoint URL (RFC 7009). With it, the token client's `revoke()` revokes the
   * refresh and access tokens at the server (authenticating as at the token endpoint) before it
   * forgets them; without it, `revoke()` only forgets them.
   */
  revocationEndpoint?: string;
  /**
   * How the client authenticates at the token endpoint (RFC 6749 §2.3.1).
   * @default 'client_secret_basic' with a secret, 'none' without
   */
  clientAuth?: 'client_secret_basic' | 'client_secret_post' | 'none';
  /** Use client_credentials as the grant when there is no token. @default false */
  clientCredentials?: boolean;
  /** Access token lifetime to assume when the answer has none, seconds. @default 3600 */
  defaultTtl?: number;
  /** Renew this many seconds before expiry. @default 60 */
  refreshWindow?: number;
  /** Wait between failed renewals while the token is valid, seconds. @default 30 */
  retryInterval?: number;
}

/**
 * The generic OAuth 2.0 adapter (RFC 6749 + PKCE S256): authorization URL with `state` and PKCE,
 * code exchange, refresh, client_credentials, client auth `client_secret_basic` or `client_secret_post`,
 * and token revocation (RFC 7009) when `revocationEndpoint` is set.
 *
 * @example
 * ```ts
 * const adapter = oauth2({
 *   clientId: 'app', clientSecret: 's3cret',
 *   authorizationEndpoint: 'https://id.example/authorize', tokenEndpoint: 'https://id.example/token',
 *   redirectUri: 'https://app.example/callback',
 * });
 * const { verifier, challenge } = await createPkce();
 * location.assign(adapter.authorizationUrl({ state: randomState(), codeChallenge: challenge }));
 * ```
 */
export function oauth2(options: OAuth2Options): AuthorizationCodeAdapter {
  const clientId = requireString(options.clientId, 'clientId');
  const tokenEndpoint = requireUrl(options.tokenEndpoint, 'tokenEndpoint');
  const authorizationEndpoint = options.authorizationEndpoint === undefined ? undefined : requireUrl(options.authorizationEndpoint, 'authorizationEndpoint');
  const secret = options.clientSecret;
  if (secret !== undefined) requireString(secret, 'clientSecret');
  const clientAuth = options.clientAuth ?? (secret === undefined ? 'none' : 'client_secret_basic');
  if (clientAuth !== 'none' && secret === undefined) throw new ConfigurationError(`clientAuth ${clientAuth} needs a clientSecret`);
  const revocationEndpoint = options.revocationEndpoint === undefined ? undefined : requireUrl(options.revocationEndpoint, 'revocationEndpoint');
  const fields: TokenFieldMap = { defaultTtl: options.defaultTtl ?? 3600 };

  /** A form request to `url` that authenticates the client as {@link OAuth2Options.clientAuth} says. */
  const authenticated = (url: string, body: Record<string, string | undefined>): TokenRequest => {
    const headers: Record<string, string> = {};
    if (clientAuth === 'client_secret_basic') {
      // RFC 6749 §2.3.1: id and secret are form-encoded before they are joined and base64-encoded.
      headers.authorization = `Basic ${base64(`${formEncode(clientId)}:${formEncode(secret ?? '')}`)}`;
    } else {
      body.client_id = clientId;
      if (clientAuth === 'client_secret_post') body.client_secret = secret;
    }
    return bodyRequest(url, 'form', body, headers);
  };

  return {
    id: 'oauth2',
    authScheme: 'Bearer',
    refreshWindow: options.refreshWindow ?? 60,
    retryInterval: options.retryInterval ?? 30,
    supportsState: true,
    supportsPkce: true,
    ...(options.clientCredentials ? { grant: options.scope === undefined ? { type: 'client_credentials' as const } : { type: 'client_credentials' as const, scope: options.scope } } : {}),
    authorizationUrl(params: AuthorizationParams = {}) {
      if (authorizationEndpoint === undefined) throw new ConfigurationError('authorizationEndpoint is required for authorizationUrl()');
      const url = new URL(authorizationEndpoint);
      const set = (key: string, value: string | undefined) => value !== undefined && url.searchParams.set(key, value);
      set('response_type', 'code');
      set('client_id', clientId);
      set('redirect_uri', params.redirectUri ?? options.redirectUri);
      set('scope', params.scope ?? options.scope);
      set('state', params.state);
      if (params.codeChallenge !== undefined) {
        set('code_challenge', params.codeChallenge);
        set('code_challenge_method', 'S256');
      }
      return url.toString();
    },
    buildRequest(grant: Grant): TokenRequest {
      const body: Record<string, string | undefined> = { grant_type: grant.type };
      if (grant.type === 'authorization_code') {
        body.code = grant.code;
        body.redirect_uri = grant.redirectUri ?? options.redirectUri;
        body.code_verifier = grant.codeVerifier;
      } else if (grant.type === 'refresh_token') {
        body.refresh_token = grant.refreshToken;
        body.scope = grant.scope;
      } else {
        body.scope = grant.scope ?? options.scope;
      }
      return authenticated(tokenEndpoint, body);
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () => oauthErrorOf(answer, grant));
    },
    ...(revocationEndpoint === undefined
      ? {}
      : {
          buildRevocationRequest: (token: string, hint: TokenTypeHint): TokenRequest =>
            authenticated(revocationEndpoint, { token, token_type_hint: hint }),
          // RFC 7009 §2.2: 200, whatever the body, means revoked or already invalid (some servers send 204).
          parseRevocationResponse(answer: TokenAnswer): void {
            if (answer.status < 200 || answer.status > 299) throw oauthErrorOf(answer, undefined);
          },
        }),
  };
}
