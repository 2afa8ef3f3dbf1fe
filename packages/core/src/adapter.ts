import type { TokenSet } from './token-set';

/**
 * A request for a token: what to send to a token endpoint.
 *
 * @example
 * ```ts
 * const request = adapter.buildRequest({ type: 'authorization_code', code, codeVerifier });
 * ```
 */
export type Grant =
  | { type: 'client_credentials'; scope?: string }
  | { type: 'authorization_code'; code: string; redirectUri?: string; codeVerifier?: string }
  | { type: 'refresh_token'; refreshToken: string; scope?: string };

/**
 * A fully built token request (pure data; nothing is sent yet).
 *
 * @example
 * ```ts
 * const req: TokenRequest = adapter.buildRequest({ type: 'client_credentials' });
 * await fetch(req.url, req);
 * ```
 */
export interface TokenRequest {
  url: string;
  method: 'POST';
  headers: Record<string, string>;
  body?: string;
}

/**
 * What a token endpoint answered: status, headers and the parsed body (JSON, else text, else undefined).
 *
 * @example
 * ```ts
 * const set = adapter.parseResponse({ status: 200, headers: new Headers(), body: json }, grant, Date.now());
 * ```
 */
export interface TokenAnswer {
  status: number;
  headers: Headers;
  body: unknown;
}

/**
 * The contract every vendor flow implements: plain data plus a pure request builder and a pure
 * response parser. The token client knows nothing else about a vendor.
 *
 * @example
 * ```ts
 * const adapter = firstDollarPartner({ clientId, clientSecret });
 * const client = createTokenClient({ adapter });
 * ```
 */
export interface Adapter {
  /** A stable name of the flow, e.g. `first-dollar-partner`. */
  readonly id: string;
  /** How the token goes in `Authorization`: `Bearer <token>` or the raw token. */
  readonly authScheme: 'Bearer' | 'raw';
  /** Renew this many seconds before the access token expires. */
  readonly refreshWindow: number;
  /** After a failed renewal while the token is still valid, wait this many seconds before trying again. */
  readonly retryInterval: number;
  /**
   * The grant that obtains a token without a user (client credentials, an API key pair). When set,
   * the client uses it when it has no token, and as the fallback when a refresh fails.
   */
  readonly grant?: Grant;
  /** Response header holding the vendor's request id, surfaced on errors. */
  readonly requestIdHeader?: string;
  /** Builds the token request for a grant. */
  buildRequest(grant: Grant): TokenRequest;
  /** Parses a token answer into a {@link TokenSet}, or throws the typed error it means. */
  parseResponse(answer: TokenAnswer, grant: Grant, now: number, previous?: TokenSet): TokenSet;
  /**
   * Token revocation (RFC 7009): its request builder and answer parser, both or neither. Absent when
   * the vendor documents no revocation; then the token client's `revoke()` only forgets the tokens
   * locally.
   */
  readonly revocation?: TokenRevocation;
}

/**
 * How an adapter revokes a token (RFC 7009): a pure request builder and a pure answer reader, like
 * the token request's.
 *
 * @example
 * ```ts
 * const request = adapter.revocation?.buildRequest(tokens.refreshToken, 'refresh_token');
 * if (request) adapter.revocation?.parseResponse(await send(request));
 * ```
 */
export interface TokenRevocation {
  /** Builds the revocation request for a token. */
  buildRequest(token: string, hint: TokenTypeHint): TokenRequest;
  /** Reads a revocation answer: returns when the token is revoked, throws the typed error it means. */
  parseResponse(answer: TokenAnswer): void;
}

/**
 * Which token a revocation request names (RFC 7009 `token_type_hint`).
 *
 * @example
 * ```ts
 * const request = adapter.revocation?.buildRequest(tokens.refreshToken, 'refresh_token' satisfies TokenTypeHint);
 * ```
 */
export type TokenTypeHint = 'access_token' | 'refresh_token';

/**
 * Parameters for an authorization URL. Providers that document no `state` or PKCE ignore them.
 *
 * @example
 * ```ts
 * const url = adapter.authorizationUrl({ state, codeChallenge });
 * ```
 */
export interface AuthorizationParams {
  state?: string;
  codeChallenge?: string;
  redirectUri?: string;
  scope?: string;
}

/**
 * An adapter for a flow where a user consents in a browser and the app exchanges a code.
 *
 * @example
 * ```ts
 * const adapter: AuthorizationCodeAdapter = orangeLogic({ siteUrl, clientId, clientSecret, redirectUri });
 * location.assign(adapter.authorizationUrl({ state }));
 * ```
 */
export interface AuthorizationCodeAdapter extends Adapter {
  /** Whether the provider echoes `state` back to the redirect URL. */
  readonly supportsState: boolean;
  /** Whether the provider supports PKCE (S256). */
  readonly supportsPkce: boolean;
  /** The URL to send the user's browser to. */
  authorizationUrl(params?: AuthorizationParams): string;
}
