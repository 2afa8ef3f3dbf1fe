import type {
  Adapter,
  AuthorizationCodeAdapter,
  AuthorizationParams,
  Grant,
  TokenRequest,
} from '../adapter';
import { ConfigurationError, ReauthorizationRequiredError } from '../errors';
import { checkOptions, optionRules, type OptionRule } from '../options';
import type { TokenFieldMap } from '../token-set';
import {
  base,
  BODY_FORMAT,
  bodyRequest,
  oauthErrorOf,
  parseTokenAnswer,
  REQ_STR,
  REQ_URL,
  SECONDS,
} from './shared';

/**
 * Options of {@link orangeLogic}.
 *
 * @example
 * ```ts
 * const adapter = orangeLogic({
 *   siteUrl: 'https://acme.orangelogic.com', clientId, clientSecret, redirectUri: 'https://app.example/callback',
 * });
 * ```
 */
export interface OrangeLogicOptions {
  /** The tenant's own site: every Orange Logic URL lives on it. */
  siteUrl: string;
  /** The client id of the application's account in Orange Logic. */
  clientId: string;
  /** The client secret of that account. Server-side only. */
  clientSecret: string;
  /** The redirect URI registered for the application. */
  redirectUri: string;
  /**
   * Token path on the site (from public clients, not the official excerpt).
   * @default '/webapi/security/oauth2/token_48I_v1'
   */
  tokenPath?: string;
  /** Authorize path on the site. @default '/oauth2/auth' */
  authorizePath?: string;
  /** Token request body format (public clients send JSON). @default 'json' */
  bodyFormat?: 'json' | 'form';
  /** Renew this many seconds before expiry. @default 300 */
  refreshWindow?: number;
}

// Access tokens live 24 h, refresh tokens 30 days from issue; every call returns a new pair. An
// answer's own `expires_in` wins: the 24 h are assumed only when it carries none.
/** Statuses of a refused refresh that mean "authorize again" (the docs: 401 no authenticated account). */
const REFRESH_REFUSED: ReadonlySet<number> = new Set([400, 401]);
const fields: TokenFieldMap = { defaultTtl: 24 * 3600, refreshTtl: 30 * 24 * 3600 };

const PATH = /* @__PURE__ */ optionRules.stringWhere(
  (v) => v.startsWith('/'),
  'a path starting with "/"',
);

/** What each option of {@link OrangeLogicOptions} may hold. */
const RULES = {
  siteUrl: REQ_URL,
  clientId: REQ_STR,
  clientSecret: REQ_STR,
  redirectUri: REQ_URL,
  tokenPath: PATH,
  authorizePath: PATH,
  bodyFormat: BODY_FORMAT,
  refreshWindow: SECONDS,
} satisfies Record<keyof OrangeLogicOptions, OptionRule>;

/**
 * Orange Logic (OrangeDAM) authorization code + refresh. The token call carries the refresh token in
 * `code` when refreshing. The access token lives as long as the answer's `expires_in` says (24 h,
 * the documented lifetime, only when the answer has none). A refresh token unused for 30 days (or refused with 400 / 401) means the
 * authorization must run again: {@link ReauthorizationRequiredError}. An answer naming
 * `invalid_client` / `unauthorized_client` is a ClientRejectedError (a wrong secret keeps the
 * session), and a 403 (documented: SSL mismatch) stays a plain error.
 *
 * @example
 * ```ts
 * const adapter = orangeLogic({ siteUrl, clientId, clientSecret, redirectUri });
 * const state = randomState();
 * return Response.redirect(adapter.authorizationUrl({ state }), 302);
 * ```
 */
export function orangeLogic(options: OrangeLogicOptions): AuthorizationCodeAdapter {
  checkOptions('orangeLogic', options, RULES);
  const { clientId, clientSecret } = options;
  const site = base(options.siteUrl);
  const redirectUri = base(options.redirectUri); // as before the rules: trailing slashes dropped
  const tokenUrl = `${site}${options.tokenPath ?? '/webapi/security/oauth2/token_48I_v1'}`;
  const authorizeUrl = `${site}${options.authorizePath ?? '/oauth2/auth'}`;
  const format = options.bodyFormat ?? 'json';
  return {
    id: 'orange-logic',
    authScheme: 'Bearer',
    refreshWindow: options.refreshWindow ?? 300,
    retryInterval: 60,
    supportsState: true,
    supportsPkce: false,
    authorizationUrl(params: AuthorizationParams = {}) {
      const url = new URL(authorizeUrl);
      url.searchParams.set('client_id', clientId);
      url.searchParams.set('response_type', 'code');
      url.searchParams.set('redirect_uri', params.redirectUri ?? redirectUri);
      if (params.state !== undefined) url.searchParams.set('state', params.state);
      return url.toString();
    },
    buildRequest(grant: Grant): TokenRequest {
      if (grant.type === 'client_credentials')
        throw new ConfigurationError('Orange Logic tokens come from a code exchange or a refresh');
      const code = grant.type === 'refresh_token' ? grant.refreshToken : grant.code;
      return bodyRequest(tokenUrl, format, {
        client_id: clientId,
        client_secret: clientSecret,
        grant_type: grant.type,
        code,
      });
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () => {
        const error = oauthErrorOf(answer, grant);
        // The docs: a refresh token unused for 30 days must be replaced by a new authorization, and
        // 401 is "no authenticated account"; they document no error body. So a refused refresh (400,
        // 401) is read as re-authorization, unless the body says the client itself was refused
        // (`invalid_client` / `unauthorized_client`: ClientRejectedError, the session stays). 403 is
        // documented as an SSL mismatch: a deployment problem, never the user's, so not re-authorization.
        if (
          grant.type === 'refresh_token' &&
          REFRESH_REFUSED.has(answer.status) &&
          error.code !== 'client_rejected' &&
          !(error instanceof ReauthorizationRequiredError)
        ) {
          return new ReauthorizationRequiredError(
            'Orange Logic refused the refresh token',
            { error: error.error },
            { status: answer.status },
          );
        }
        return error;
      });
    },
  };
}

/**
 * Options of {@link orangeLogicClientCredentials}.
 *
 * @example
 * ```ts
 * const adapter = orangeLogicClientCredentials({
 *   siteUrl: 'https://acme.orangelogic.com', clientId, clientSecret,
 * });
 * ```
 */
export interface OrangeLogicClientCredentialsOptions {
  /** The tenant's own site: every Orange Logic URL lives on it. */
  siteUrl: string;
  /** The client id of the application's account in Orange Logic. */
  clientId: string;
  /** The client secret of that account. Server-side only. */
  clientSecret: string;
  /**
   * Token path on the site (from public integrations, not the official excerpt).
   * @default '/webapi/security/clientcredentialsauthentication/authenticate_46H_v1'
   */
  tokenPath?: string;
  /** Renew this many seconds before expiry. @default 300 */
  refreshWindow?: number;
}

/** What each option of {@link OrangeLogicClientCredentialsOptions} may hold. */
const CC_RULES = {
  siteUrl: REQ_URL,
  clientId: REQ_STR,
  clientSecret: REQ_STR,
  tokenPath: PATH,
  refreshWindow: SECONDS,
} satisfies Record<keyof OrangeLogicClientCredentialsOptions, OptionRule>;

/**
 * Orange Logic (OrangeDAM) client credentials, for a server acting as its own account (no user):
 * `POST /webapi/security/clientcredentialsauthentication/authenticate_46H_v1` with a JSON body
 * `{ client_id, client_secret }`, answered `{ access_token, expires_in }`. The endpoint comes from
 * public integrations, not the official excerpt, so the path is configurable (`tokenPath`). No
 * refresh token is issued: renewal is a new grant. The answer's `expires_in` sets the token's life;
 * without one, 1 h is assumed (conservative: the 24 h of the documented OAuth-code tokens are not
 * documented for this grant). Public integrations disagree on this endpoint: some send a form body
 * with `grant_type`, some read `expiresInSeconds`; this adapter sends the JSON body and reads
 * `expires_in`. A refused secret (`invalid_client`) is a ClientRejectedError.
 *
 * @example
 * ```ts
 * const client = createTokenClient({
 *   adapter: orangeLogicClientCredentials({ siteUrl: 'https://acme.orangelogic.com', clientId, clientSecret }),
 * });
 * await client.fetch('https://acme.orangelogic.com/webapi/...');
 * ```
 */
export function orangeLogicClientCredentials(
  options: OrangeLogicClientCredentialsOptions,
): Adapter {
  checkOptions('orangeLogicClientCredentials', options, CC_RULES);
  const { clientId, clientSecret } = options;
  const tokenUrl = `${base(options.siteUrl)}${
    options.tokenPath ?? '/webapi/security/clientcredentialsauthentication/authenticate_46H_v1'
  }`;
  // No expires_in: 1 h, not the OAuth-code tokens' 24 h (undocumented here; renewing early is cheap).
  const ccFields: TokenFieldMap = { defaultTtl: 3600 };
  return {
    id: 'orange-logic-client-credentials',
    authScheme: 'Bearer',
    refreshWindow: options.refreshWindow ?? 300,
    retryInterval: 60,
    grant: { type: 'client_credentials' },
    buildRequest(grant: Grant): TokenRequest {
      if (grant.type !== 'client_credentials')
        throw new ConfigurationError(
          'Orange Logic client credentials issue no refresh token and take no code',
        );
      return bodyRequest(tokenUrl, 'json', { client_id: clientId, client_secret: clientSecret });
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, ccFields, now, previous, () => oauthErrorOf(answer, grant));
    },
  };
}
