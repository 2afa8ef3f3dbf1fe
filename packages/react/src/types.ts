// The shapes the session client, its persistence and the hooks share, with no code: `persist.ts`
// and `session-client.ts` both read them from here, so neither imports the other for a type.

/**
 * What the browser knows of its session: the edge's `SessionSummary` (never a token), plus
 * `consentRequired` once the vendor said the user must consent again.
 *
 * @example
 * ```ts
 * const session = await client.getSession();
 * if (session.authenticated) console.log('until', new Date(session.expiresAt!));
 * ```
 */
export interface GrantkitSession {
  /** Whether the edge holds a live session for this browser. */
  authenticated: boolean;
  /** When the current access token expires, ms since epoch (the edge renews it as needed). */
  expiresAt?: number;
  /** Granted scope, when the vendor says. */
  scope?: string;
  /** The vendor refused the session because consent was revoked: log in (consent) again. */
  consentRequired?: boolean;
}

/**
 * The answer of `POST {basePath}/exchange`: the new session and where to go next.
 *
 * @example
 * ```ts
 * const { returnTo } = await client.exchange(code);
 * ```
 */
export interface ExchangeResult extends GrantkitSession {
  /** Where to go after the login: the `returnTo` given to `login()`. @default '/' */
  returnTo: string;
}

/**
 * Options of {@link createSessionClient}.
 *
 * @example
 * ```ts
 * const client = createSessionClient({ basePath: '/auth', graphqlPath: '/api/graphql', fetch: instrumentedFetch });
 * ```
 */
export interface SessionClientOptions {
  /** Where the edge auth routes live. @default '/auth' */
  basePath?: string;
  /** The edge's GraphQL proxy route. @default '/api/graphql' */
  graphqlPath?: string;
  /** The fetch to use (tests, instrumentation). @default globalThis.fetch */
  fetch?: typeof fetch;
}

/**
 * A same-origin path, such as an edge proxy route: it starts with `/` (checked by TypeScript).
 *
 * @example
 * ```ts
 * const path: GrantkitPath = '/api/echo?verbose=1';
 * ```
 */
export type GrantkitPath = `/${string}`;

/**
 * A request through the edge's API proxy ({@link SessionClient.request}): its method and JSON body.
 *
 * @example
 * ```ts
 * await client.request('/api/assets/42', { method: 'PATCH', body: { title: 'Harbour at dawn' } });
 * ```
 */
export interface GrantkitRequest {
  /** The HTTP method. @default 'GET' */
  method?: string;
  /** Sent as JSON (`content-type: application/json`); none when undefined. */
  body?: unknown;
}

/**
 * The browser side of `@grantkit/edge`, usable without React. It holds no token: the session lives
 * in the edge's HttpOnly cookie. Login and logout are told to other tabs over
 * `BroadcastChannel('grantkit:' + basePath)`; refreshes are serialised across tabs with the Web
 * Locks API (lock `'grantkit-refresh:' + basePath`), so two edges on one origin never cross-talk.
 *
 * @example
 * ```ts
 * const client = createSessionClient();
 * client.subscribe((session) => render(session));
 * if (!(await client.getSession()).authenticated) await client.login({ returnTo: '/inbox' });
 * ```
 */
export interface SessionClient {
  /** The edge auth routes' base path, without a trailing slash; it scopes the client's query keys. */
  readonly basePath: string;
  /** `GET {basePath}/session`. Keeps `consentRequired` until a login succeeds. */
  getSession(): Promise<GrantkitSession>;
  /** Saves `returnTo` and navigates to `{basePath}/login` (then the vendor's consent page). @default returnTo the current path */
  login(options?: { returnTo?: string }): Promise<void>;
  /** `POST {basePath}/exchange` for an SPA callback: one request per code, however often it is called. */
  exchange(code: string, state?: string): Promise<ExchangeResult>;
  /** `POST {basePath}/refresh`, one tab at a time. */
  refresh(): Promise<GrantkitSession>;
  /** `POST {basePath}/logout`, told to the other tabs. */
  logout(): Promise<GrantkitSession>;
  /**
   * A request to a same-origin path, e.g. an edge proxy route (any vendor's API), with the CSRF
   * header; resolves the JSON answer (undefined when the body is not JSON). A non-2xx answer throws
   * a `GrantkitHttpError`; a 401 updates the session. The path must start with `/` (a type error
   * otherwise).
   */
  request<T = unknown>(path: GrantkitPath, init?: GrantkitRequest): Promise<T>;
  /** A GraphQL request through the proxy (First Dollar's API); resolves its `data`. A 401 updates the session. */
  graphql<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** The last session summary stored in IndexedDB, if any (e.g. for a first paint). */
  lastSession(): Promise<GrantkitSession | undefined>;
  /** Calls `listener` on every session change, in this tab or another. Returns the unsubscribe. */
  subscribe(listener: (session: GrantkitSession) => void): () => void;
}
