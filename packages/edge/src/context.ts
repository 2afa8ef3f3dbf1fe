import {
  ConfigurationError,
  createTokenClient,
  isGrantkitError,
  memoryStorage,
  ReauthorizationRequiredError,
  type AuthorizationCodeAdapter,
  type RetryOptions,
  type TokenClient,
  type TokenSet,
} from '@grantkit/core';
import { cookieJar, createKeyring, openedSessions, parseCookies, sessionId, type CookieOptions, type SessionData } from './session';
import { sessionSeconds, sessionTtl, type RefreshCoordinator, type SessionStore } from './store';

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
  /** Called with errors the handler turned into responses (no secret is in them). */
  onError?: (error: unknown) => void;
  /** Called for paths the handler does not own; without it they give `null`. */
  next?: (request: Request, env?: unknown, ctx?: unknown) => Response | Promise<Response>;
}

const LOGIN_TTL = 600;

/** A session's token client in this isolate, and the access tokens it has seen replaced. */
interface SessionClient {
  client: TokenClient;
  current: string | undefined;
  retired: string[];
  /** The session's login time, ms: bounds the store TTL of its renewals. */
  authTime: number;
}

/** What a session cookie seals: the id, the login time (seconds), and without a store the tokens. */
interface SessionClaims extends Record<string, unknown> {
  sid: string;
  auth_time: number;
  tokens?: TokenSet;
  iat?: number;
  exp?: number;
}
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
  const { sessions, coordinator } = options;
  const clients = new Map<string, SessionClient>();
  const written = new Map<string, string>(); // sid → the access token known to be in `sessions`
  const ended = new Map<string, true>(); // sessions this isolate logged out

  const bounded = <T>(map: Map<string, T>, sid: string, value: T) => {
    map.delete(sid);
    if (map.size >= MAX_SESSIONS) map.delete(map.keys().next().value as string);
    map.set(sid, value);
  };

  const opened = openedSessions();
  /** A session cookie's payload, if it opens as a session and is within `sessionMaxAge` of its login. */
  const openSession = async (value: string | undefined, now = Date.now()): Promise<{ sid: string; tokens?: TokenSet; authTime: number } | undefined> => {
    if (!value) return undefined;
    const data = (opened.get(value, now) ?? (await keyring.open('session', value))) as Partial<SessionClaims> | undefined;
    if (typeof data?.sid !== 'string') return undefined;
    // Sealed before the login time was kept: its last seal is the best bound there is.
    const authTime = (typeof data.auth_time === 'number' ? data.auth_time : (data.iat ?? 0)) * 1000;
    if (authTime + maxAge * 1000 <= now) return undefined;
    if (typeof data.exp === 'number') opened.set(value, data, data.exp * 1000);
    return data.tokens === undefined ? { sid: data.sid, authTime } : { sid: data.sid, tokens: data.tokens, authTime };
  };

  const report = (error: unknown) => {
    try {
      options.onError?.(error);
    } catch {
      // A logging hook never breaks a response.
    }
  };

  /**
   * Puts a session's tokens in the store: once per token set per isolate (KV takes ~1 write/s per
   * key), never after this isolate ended the session (a renewal that raced the logout), and not when
   * the coordinator has stored them already.
   */
  const persist = async (sid: string, tokens: TokenSet, authTime: number | undefined) => {
    if (!sessions || written.get(sid) === tokens.accessToken || ended.has(sid)) return;
    await sessions.set(sid, tokens, sessionTtl(tokens, maxAge, authTime));
    bounded(written, sid, tokens.accessToken);
  };
  // A coordinator's answer must not wait forever: a stuck renewal would hold the session's single flight.
  const renewDeadline = (options.timeout ?? 10_000) * ((options.retry?.limit ?? 2) + 2);

  const newClient = (sid: string, authTime: number): SessionClient => {
    const entry = { current: undefined as string | undefined, retired: [] as string[], authTime } as SessionClient;
    const clientOptions: Parameters<typeof createTokenClient>[0] = {
      adapter,
      // Which access tokens this client has replaced: a request still carrying one is older, not newer.
      onTokens: ({ accessToken }) => {
        if (entry.current !== undefined && entry.current !== accessToken) entry.retired = [entry.current, ...entry.retired.slice(0, 7)];
        entry.current = accessToken;
      },
      // With a store, a token set another isolate stored is adopted instead of refreshing again.
      // A failed store write is reported, not thrown: the renewed tokens still serve this request.
      storage: sessions
        ? // delete: the session ends in forget(), which also tells the coordinator; deleting here too would be a second store call.
          { get: () => sessions.get(sid), set: (_key, tokens) => persist(sid, tokens, entry.authTime).catch(report), delete: () => {} }
        : memoryStorage(),
    };
    if (options.fetch) clientOptions.fetch = options.fetch;
    if (options.timeout !== undefined) clientOptions.timeout = options.timeout;
    if (options.retry) clientOptions.retry = options.retry;
    if (coordinator) {
      clientOptions.renew = async (tokens, signal) => {
        if (!tokens) throw new ReauthorizationRequiredError('the session has no tokens');
        const result = await coordinator.renew(sid, tokens, signal ?? AbortSignal.timeout(renewDeadline));
        if (result.stored) bounded(written, sid, result.tokens.accessToken);
        return result.tokens;
      };
    }
    entry.client = createTokenClient(clientOptions);
    return entry;
  };

  return {
    options,
    adapter,
    basePath,
    jar,
    keyring,
    loginTtl: LOGIN_TTL,
    cookies: (request: Request) => parseCookies(request.headers.get('cookie')),

    async readSession(cookies: Map<string, string>): Promise<SessionData | undefined> {
      const data = await openSession(jar.read(cookies, jar.sessionName));
      if (!data) return undefined;
      const tokens = sessions ? await sessions.get(data.sid) : data.tokens;
      return typeof tokens?.accessToken === 'string' ? { sid: data.sid, tokens, authTime: data.authTime } : undefined;
    },

    /**
     * Set-Cookie values for a session; with a store, the tokens go there and the cookie holds the id.
     * The cookie lives until `sessionMaxAge` after the login (or the refresh token's end), however
     * often it is rewritten; past that, the values clear it.
     */
    async writeSession(cookies: Map<string, string>, data: SessionData): Promise<string[]> {
      const age = sessionSeconds(data.tokens, maxAge, Date.now(), data.authTime);
      if (age < 1) return jar.clear(cookies, jar.sessionName);
      await persist(data.sid, data.tokens, data.authTime);
      const claims: SessionClaims = sessions ? { sid: data.sid, auth_time: Math.floor(data.authTime / 1000) } : { sid: data.sid, tokens: data.tokens, auth_time: Math.floor(data.authTime / 1000) };
      return jar.write(cookies, jar.sessionName, await keyring.seal('session', claims, age), age);
    },

    /** The token client of a session: one per session per isolate, so its renewals are single-flight. */
    async clientFor(session: SessionData): Promise<TokenClient> {
      let entry = clients.get(session.sid);
      if (!entry) bounded(clients, session.sid, (entry = newClient(session.sid, session.authTime)));
      const { accessToken } = session.tokens;
      // The request's tokens are newer (renewed in another isolate) unless this client replaced them
      // itself (a request that raced a renewal): then they are older and the client keeps its own.
      if (accessToken !== entry.current && !entry.retired.includes(accessToken)) {
        if (sessions) bounded(written, session.sid, accessToken); // read from the store: no need to write it back
        await entry.client.setTokenSet(session.tokens);
      }
      return entry.client;
    },

    /** Exchanges a code into a new session. */
    async exchange(code: string, codeVerifier: string | undefined): Promise<SessionData> {
      const sid = sessionId();
      const authTime = Date.now();
      const entry = newClient(sid, authTime);
      const tokens = await entry.client.exchangeCode(code, codeVerifier === undefined ? {} : { codeVerifier });
      bounded(clients, sid, entry);
      return { sid, tokens, authTime };
    },

    /** Ends a session here, in the store and at the coordinator; their failures are reported, not thrown. */
    async forget(sid: string) {
      bounded(ended, sid, true);
      clients.delete(sid);
      written.delete(sid);
      const drops = [sessions?.delete(sid), coordinator?.forget?.(sid)];
      for (const result of await Promise.allSettled(drops)) if (result.status === 'rejected') report(result.reason);
    },

    report,

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
