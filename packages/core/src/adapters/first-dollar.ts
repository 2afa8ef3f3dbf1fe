import type { Adapter, AuthorizationCodeAdapter, Grant, TokenRequest } from '../adapter';
import { ConfigurationError, ConsentRequiredError } from '../errors';
import { checkOptions, optionRules, type OptionRule } from '../options';
import type { TokenFieldMap } from '../token-set';
import {
  base,
  BODY_FORMAT,
  BOOL,
  bodyRequest,
  oauthErrorOf,
  parseTokenAnswer,
  REQ_STR,
  SECONDS,
  URL_,
} from './shared';

/** First Dollar environment: `sandbox` (`*.dev.firstdollar.com`) or `production`. */
export type FirstDollarEnvironment = 'sandbox' | 'production';

/** What `environment` may hold (internal: shared with `firstDollarGraphQLEndpoint`). */
export const FD_ENVIRONMENT = /* @__PURE__ */ optionRules.oneOf('sandbox', 'production');

/**
 * First Dollar's hosts per environment.
 *
 * @example
 * ```ts
 * firstDollarHosts('sandbox').api; // 'https://api.dev.firstdollar.com'
 * ```
 */
export function firstDollarHosts(environment: FirstDollarEnvironment = 'sandbox'): {
  api: string;
  consent: string;
} {
  checkOptions('firstDollarHosts', { environment }, { environment: FD_ENVIRONMENT });
  return environment === 'production'
    ? { api: 'https://api.firstdollar.com', consent: 'https://my.firstdollar.com' }
    : { api: 'https://api.dev.firstdollar.com', consent: 'https://my.dev.firstdollar.com' };
}

/** Options shared by both First Dollar flows. */
export interface FirstDollarCommonOptions {
  /** The client id First Dollar sent you (Partner ids look like `partner_<CODE>_api@partner.firstdollar.com`). */
  clientId: string;
  /** The client secret. Server-side only: First Dollar requires token calls from your backend. */
  clientSecret: string;
  /** Which First Dollar. @default 'sandbox' */
  environment?: FirstDollarEnvironment;
  /** Override the API origin (a local emulator, a proxy). @default per environment */
  apiBaseUrl?: string;
  /**
   * Body format of `/v0/auth/token`. The docs show JSON; First Dollar's own client posts a form and it works.
   * @default 'json'
   */
  bodyFormat?: 'json' | 'form';
  /** Renew this many seconds before expiry. @default 60 */
  refreshWindow?: number;
}

// Tokens last one hour; FACTS.md says they are likely Firebase JWTs, whose `exp` is a cross-check only.
const fields: TokenFieldMap = { defaultTtl: 3600 };

/** What each option of {@link FirstDollarCommonOptions} may hold. */
const COMMON_RULES = {
  clientId: REQ_STR,
  clientSecret: REQ_STR,
  environment: FD_ENVIRONMENT,
  apiBaseUrl: URL_,
  bodyFormat: BODY_FORMAT,
  refreshWindow: SECONDS,
} satisfies Record<keyof FirstDollarCommonOptions, OptionRule>;

function tokenEndpoint(options: FirstDollarCommonOptions): string {
  return `${options.apiBaseUrl === undefined ? firstDollarHosts(options.environment).api : base(options.apiBaseUrl)}/v0/auth/token`;
}

/**
 * The First Dollar Partner API adapter: client_credentials at `POST /v0/auth/token`, refreshed with
 * the (rotating) refresh token, falling back to a new client_credentials grant when a refresh fails.
 *
 * @example
 * ```ts
 * const client = createTokenClient({
 *   adapter: firstDollarPartner({ clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 * });
 * const token = await client.getAccessToken();
 * ```
 */
export function firstDollarPartner(options: FirstDollarCommonOptions): Adapter {
  checkOptions('firstDollarPartner', options, COMMON_RULES);
  const { clientId, clientSecret } = options;
  const url = tokenEndpoint(options);
  const format = options.bodyFormat ?? 'json';
  return {
    id: 'first-dollar-partner',
    authScheme: 'Bearer',
    refreshWindow: options.refreshWindow ?? 60,
    retryInterval: 30,
    grant: { type: 'client_credentials' },
    buildRequest(grant: Grant): TokenRequest {
      return grant.type === 'refresh_token'
        ? bodyRequest(url, format, {
            grant_type: 'refresh_token',
            refresh_token: grant.refreshToken,
          })
        : bodyRequest(url, format, {
            grant_type: 'client_credentials',
            client_id: clientId,
            client_secret: clientSecret,
          });
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () => oauthErrorOf(answer, grant));
    },
  };
}

/**
 * Options of {@link firstDollarApp}.
 *
 * @example
 * ```ts
 * const adapter = firstDollarApp({ appId: 'app_123', clientId, clientSecret });
 * ```
 */
export interface FirstDollarAppOptions extends FirstDollarCommonOptions {
  /** The OAuth App id First Dollar sent you. */
  appId: string;
  /** Override the consent page origin. @default per environment */
  consentBaseUrl?: string;
  /**
   * The redirect URI registered for the app. Not sent: First Dollar's consent page takes none and
   * always redirects there. Accepted (checked as an absolute http(s) URL) so one object can hold
   * the app's whole registration, such as `TEST_CREDENTIALS.firstDollarApp`.
   */
  redirectUri?: string;
  /**
   * Send `client_id` and `client_secret` with refresh calls too. The docs show a refresh body without
   * them (guess: not needed). @default false
   */
  refreshWithClientCredentials?: boolean;
}

/** What each option of {@link FirstDollarAppOptions} may hold. */
// Object.assign, not a spread: a bundler drops a pure call nobody uses, and keeps a spread.
const APP_RULES = /* @__PURE__ */ Object.assign(
  { appId: REQ_STR, consentBaseUrl: URL_, redirectUri: URL_, refreshWithClientCredentials: BOOL },
  COMMON_RULES,
) satisfies Record<keyof FirstDollarAppOptions, OptionRule>;

/**
 * The First Dollar OAuth App adapter (authorization code). The consent URL takes no `state`,
 * redirect URI, scope or PKCE (none is documented): protect the callback with a login-intent cookie
 * (`@grantkit/edge` does). A 401 from the code or refresh exchange becomes a
 * {@link ConsentRequiredError} carrying the consent URL.
 *
 * @example
 * ```ts
 * const adapter = firstDollarApp({ appId, clientId, clientSecret });
 * // browser → adapter.authorizationUrl(); on the redirect back with ?code=…:
 * const client = createTokenClient({ adapter });
 * await client.exchangeCode(code);
 * ```
 */
export function firstDollarApp(options: FirstDollarAppOptions): AuthorizationCodeAdapter {
  checkOptions('firstDollarApp', options, APP_RULES);
  const { appId, clientId, clientSecret } = options;
  const url = tokenEndpoint(options);
  const format = options.bodyFormat ?? 'json';
  const consentOrigin =
    options.consentBaseUrl === undefined
      ? firstDollarHosts(options.environment).consent
      : base(options.consentBaseUrl);
  const consentUrl = `${consentOrigin}/oauth/app/${encodeURIComponent(appId)}/`;
  return {
    id: 'first-dollar-app',
    authScheme: 'Bearer',
    refreshWindow: options.refreshWindow ?? 60,
    retryInterval: 30,
    supportsState: false,
    supportsPkce: false,
    authorizationUrl: () => consentUrl,
    buildRequest(grant: Grant): TokenRequest {
      if (grant.type === 'authorization_code') {
        return bodyRequest(url, format, {
          grant_type: 'authorization_code',
          code: grant.code,
          client_id: clientId,
          client_secret: clientSecret,
        });
      }
      if (grant.type === 'refresh_token') {
        const credentials = options.refreshWithClientCredentials
          ? { client_id: clientId, client_secret: clientSecret }
          : {};
        return bodyRequest(url, format, {
          grant_type: 'refresh_token',
          refresh_token: grant.refreshToken,
          ...credentials,
        });
      }
      throw new ConfigurationError(
        'First Dollar OAuth App tokens come from a code exchange or a refresh',
      );
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () => {
        const error = oauthErrorOf(answer, grant);
        if (answer.status !== 401) return error;
        return new ConsentRequiredError(
          consentUrl,
          { error: error.error },
          error.status === undefined ? {} : { status: error.status },
        );
      });
    },
  };
}
