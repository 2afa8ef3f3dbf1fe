import type { Adapter, Grant, TokenRequest } from '../adapter';
import { checkOptions, optionRules, type OptionRule } from '../options';
import type { TokenFieldMap } from '../token-set';
import {
  AUTH_SCHEME,
  base,
  base64,
  bodyRequest,
  oauthErrorOf,
  parseTokenAnswer,
  POSITIVE_SECONDS,
  REQ_STR,
  SECONDS,
  URL_,
} from './shared';

/** First Orion environment: `production` (`api.firstorion.com`) or `lab` (`api.forp-lab.com`). */
export type FirstOrionEnvironment = 'production' | 'lab';

const REQUEST_ID = 'X-Forp-Meta-Request-Id';

/** Options shared by both First Orion flows. */
export interface FirstOrionCommonOptions {
  /** The API key from the First Orion portal. */
  apiKey: string;
  /** The secret key from the First Orion portal. */
  secretKey: string;
  /** Which First Orion. @default 'production' */
  environment?: FirstOrionEnvironment;
  /** Override the API origin (a local emulator, a proxy). @default per environment */
  baseUrl?: string;
}

/** What each option of {@link FirstOrionCommonOptions} may hold. */
const COMMON_RULES = {
  apiKey: REQ_STR,
  secretKey: REQ_STR,
  environment: /* @__PURE__ */ optionRules.oneOf('production', 'lab'),
  baseUrl: URL_,
} satisfies Record<keyof FirstOrionCommonOptions, OptionRule>;

function origin(options: FirstOrionCommonOptions): string {
  if (options.baseUrl !== undefined) return base(options.baseUrl);
  return options.environment === 'lab' ? 'https://api.forp-lab.com' : 'https://api.firstorion.com';
}

/**
 * Options of {@link firstOrionOAuth}.
 *
 * @example
 * ```ts
 * const adapter = firstOrionOAuth({ apiKey, secretKey, environment: 'lab' });
 * ```
 */
export interface FirstOrionOAuthOptions extends FirstOrionCommonOptions {
  /** `Authorization` format on API calls. @default 'Bearer' (the answer's token_type) */
  authScheme?: 'Bearer' | 'raw';
  /** Renew this many seconds before expiry. @default 60 */
  refreshWindow?: number;
}

/** What each option of {@link FirstOrionOAuthOptions} may hold. */
// Object.assign, not a spread: a bundler drops a pure call nobody uses, and keeps a spread.
const OAUTH_RULES = /* @__PURE__ */ Object.assign(
  { authScheme: AUTH_SCHEME, refreshWindow: SECONDS },
  COMMON_RULES,
) satisfies Record<keyof FirstOrionOAuthOptions, OptionRule>;

/**
 * First Orion OAuth v2: `POST /v2/auth` with standard HTTP Basic (`apikey:secretkey`, base64) and a
 * `grant_type=client_credentials` form. No refresh token is issued: renewal is a new grant.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter: firstOrionOAuth({ apiKey, secretKey }) });
 * await client.fetch('https://api.firstorion.com/...');
 * ```
 */
export function firstOrionOAuth(options: FirstOrionOAuthOptions): Adapter {
  checkOptions('firstOrionOAuth', options, OAUTH_RULES);
  const { apiKey, secretKey } = options;
  const url = `${origin(options)}/v2/auth`;
  const fields: TokenFieldMap = { defaultTtl: 3600 };
  return {
    id: 'first-orion-oauth',
    authScheme: options.authScheme ?? 'Bearer',
    refreshWindow: options.refreshWindow ?? 60,
    retryInterval: 30,
    grant: { type: 'client_credentials' },
    requestIdHeader: REQUEST_ID,
    buildRequest(): TokenRequest {
      return bodyRequest(
        url,
        'form',
        { grant_type: 'client_credentials' },
        { authorization: `Basic ${base64(`${apiKey}:${secretKey}`)}` },
      );
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () =>
        oauthErrorOf(answer, grant, REQUEST_ID),
      );
    },
  };
}

/**
 * Options of {@link firstOrionV1}.
 *
 * @example
 * ```ts
 * const adapter = firstOrionV1({ apiKey, secretKey, refresh: 'header', authScheme: 'raw' });
 * ```
 */
export interface FirstOrionV1Options extends FirstOrionCommonOptions {
  /**
   * `Authorization` format on API calls: the API guides send the raw token; some clients send `Bearer`.
   * @default 'raw'
   */
  authScheme?: 'Bearer' | 'raw';
  /**
   * How `/v1/auth/refresh` takes the refresh token (not in the public docs; a guess from one public
   * client): `header` sends `X-REFRESH-TOKEN`, `body` a JSON `{ refresh_token }`, `false` never refreshes
   * and always re-authenticates with the key pair. A failed refresh falls back to `/v1/auth`.
   * @default 'header'
   */
  refresh?: 'header' | 'body' | false;
  /** Renew this many seconds before expiry (the documented policy). @default 600 */
  refreshWindow?: number;
  /** Retry a failed renewal this often while the token is still valid, seconds (documented). @default 60 */
  retryInterval?: number;
}

/** What each option of {@link FirstOrionV1Options} may hold. */
const V1_RULES = /* @__PURE__ */ Object.assign(
  {
    authScheme: AUTH_SCHEME,
    refresh: /* @__PURE__ */ optionRules.oneOf('header', 'body', false),
    refreshWindow: SECONDS,
    retryInterval: POSITIVE_SECONDS,
  },
  COMMON_RULES,
) satisfies Record<keyof FirstOrionV1Options, OptionRule>;

/**
 * First Orion's original in-house auth: `POST /v1/auth` with `X-SERVICE: auth`, `X-API-KEY` and
 * `X-SECRET-KEY`; reads `token`, `refresh_token`, `expires_in` and `expires_at` (epoch seconds).
 * Renews 10 minutes before expiry via `/v1/auth/refresh`, retrying once a minute while the token is
 * valid, and falls back to a fresh `/v1/auth`.
 *
 * @example
 * ```ts
 * const client = createTokenClient({ adapter: firstOrionV1({ apiKey, secretKey }) });
 * const res = await client.fetch('https://api.firstorion.com/v1/...'); // Authorization: <token>
 * ```
 */
export function firstOrionV1(options: FirstOrionV1Options): Adapter {
  checkOptions('firstOrionV1', options, V1_RULES);
  const { apiKey, secretKey } = options;
  const base = origin(options);
  const refresh = options.refresh ?? 'header';
  const fields: TokenFieldMap = { accessToken: 'token', defaultTtl: 3600 };
  return {
    id: 'first-orion-v1',
    authScheme: options.authScheme ?? 'raw',
    refreshWindow: options.refreshWindow ?? 600,
    retryInterval: options.retryInterval ?? 60,
    grant: { type: 'client_credentials' },
    requestIdHeader: REQUEST_ID,
    buildRequest(grant: Grant): TokenRequest {
      const headers = { 'x-service': 'auth', 'x-api-key': apiKey };
      if (grant.type === 'refresh_token' && refresh !== false) {
        return refresh === 'header'
          ? {
              url: `${base}/v1/auth/refresh`,
              method: 'POST',
              headers: {
                ...headers,
                'x-refresh-token': grant.refreshToken,
                accept: 'application/json',
              },
            }
          : bodyRequest(
              `${base}/v1/auth/refresh`,
              'json',
              { refresh_token: grant.refreshToken },
              headers,
            );
      }
      return {
        url: `${base}/v1/auth`,
        method: 'POST',
        headers: {
          ...headers,
          'x-secret-key': secretKey,
          'content-type': 'application/json',
          accept: 'application/json',
        },
      };
    },
    parseResponse(answer, grant, now, previous) {
      return parseTokenAnswer(answer, fields, now, previous, () =>
        oauthErrorOf(answer, grant, REQUEST_ID),
      );
    },
  };
}
