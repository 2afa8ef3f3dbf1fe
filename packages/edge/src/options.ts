import {
  checkOptions,
  ConfigurationError,
  optionRules,
  tokenClientRules,
  type AuthorizationCodeAdapter,
  type OptionRule,
  type RetryOptions,
  type Telemetry,
} from '@grantkit/core';
import type { Vault } from '@grantkit/core/vault';
import { safeReturnTo } from './csrf';
import { edgeRoutes, trimBasePath } from './paths';
import type { CookieOptions } from './session';
import type { RefreshCoordinator, SessionStore } from './store';
import type { EdgeScope } from './telemetry';

/**
 * Options of {@link createAuthHandler}.
 *
 * @example
 * ```ts
 * const auth = createAuthHandler({
 *   adapter: firstDollarApp({ appId, clientId, clientSecret }),
 *   secret: env.SESSION_SECRET,
 *   proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ appId }) },
 * });
 * ```
 */
export interface AuthHandlerOptions {
  /** The authorization-code flow (First Dollar OAuth App, Orange Logic, generic OAuth 2.0). */
  adapter: AuthorizationCodeAdapter;
  /** Secret(s) of at least 32 characters for the session cookie; the first encrypts, all decrypt (rotation). */
  secret: string | readonly string[];
  /** Where the auth routes live. @default '/auth' */
  basePath?: string;
  /** Session and login-intent cookies. */
  cookie?: CookieOptions;
  /**
   * Keep sessions server-side: the cookie then holds only an encrypted session id. @default none (the
   * whole session, tokens included, in the encrypted cookie)
   */
  sessions?: SessionStore;
  /** Serialises refreshes of a session across isolates (e.g. `durableObjectCoordinator`). @default none */
  coordinator?: RefreshCoordinator;
  /**
   * Longest session life, seconds, counted from the login: renewals do not extend it. Also capped by the
   * refresh token's expiry. @default 2592000 (30 days)
   */
  sessionMaxAge?: number;
  /** Where failures of the browser routes redirect, with `?error=<code>`. @default '/' */
  errorRedirect?: string;
  /** Where a login goes back to when no `returnTo` is given. @default '/' */
  defaultReturnTo?: string;
  /**
   * API proxy: request path → upstream URL. Only these upstreams are ever reached. A request's query
   * string replaces the upstream URL's own; without one, the upstream URL is used as configured.
   * Paths are exact (no query, no dot segments); an upstream URL holding `user:password@` or a
   * `#fragment` is refused (credentials of the upstream belong in a header, not beside the token).
   */
  proxy?: Readonly<Record<string, string>>;
  /** Other origins allowed to call state-changing routes (e.g. a separate SPA origin). @default [] */
  allowedOrigins?: readonly string[];
  /** The fetch used for vendor calls. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Token call timeout, ms. @default 10000 */
  timeout?: number;
  /** Longest wait for an API proxy upstream, ms; past it the proxy answers 504 `timeout`. @default 30000 */
  upstreamTimeout?: number;
  /** Token call retries. */
  retry?: RetryOptions;
  /** Largest request body accepted by the proxy, bytes. @default 1048576 */
  maxBodyBytes?: number;
  /**
   * Called with errors the handler turned into responses (no secret is in them). It may be async; a
   * throw or a rejection of its own is ignored.
   */
  onError?: (error: unknown) => unknown;
  /** Called for paths the handler does not own; without it they give `null`. */
  next?: (request: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
  /**
   * Files each login's tokens into a vault (`@grantkit/core/vault`) as the app's own connection, so
   * background jobs can use them after the session ends. `connectionId` maps the callback's request
   * to the app's id (its user id, from its own login cookie), or `undefined` to keep the session only.
   * A later login with the same id updates the same connection. A session filed this way renews
   * through the vault (one token lineage: the session and the background jobs never refresh behind
   * each other's back), and its logout ends the session only: `vault.delete(id)` disconnects.
   * @default none
   *
   * @example
   * ```ts
   * createAuthHandler({ adapter, secret, vault: { vault, connectionId: async (request) => (await appUser(request))?.id } });
   * ```
   */
  vault?: {
    vault: Pick<Vault, 'put' | 'client'>;
    connectionId: (request: Request) => string | undefined | Promise<string | undefined>;
  };
  /**
   * Instrumentation of every route, proxied request and token call: `eventTelemetry(log)` of
   * `@grantkit/core` reports them as typed events (`EdgeEvent`), `otelEdgeTelemetry()` of
   * `@grantkit/edge/otel` as OpenTelemetry spans and metrics. Nothing secret is in any of them (no
   * token, code, cookie value, query string or session id). @default none (nothing is reported)
   *
   * @example
   * ```ts
   * createAuthHandler({ adapter, secret, telemetry: eventTelemetry<EdgeScope>((e) => console.log(JSON.stringify(e))) });
   * ```
   */
  telemetry?: Telemetry<EdgeScope>;
}

/**
 * {@link AuthHandlerOptions} checked, with every default filled: the one place defaults live.
 * Routes read these and never re-apply a default. (The options without a default stay optional.)
 */
export interface EdgeConfig {
  readonly adapter: AuthorizationCodeAdapter;
  readonly secrets: readonly string[];
  readonly basePath: string;
  readonly cookie: CookieOptions;
  readonly sessions?: SessionStore | undefined;
  readonly coordinator?: RefreshCoordinator | undefined;
  readonly sessionMaxAge: number;
  readonly errorRedirect: string;
  readonly defaultReturnTo: string;
  /** Request path → upstream URL (normalised). */
  readonly proxy: ReadonlyMap<string, string>;
  readonly allowedOrigins: readonly string[];
  readonly fetch?: typeof fetch | undefined;
  readonly timeout: number;
  readonly upstreamTimeout: number;
  readonly retry: RetryOptions;
  readonly maxBodyBytes: number;
  readonly onError?: AuthHandlerOptions['onError'];
  readonly next?: AuthHandlerOptions['next'];
  readonly vault?: AuthHandlerOptions['vault'];
  readonly telemetry?: Telemetry<EdgeScope> | undefined;
}

const r = optionRules;
/** A same-origin path that redirects where it says: what `safeReturnTo` keeps unchanged. */
const isSafePath = (v: string) => safeReturnTo(v, '') === v;
const path = (what: string) => r.stringWhere(isSafePath, `${what} starting with "/"`);
/** An absolute http(s) URL exactly as written (no control characters, nothing a URL parser rewrites). */
const isExactUrl = (v: string) => {
  try {
    return /^https?:$/.test(new URL(v).protocol) && new URL(v).href === v;
  } catch {
    return false;
  }
};
/** A request path as a router sees it: what the URL parser leaves unchanged, without query or fragment. */
const isProxyPath = (v: string) => isSafePath(v) && !/[?#]/.test(v);
/**
 * An upstream the bearer token may be sent to: http(s), with no credentials of its own in the URL
 * (they would travel beside the user's token and show wherever the URL is logged) and no fragment.
 */
const isUpstream = (v: unknown) => {
  if (!r.url().test(v)) return false;
  const url = new URL(v as string);
  return (
    url.username === '' && url.password === '' && url.hash === '' && !(v as string).includes('#')
  );
};
const isOrigin = (v: unknown) => {
  try {
    return typeof v === 'string' && new URL(v).origin === v;
  } catch {
    return false;
  }
};
const isSecret = (v: unknown) => typeof v === 'string' && new TextEncoder().encode(v).length >= 32;
const has =
  (...methods: string[]) =>
  (v: unknown) =>
    typeof v === 'object' &&
    v !== null &&
    methods.every((m) => typeof (v as Record<string, unknown>)[m] === 'function');

/** What each option of {@link AuthHandlerOptions} may hold. */
const RULES = {
  adapter: r.where(
    has('authorizationUrl', 'buildRequest', 'parseResponse'),
    'an authorization-code adapter (firstDollarApp, orangeLogic, oauth2)',
    { required: true },
  ),
  secret: r.where(
    (v) => isSecret(v) || (Array.isArray(v) && v.length > 0 && v.every(isSecret)),
    'a string of at least 32 bytes, or a non-empty array of them (generate one with `openssl rand -base64 32`)',
    { required: true },
  ),
  basePath: path('a path'),
  cookie: r.object({
    name: r.stringWhere(
      (v) => /^[A-Za-z0-9_-]{1,64}$/.test(v),
      'letters, digits, "_" or "-" (at most 64)',
    ),
    secure: r.boolean(),
    sameSite: r.oneOf('Strict', 'Lax'),
  }),
  sessions: r.where(has('get', 'set', 'delete'), 'a SessionStore (get, set, delete)'),
  coordinator: r.where(has('renew'), 'a RefreshCoordinator (renew)'),
  sessionMaxAge: r.positive('seconds'),
  errorRedirect: r.stringWhere(
    (v) => isSafePath(v) || isExactUrl(v),
    'a path starting with "/" or an http(s) URL',
  ),
  defaultReturnTo: path('a path'),
  proxy: r.where(
    (v) =>
      typeof v === 'object' &&
      v !== null &&
      !Array.isArray(v) &&
      Object.entries(v).every(([key, url]) => isProxyPath(key) && isUpstream(url)),
    'an object of request paths (starting with "/") to absolute http(s) upstream URLs (no user:password@, no #fragment)',
  ),
  allowedOrigins: r.where(
    (v) => Array.isArray(v) && v.every(isOrigin),
    'an array of origins ("https://app.example", no path)',
  ),
  // The token client's own options, passed to it: the same rules.
  fetch: tokenClientRules.fetch,
  timeout: tokenClientRules.timeout,
  upstreamTimeout: tokenClientRules.timeout, // milliseconds too
  retry: tokenClientRules.retry,
  maxBodyBytes: r.positive('bytes', { integer: true }),
  onError: r.function(),
  next: r.function(),
  vault: r.where(
    (v) => has('connectionId')(v) && has('put', 'client')((v as { vault?: unknown }).vault),
    "an object { vault: createVault(…), connectionId: (request) => the app's id or undefined }",
  ),
  telemetry: r.where(
    has('call', 'renewal', 'fallback', 'revocation'),
    'a Telemetry (eventTelemetry(…) of @grantkit/core, otelEdgeTelemetry() of @grantkit/edge/otel)',
  ),
} satisfies Record<keyof AuthHandlerOptions, OptionRule>;

/**
 * Checks the options of {@link createAuthHandler} (every option, and no unknown one) and fills every
 * default; throws `ConfigurationError` naming the option.
 */
export function resolveOptions(options: AuthHandlerOptions): EdgeConfig {
  checkOptions('createAuthHandler', options, RULES);
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...options.secret];
  const basePath = trimBasePath(options.basePath);
  // A proxy path that is also an auth route would take it over (logout forwarded upstream, never run).
  const routes = Object.values(edgeRoutes(basePath));
  const shadow = Object.keys(options.proxy ?? {}).find((path) => routes.includes(path));
  if (shadow)
    throw new ConfigurationError(`createAuthHandler: the proxy path "${shadow}" is an auth route`);
  // Each option read by name, as checkOptions read it: a spread would drop one given through a
  // prototype or a getter (checked, then silently lost: a session store, an adapter).
  return {
    adapter: options.adapter,
    sessions: options.sessions,
    coordinator: options.coordinator,
    fetch: options.fetch,
    onError: options.onError,
    next: options.next,
    vault: options.vault,
    telemetry: options.telemetry,
    secrets,
    basePath,
    cookie: options.cookie ?? {},
    sessionMaxAge: options.sessionMaxAge ?? 30 * 24 * 3600,
    errorRedirect: options.errorRedirect ?? '/',
    defaultReturnTo: options.defaultReturnTo ?? '/',
    proxy: new Map(
      Object.entries(options.proxy ?? {}).map(([path, url]) => [path, new URL(url).toString()]),
    ),
    allowedOrigins: options.allowedOrigins ?? [],
    timeout: options.timeout ?? 10_000,
    upstreamTimeout: options.upstreamTimeout ?? 30_000,
    retry: options.retry ?? {},
    maxBodyBytes: options.maxBodyBytes ?? 1_048_576,
  };
}
