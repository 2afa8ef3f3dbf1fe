import type {
  AuthorizationCodeAdapter,
  AuthorizationParams,
  Grant,
  TokenAnswer,
  TokenRequest,
  TokenTypeHint,
} from '../adapter';
import { ConfigurationError } from '../errors';
import { checkOptions, optionRules, type OptionRule } from '../options';
import type { TokenFieldMap } from '../token-set';
import {
  base,
  base64,
  BOOL,
  bodyRequest,
  formEncode,
  oauthErrorOf,
  parseTokenAnswer,
  POSITIVE_SECONDS,
  REQ_STR,
  REQ_URL,
  SECONDS,
  STR,
  URL_,
} from './shared';

/**
 * Options of {@link oauth2}, the adapter for any RFC 6749 server.
 *
 * @example
 * ```ts
 * const adapter = oauth2({ clientId: 'app', clientSecret: 's3cret', tokenEndpoint: 'https://id.example/token' });
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

/** What each option of {@link OAuth2Options} may hold. */
const RULES = {
  clientId: REQ_STR,
  clientSecret: STR,
  tokenEndpoint: REQ_URL,
  authorizationEndpoint: URL_,
  // RFC 6749 §3.1.2: an absolute URI (a native app's may have its own scheme).
  redirectUri: /* @__PURE__ */ optionRules.stringWhere(
    (v) => /^[a-z][\w+.-]*:/i.test(v),
    'an absolute URI',
  ),
  scope: STR,
  revocationEndpoint: URL_,
  clientAuth: /* @__PURE__ */ optionRules.oneOf(
    'client_secret_basic',
    'client_secret_post',
    'none',
  ),
  clientCredentials: BOOL,
  defaultTtl: POSITIVE_SECONDS,
  refreshWindow: SECONDS,
  retryInterval: POSITIVE_SECONDS,
} satisfies Record<keyof OAuth2Options, OptionRule>;

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
  checkOptions('oauth2', options, RULES);
  const {
    clientId,
    clientSecret: secret,
    authorizationEndpoint: authorize,
    revocationEndpoint: revoke,
  } = options;
  const tokenEndpoint = base(options.tokenEndpoint);
  const authorizationEndpoint = authorize && base(authorize);
  const clientAuth = options.clientAuth ?? (secret === undefined ? 'none' : 'client_secret_basic');
  if (clientAuth !== 'none' && secret === undefined)
    throw new ConfigurationError(`oauth2: "clientAuth" "${clientAuth}" needs a "clientSecret"`);
  const revocationEndpoint = revoke && base(revoke);
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
    ...(options.clientCredentials
      ? {
          grant:
            options.scope === undefined
              ? { type: 'client_credentials' as const }
              : { type: 'client_credentials' as const, scope: options.scope },
        }
      : {}),
    authorizationUrl(params: AuthorizationParams = {}) {
      if (authorizationEndpoint === undefined)
        throw new ConfigurationError('authorizationEndpoint is required for authorizationUrl()');
      const url = new URL(authorizationEndpoint);
      const set = (key: string, value: string | undefined) =>
        value !== undefined && url.searchParams.set(key, value);
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
          revocation: {
            buildRequest: (token: string, hint: TokenTypeHint): TokenRequest =>
              authenticated(revocationEndpoint, { token, token_type_hint: hint }),
            // RFC 7009 §2.2: 200, whatever the body, means revoked or already invalid (some servers send 204).
            parseResponse(answer: TokenAnswer): void {
              if (answer.status < 200 || answer.status > 299) throw oauthErrorOf(answer, undefined);
            },
          },
        }),
  };
}
