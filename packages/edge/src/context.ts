import {
  ConfigurationError,
  createTokenClient,
  isGrantkitError,
  memoryStorage,
  type AuthorizationCodeAdapter,
  type RetryOptions,
  type TokenClient,
  type TokenSet,
} from '@grantkit/core';
import { cookieJar, createKeyring, parseCookies, sessionId, type CookieOptions, type SessionData } from './session';

/**
 * Options of {@link createAuthHandler}.
 *
 * @example
 * ```ts
 * const options: AuthHandlerOptions = {
 *   adapter: firstDollarApp({ appId, clientId, clientSecret }),
 *   secret: env.SESSION_SECRET,
 *   proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ appId }) },
 * };
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
  /** Longest session life, seconds (also capped by the refresh token's expiry). @default 2592000 (30 days) */
  sessionMaxAge?: number;
  /** Where failures of the browser routes redirect, with `?error=<code>`. @default '/' */
  errorRedirect?: string;
  /** Where a login goes back to when no `returnTo` is given. @default '/' */
  defaultReturnTo?: string;
  /** API proxy: request path → upstream URL. Only these upstreams are ever reached. */
  proxy?: Readonly<Record<string, string>>;
  /** Other origins allowed to call state-changing routes (e.g. a separate SPA origin). @default [] */
  allowedOrigins?: readonly string[];
  /** The fetch used for vendor calls. @default globalThis.fetch */
  fetch?: typeof fetch;
  /** Token call timeout, ms. @default 10000 */
  timeout?: number;
  /** Token call retries. */
  retry?: RetryOptions;
  /** Largest request body accepted by the proxy, bytes. @default 1048576 */
  maxBodyBytes?: number;
  /** Called with errors the handler turned into responses (no secret is in them). */
  onError?: (error: unknown) => void;
  /** Called for paths the handler does not own; without it they give `null`. */
  next?: (request: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
}

const LOGIN_TTL = 600;
const MAX_SESSIONS = 1000;

/** Everything routes share: config, cookies, sessions, per-session token clients. */
export function createContext(options: AuthHandlerOptions) {
  const { adapter } = options;
  if (typeof adapter?.authorizationUrl !== 'function') throw new ConfigurationError('adapter must be an authorization-code adapter');
  const secrets = typeof options.secret === 'string' ? [options.secret] : [...(options.secret ?? [])];
  if (secrets.length === 0 || secrets.some((s) => typeof s !== 'string' || new TextEncoder().encode(s).length < 32)) {
    throw new ConfigurationError('secret must be at least 32 bytes (generate one with `openssl rand -base64 32`)');
  }
  const basePath = (options.basePath ?? '/auth').replace(/\/+$/, '');
  if (!basePath.startsWith('/')) throw new ConfigurationError('basePath must start with /');
  const keyring = createKeyring(secrets);
  const jar = cookieJar(options.cookie);
  const maxAge = options.sessionMaxAge ?? 30 * 24 * 3600;
  const clients = new Map<string, TokenClient>();

  const newClient = (): TokenClient => {
    const clientOptions: Parameters<typeof createTokenClient>[0] = { adapter, storage: memoryStorage() };
    if (options.fetch) clientOptions.fetch = options.fetch;
    if (options.timeout !== undefined) clientOptions.timeout = options.timeout;
    if (options.retry) clientOptions.retry = options.retry;
    return createTokenClient(clientOptions);
  };

  const sessionAge = (tokens: TokenSet) =>
    tokens.refreshExpiresAt === undefined ? maxAge : Math.min(maxAge, (tokens.refreshExpiresAt - Date.now()) / 1000);

  return {
    options,
    adapter,
    basePath,
    jar,
    keyring,
    loginTtl: LOGIN_TTL,
    cookies: (request: Request) => parseCookies(request.headers.get('cookie')),

    async readSession(cookies: Map<string, string>): Promise<SessionData | undefined> {
      const data = await keyring.open<SessionData>(jar.read(cookies, jar.sessionName));
      return data && typeof data.sid === 'string' && typeof data.tokens?.accessToken === 'string' ? data : undefined;
    },

    async writeSession(cookies: Map<string, string>, data: SessionData): Promise<string[]> {
      const age = sessionAge(data.tokens);
      return jar.write(cookies, jar.sessionName, await keyring.seal({ sid: data.sid, tokens: data.tokens }, age), age);
    },

    /** The token client of a session: one per session per isolate, so its renewals are single-flight. */
    async clientFor(session: SessionData): Promise<TokenClient> {
      let client = clients.get(session.sid);
      if (!client) {
        client = newClient();
        if (clients.size >= MAX_SESSIONS) clients.delete(clients.keys().next().value as string);
        clients.set(session.sid, client);
      }
      const known = await client.getTokenSet().catch(() => undefined);
      // The cookie may be newer (renewed in another isolate) or older (a request that raced a renewal).
      if (!known || session.tokens.expiresAt > known.expiresAt) await client.setTokenSet(session.tokens);
      return client;
    },

    /** Exchanges a code into a new session. */
    async exchange(code: string, codeVerifier: string | undefined): Promise<SessionData> {
      const client = newClient();
      const tokens = await client.exchangeCode(code, codeVerifier === undefined ? {} : { codeVerifier });
      const sid = sessionId();
      clients.set(sid, client);
      return { sid, tokens };
    },

    forget(sid: string) {
      clients.delete(sid);
    },

    report(error: unknown) {
      try {
        options.onError?.(error);
      } catch {
        // A logging hook never breaks a response.
      }
    },

    isConsentError: (error: unknown) => isGrantkitError(error, 'consent_required') || isGrantkitError(error, 'reauthorization_required'),
  };
}

export type Context = ReturnType<typeof createContext>;

/** A JSON error response: a code, a message, never a secret. */
export function jsonError(status: number, error: string, message: string, headers: HeadersInit = {}): Response {
  const out = new Headers(headers);
  out.set('cache-control', 'no-store');
  out.set('content-type', 'application/json');
  return new Response(JSON.stringify({ error, message }), { status, headers: out });
}

/** A response with several Set-Cookie headers. */
export function withCookies(response: Response, setCookies: readonly string[]): Response {
  for (const cookie of setCookies) response.headers.append('set-cookie', cookie);
  return response;
}
