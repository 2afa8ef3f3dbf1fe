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
import { cookieJar, createKeyring, parseCookies, sessionId, type CookieOptions, type SessionData } from './session';
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
  /** Longest session life, seconds (also capped by the refresh token's expiry). @default 2592000 (30 days) */
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

  // Opened session cookies, by their exact value, until their `exp`: a browser sends the same cookie
  // on every request, and decrypting it each time was most of the proxy's overhead.
  const opened = new Map<string, { data: Partial<SessionData>; until: number }>();
  const openSession = async (value: string | undefined): Promise<Partial<SessionData> | undefined> => {
    if (!value) return undefined;
    const hit = opened.get(value);
    if (hit && hit.until > Date.now()) return hit.data;
    const data = await keyring.open<Partial<SessionData> & { exp?: number }>(value);
    if (data && typeof data.exp === 'number') bounded(opened, value, { data, until: data.exp * 1000 });
    return data;
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
  const persist = async (sid: string, tokens: TokenSet) => {
    if (!sessions || written.get(sid) === tokens.accessToken || ended.has(sid)) return;
    await sessions.set(sid, tokens, sessionTtl(tokens, maxAge));
    bounded(written, sid, tokens.accessToken);
  };
  // A coordinator's answer must not wait forever: a stuck renewal would hold the session's single flight.
  const renewDeadline = (options.timeout ?? 10_000) * ((options.retry?.limit ?? 2) + 2);

  const newClient = (sid: string): SessionClient => {
    const entry = { current: undefined as string | undefined, retired: [] as string[] } as SessionClient;
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
          { get: () => sessions.get(sid), set: (_key, tokens) => persist(sid, tokens).catch(report), delete: () => {} }
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
      if (typeof data?.sid !== 'string') return undefined;
      const tokens = sessions ? await sessions.get(data.sid) : data.tokens;
      return typeof tokens?.accessToken === 'string' ? { sid: data.sid, tokens } : undefined;
    },

    /** Set-Cookie values for a session; with a store, the tokens go there and the cookie holds the id. */
    async writeSession(cookies: Map<string, string>, data: SessionData): Promise<string[]> {
      const age = sessionSeconds(data.tokens, maxAge);
      await persist(data.sid, data.tokens);
      const payload = sessions ? { sid: data.sid } : { sid: data.sid, tokens: data.tokens };
      return jar.write(cookies, jar.sessionName, await keyring.seal(payload, age), age);
    },

    /** The token client of a session: one per session per isolate, so its renewals are single-flight. */
    async clientFor(session: SessionData): Promise<TokenClient> {
      let entry = clients.get(session.sid);
      if (!entry) bounded(clients, session.sid, (entry = newClient(session.sid)));
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
      const entry = newClient(sid);
      const tokens = await entry.client.exchangeCode(code, codeVerifier === undefined ? {} : { codeVerifier });
      bounded(clients, sid, entry);
      return { sid, tokens };
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
