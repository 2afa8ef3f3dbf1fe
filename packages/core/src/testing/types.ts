/** Public types of the vendor emulator. */

/** The vendors the emulator serves; `'unknown'` labels requests to a path no vendor serves. */
export type EmulatedVendor = 'firstDollar' | 'firstOrion' | 'orangeLogic' | 'oauth2';

/**
 * A First Dollar Partner API client (client_credentials grant).
 * @example
 * const emulator = createVendorEmulator({ firstDollar: { partners: [{ clientId: 'partner_ACME_api@partner.firstdollar.com', clientSecret: 's3cret' }] } });
 */
export interface FirstDollarPartner {
  clientId: string;
  clientSecret: string;
}

/**
 * A First Dollar OAuth App (authorization_code grant). `redirectUri` is fixed at registration:
 * the consent page always redirects there.
 * @example
 * const emulator = createVendorEmulator({ firstDollar: { apps: [{ appId: 'app_1', clientId: 'cid', clientSecret: 's3cret', redirectUri: 'http://127.0.0.1/auth/callback' }] } });
 */
export interface FirstDollarApp {
  appId: string;
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The name the consent page shows. @default the app id */
  name?: string;
}

/**
 * A First Orion API key pair (v2 Basic auth and v1 `X-API-KEY` / `X-SECRET-KEY`).
 * @example
 * const emulator = createVendorEmulator({ firstOrion: { keys: [{ apiKey: 'key', secretKey: 'secret' }] } });
 */
export interface FirstOrionKey {
  apiKey: string;
  secretKey: string;
}

/**
 * An Orange Logic third-party application.
 * @example
 * const emulator = createVendorEmulator({ orangeLogic: { clients: [{ clientId: 'cid', clientSecret: 's3cret', redirectUri: 'http://127.0.0.1/auth/callback' }] } });
 */
export interface OrangeLogicClient {
  clientId: string;
  clientSecret: string;
  redirectUri: string;
  /** The name the consent page (`orangeLogic.consentPage`) shows. @default the client id */
  name?: string;
}

/**
 * A generic RFC 6749 client. `tokenEndpointAuthMethod` defaults to `client_secret_basic` when a
 * secret is set, else `none` (a public client, which must use PKCE S256).
 * @example
 * const emulator = createVendorEmulator({ oauth2: { clients: [{ clientId: 'spa', redirectUris: ['http://127.0.0.1/cb'], tokenEndpointAuthMethod: 'none' }] } });
 */
export interface OAuth2Client {
  clientId: string;
  clientSecret?: string;
  redirectUris: string[];
  tokenEndpointAuthMethod?: 'client_secret_basic' | 'client_secret_post' | 'none';
}

/** Context given to a GraphQL resolver: the app of `/app/<appId>/graphql` (absent on the Partner endpoint) and the token's subject. */
export interface GraphqlContext {
  appId?: string;
  sub: string;
}

/**
 * Answers First Dollar GraphQL queries other than `query { ping }`. The return value becomes
 * `data`; `undefined` means "not handled" (a GraphQL `Cannot query field` error); a thrown error
 * becomes `errors[0].message`.
 * @example
 * const resolver: GraphqlResolver = (query) => (query.includes('me') ? { me: { id: 'user_1' } } : undefined);
 */
export type GraphqlResolver = (
  query: string,
  variables: Record<string, unknown>,
  context: GraphqlContext,
) => unknown | Promise<unknown>;

/**
 * Options of {@link createVendorEmulator}. Every credential list, when given, replaces the
 * matching default of `TEST_CREDENTIALS`.
 * @example
 * const emulator = createVendorEmulator({ now: Date.UTC(2030, 0, 1), accessTokenTtl: { firstDollar: 60 } });
 */
export interface EmulatorOptions {
  /**
   * A fixed (fake) clock starting at this time, ms since epoch: it moves only by `clock.advance()` /
   * `clock.set()`. Without it, the clock follows real time (`Date.now()` plus whatever `advance` /
   * `set` added), so a long-running emulator (a demo, a dev server) keeps issuing live tokens.
   * @default the real-time clock
   */
  now?: number;
  /** Access-token lifetimes in seconds. @default firstDollar 3600, firstOrionV2 3600, firstOrionV1 3600, orangeLogic 86400, oauth2 3600 */
  accessTokenTtl?: Partial<
    Record<'firstDollar' | 'firstOrionV2' | 'firstOrionV1' | 'orangeLogic' | 'oauth2', number>
  >;
  /** Refresh-token lifetimes in seconds. @default orangeLogic 30 days; oauth2 none (never expires) */
  refreshTokenTtl?: { orangeLogic?: number; oauth2?: number };
  /** First Dollar clients. @default TEST_CREDENTIALS.firstDollarPartner / firstDollarApp */
  firstDollar?: {
    partners?: FirstDollarPartner[];
    apps?: FirstDollarApp[];
    graphql?: GraphqlResolver;
  };
  /** First Orion keys; `refreshUnsupported` makes `/v1/auth/refresh` answer 404. @default TEST_CREDENTIALS.firstOrion */
  firstOrion?: { keys?: FirstOrionKey[]; refreshUnsupported?: boolean };
  /**
   * Orange Logic clients, and whether `GET /oauth2/auth` shows a consent page (Allow / Deny) instead
   * of consenting at once (`?auto=1` still consents at once).
   * @default clients TEST_CREDENTIALS.orangeLogic; consentPage false (immediate redirect with a code)
   */
  orangeLogic?: { clients?: OrangeLogicClient[]; consentPage?: boolean };
  /** Generic OAuth 2.0 clients. @default TEST_CREDENTIALS.oauth2 and TEST_CREDENTIALS.oauth2Public */
  oauth2?: { clients?: OAuth2Client[] };
  /** Per-request extra latency in ms on a real timer (e.g. spread 0–200 ms in storm tests). */
  latency?: (request: Request) => number;
  /**
   * Marks every credential the emulator issues, for leak ("canary") tests: opaque access tokens,
   * refresh tokens and authorization codes start with it; JWT access tokens (First Dollar, First
   * Orion v1) stay valid JWTs and carry it at the start of their `jti` claim. Use URL- and
   * header-safe characters (`[A-Za-z0-9._~-]`).
   * @default '' (unmarked)
   * @example
   * const emulator = createVendorEmulator({ tokenPrefix: 'CANARY-7f3a-' });
   * // refresh_token: 'CANARY-7f3a-Jx2…'; scan logs and responses for 'CANARY-7f3a-'
   */
  tokenPrefix?: string;
  /**
   * Compresses every answer with a body, as a real API behind a CDN does, when the request's
   * `Accept-Encoding` allows it (`Content-Encoding` and `Content-Length` then describe the encoded
   * bytes). `true` picks the first of `br`, `gzip`, `deflate` the request accepts; a coding uses only
   * that one. Encoding uses the Web `CompressionStream` (`br` where the runtime's supports `brotli`:
   * Node 24, Deno, workerd). `emulator.fetch` then decodes like a runtime's `fetch` does: it sends
   * `Accept-Encoding: br, gzip, deflate` when the request has none, and keeps `Content-Encoding` and
   * `Content-Length` on the decoded body. `listenEmulator` sends the encoded bytes.
   * Change it later with {@link VendorEmulator.setCompression}.
   * @default false
   * @example
   * const emulator = createVendorEmulator({ compress: 'gzip' });
   * const server = await listenEmulator(emulator); // answers `Content-Encoding: gzip` to fetch()
   */
  compress?: boolean | ContentCoding;
}

/**
 * A content coding the emulator can compress with (see {@link EmulatorOptions.compress}).
 * @example
 * const coding: ContentCoding = 'br';
 */
export type ContentCoding = 'br' | 'gzip' | 'deflate';

/**
 * One request the emulator saw. `status` is 0 when no response was sent (a `drop` fault or the
 * caller aborted). `grant` is the body's `grant_type` on token endpoints (Orange Logic: defaulted
 * to `authorization_code`; First Orion v1: `api_key` for `/v1/auth`, `refresh_token` for
 * `/v1/auth/refresh`).
 * @example
 * const seen: RequestRecord = { method: 'POST', path: '/v0/auth/token', vendor: 'firstDollar', grant: 'refresh_token', status: 200, at: 0 };
 */
export interface RequestRecord {
  method: string;
  path: string;
  vendor: EmulatedVendor | 'unknown';
  grant?: string;
  status: number;
  /** Virtual clock (ms) when the request arrived. */
  at: number;
}

/**
 * Filter of {@link VendorEmulator.count}; every given field must match.
 * @example
 * emulator.count({ path: '/v0/auth/token', grant: 'refresh_token', status: 200 });
 */
export interface RequestFilter {
  path?: string | RegExp;
  grant?: string;
  vendor?: EmulatedVendor | 'unknown';
  status?: number;
  method?: string;
}

/**
 * A fault applied to matching requests before normal handling. With only `latencyMs`, the request
 * is delayed and then handled normally. `status` defaults to 429 when `retryAfter` is given and to
 * 200 when only `body` / `malformedJson` / `text` is. `reset` and `keepRefreshToken` let the vendor
 * handle the request normally and then alter what the caller gets.
 * @example
 * emulator.fault({ path: '/v0/auth/token', status: 429, retryAfter: 2, times: 1 });
 * emulator.fault({ path: '/v0/auth/token', status: 502, text: '<html><h1>502 Bad Gateway</h1></html>', contentType: 'text/html' });
 * emulator.fault({ path: '/v0/auth/token', reset: true }); // the vendor rotates the refresh token, the answer is lost
 * emulator.fault({ path: '/v0/auth/token', expiresIn: 2 }); // this token answer says expires_in: 2
 */
export interface Fault {
  /** Exact path, or a RegExp tested against the path. @default every path */
  path?: string | RegExp;
  status?: number;
  /** Seconds; sets `Retry-After`. */
  retryAfter?: number;
  /** JSON body of the fault response. @default `{ error, error_description }` chosen from the status */
  body?: unknown;
  /** Real-timer delay before answering. */
  latencyMs?: number;
  /** Answer a truncated JSON document with `Content-Type: application/json`. */
  malformedJson?: boolean;
  /** Raw body of the fault response, sent as is (an HTML error page, broken JSON). */
  text?: string;
  /** Content-Type of a `text` body. @default 'text/html; charset=utf-8' */
  contentType?: string;
  /** `fetch` rejects with `TypeError('fetch failed')`; the loopback server destroys the socket. */
  drop?: boolean;
  /**
   * The request is handled (normally, or by this fault's status / body), so the vendor's state
   * changes (a code is used, a refresh token rotated); then the connection is reset while the
   * caller reads the body: reading rejects with `TypeError('terminated')` after the first half of
   * the bytes. The loopback server destroys the socket before sending. Logged with the handler's status.
   */
  reset?: boolean;
  /**
   * On a successful `refresh_token` grant, the vendor does not rotate: the answer omits
   * `refresh_token` and the refresh token presented stays valid (a vendor that returns a new
   * refresh token only sometimes). No effect on other requests.
   */
  keepRefreshToken?: boolean;
  /**
   * On a successful token answer, the vendor handles the request normally and `expires_in` becomes
   * this many seconds (a short-lived token: with 2, a client sees it as already expired, past its
   * clock-skew margin). No effect on other requests.
   */
  expiresIn?: number;
  /**
   * The API quotes the `Authorization` header it refused (a leaky error page): the answer (status
   * `status`, default 401) carries the header's value raw, URL-encoded and base64-encoded in its
   * JSON body, and raw in `WWW-Authenticate` and `X-Echo-Authorization`.
   * @example
   * emulator.fault({ path: /graphql$/, echoAuthorization: true, status: 403 });
   */
  echoAuthorization?: boolean;
  /** How many matching requests it applies to. @default 1 */
  times?: number;
}

/**
 * The in-process emulator of every vendor token endpoint. Created by {@link createVendorEmulator}.
 * @example
 * const emulator = createVendorEmulator();
 * const res = await emulator.fetch('https://api.dev.firstdollar.com/v0/auth/token', {
 *   method: 'POST',
 *   headers: { 'Content-Type': 'application/json' },
 *   body: JSON.stringify({ grant_type: 'client_credentials', client_id: TEST_CREDENTIALS.firstDollarPartner.clientId, client_secret: TEST_CREDENTIALS.firstDollarPartner.clientSecret }),
 * });
 */
export interface VendorEmulator {
  /** A `fetch` that answers from the emulator (routes by path, ignores the host, never follows redirects). */
  fetch: typeof fetch;
  /** Answers one Request. Rejects with `TypeError('fetch failed')` on a `drop` fault. */
  handle(request: Request): Promise<Response>;
  /**
   * The virtual clock used for every expiry. By default it follows real time, shifted by what
   * `advance` / `set` did (after `set(t)` it reads `t` and moves on in real time); with the `now`
   * option it is fixed and moves only by `advance` / `set`.
   */
  readonly clock: { now(): number; advance(ms: number): void; set(ms: number): void };
  /**
   * The requests seen since creation or `clearRequests()`: the last 10,000 (older ones are dropped,
   * oldest first, so a long-running emulator does not grow).
   */
  readonly requests: ReadonlyArray<Readonly<RequestRecord>>;
  /** Number of requests matching `filter`, among those `requests` holds. */
  count(filter?: RequestFilter): number;
  clearRequests(): void;
  fault(fault: Fault): void;
  clearFaults(): void;
  setLatency(fn: ((request: Request) => number) | undefined): void;
  /** Revokes a user's consent (or every user's when `userId` is omitted) for a First Dollar app (app id or client id), an Orange Logic or an OAuth 2.0 client. */
  revokeConsent(appOrClientId: string, userId?: string): void;
  /** Undoes `revokeConsent` (for one user, or for every user of the app when `userId` is omitted). */
  grantConsent(appOrClientId: string, userId?: string): void;
  /** Issues a single-use authorization code valid for 10 minutes. `codeChallenge` is an S256 challenge. */
  issueCode(
    vendor: 'firstDollar' | 'orangeLogic' | 'oauth2',
    clientOrAppId: string,
    opts?: { userId?: string; codeChallenge?: string; redirectUri?: string; scope?: string },
  ): string;
  /** Invalidates every access token issued so far (optionally of one vendor): the next API call gets 401. */
  revokeAccessTokens(vendor?: EmulatedVendor): void;
  /** Invalidates every refresh token issued so far (optionally of one vendor). */
  revokeRefreshTokens(vendor?: EmulatedVendor): void;
  setGraphqlResolver(resolver: GraphqlResolver | undefined): void;
  /** Turns answer compression on or off (see {@link EmulatorOptions.compress}). */
  setCompression(compress: boolean | ContentCoding): void;
  /** Makes First Orion `/v1/auth/refresh` answer 404 (`false`) or work (`true`). */
  setFirstOrionRefreshSupported(supported: boolean): void;
  /** A secret-free summary. */
  toJSON(): Record<string, unknown>;
  toString(): string;
}
