import { loadSession, saveReturnTo, saveSession, takeReturnTo } from './persist';

/** The header the edge requires on state-changing requests (`CSRF_HEADER` of `@grantkit/edge`). */
const CSRF = 'x-grantkit-csrf';

/**
 * What the browser knows of its session: the edge's `SessionSummary` (never a token), plus
 * `consentRequired` once the vendor said the user must consent again.
 *
 * @example
 * ```ts
 * const session: GrantkitSession = await client.getSession();
 * if (session.authenticated) console.log('until', new Date(session.expiresAt!));
 * ```
 */
export interface GrantkitSession {
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
  returnTo: string;
}

/**
 * A non-2xx answer of the edge, or a GraphQL answer with errors and no data (`status` 200,
 * `code` `'graphql_error'`). `code` is the edge's `error` field: `'unauthenticated'`,
 * `'consent_required'`, `'reauthorization_required'`, `'csrf'`, `'login_intent_missing'`, …
 *
 * @example
 * ```ts
 * try {
 *   await client.graphql('query { ping }');
 * } catch (error) {
 *   if (error instanceof GrantkitHttpError && error.code === 'consent_required') await client.login();
 * }
 * ```
 */
export class GrantkitHttpError extends Error {
  override name = 'GrantkitHttpError';
  constructor(
    message: string,
    /** HTTP status of the answer. */
    readonly status: number,
    /** Machine-readable error code. */
    readonly code: string,
  ) {
    super(message);
  }
}

/**
 * Options of {@link createSessionClient}.
 *
 * @example
 * ```ts
 * const options: SessionClientOptions = { basePath: '/auth', graphqlPath: '/api/graphql' };
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
 * The browser side of `@grantkit/edge`, usable without React. It holds no token: the session lives
 * in the edge's HttpOnly cookie. Login and logout are told to other tabs over
 * `BroadcastChannel('grantkit')`; refreshes are serialised across tabs with the Web Locks API.
 *
 * @example
 * ```ts
 * const client = createSessionClient();
 * client.subscribe((session) => render(session));
 * if (!(await client.getSession()).authenticated) await client.login({ returnTo: '/inbox' });
 * ```
 */
export interface SessionClient {
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
  /** A GraphQL request through the proxy; resolves its `data`. A 401 updates the session. */
  graphql<T = unknown>(query: string, variables?: Record<string, unknown>): Promise<T>;
  /** The last session summary stored in IndexedDB, if any (e.g. for a first paint). */
  lastSession(): Promise<GrantkitSession | undefined>;
  /** Calls `listener` on every session change, in this tab or another. Returns the unsubscribe. */
  subscribe(listener: (session: GrantkitSession) => void): () => void;
}

/** code → the one exchange of that code, shared by every client: StrictMode, remounts and re-renders post once. */
const exchanges = new Map<string, Promise<ExchangeResult>>();

/**
 * Creates a {@link SessionClient}. Touches no browser global until a method is called (SSR-safe).
 *
 * @example
 * ```ts
 * const client = createSessionClient({ basePath: '/auth', graphqlPath: '/api/graphql' });
 * const { ping } = await client.graphql<{ ping: string }>('query { ping }');
 * ```
 */
export function createSessionClient(options: SessionClientOptions = {}): SessionClient {
  const base = (options.basePath ?? '/auth').replace(/\/+$/, '');
  const listeners = new Set<(session: GrantkitSession) => void>();
  let channel: BroadcastChannel | undefined;
  let last: GrantkitSession | undefined;

  const notify = (session: GrantkitSession, fromOtherTab?: boolean) => {
    last = session;
    void saveSession(session);
    for (const listener of listeners) listener(session);
    if (!fromOtherTab) channel?.postMessage(session);
  };

  const call = async <T>(path: string, method = 'POST', body?: unknown): Promise<T> => {
    const response = await (options.fetch ?? fetch)(path, {
      method,
      credentials: 'same-origin',
      headers: method === 'GET' ? {} : { [CSRF]: '1', 'content-type': 'application/json' },
      body: body === undefined ? null : JSON.stringify(body),
    });
    const json = await response.json().catch(() => ({}));
    if (response.ok) return json;
    const error = new GrantkitHttpError(json.message ?? `HTTP ${response.status}`, response.status, json.error ?? 'http_error');
    // The edge answers 401 only when the session is gone (and clears its cookie).
    if (response.status === 401) notify({ authenticated: false, ...(error.code === 'consent_required' && { consentRequired: true }) });
    throw error;
  };

  const update = async <T extends GrantkitSession>(pending: Promise<T>): Promise<T> => {
    const session = await pending;
    notify(session);
    return session;
  };

  return {
    async getSession() {
      const session = await call<GrantkitSession>(`${base}/session`, 'GET');
      // The edge cleared the cookie when consent went away; keep saying why until a login succeeds.
      last = !session.authenticated && last?.consentRequired ? last : session;
      void saveSession(last);
      return last;
    },

    async login({ returnTo = location.pathname + location.search } = {}) {
      await saveReturnTo(returnTo);
      location.assign(`${base}/login?returnTo=${encodeURIComponent(returnTo)}`);
    },

    exchange(code, state) {
      let pending = exchanges.get(code);
      if (!pending) {
        pending = call<ExchangeResult>(`${base}/exchange`, 'POST', { code, state }).then(async ({ returnTo, ...session }) => {
          notify(session);
          const saved = await takeReturnTo();
          return { ...session, returnTo: returnTo ?? saved ?? '/' };
        });
        exchanges.set(code, pending);
      }
      return pending;
    },

    refresh() {
      const run = () => update(call<GrantkitSession>(`${base}/refresh`));
      return typeof navigator !== 'undefined' && navigator.locks ? navigator.locks.request('grantkit-refresh', run) : run();
    },

    logout: () => update(call<GrantkitSession>(`${base}/logout`)),

    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const answer = await call<{ data?: T; errors?: { message?: string }[] }>(options.graphqlPath ?? '/api/graphql', 'POST', { query, variables });
      if (answer.data == null && answer.errors?.length) throw new GrantkitHttpError(answer.errors[0]?.message ?? 'GraphQL error', 200, 'graphql_error');
      return answer.data as T;
    },

    lastSession: loadSession,

    subscribe(listener) {
      listeners.add(listener);
      if (!channel && typeof BroadcastChannel !== 'undefined') {
        channel = new BroadcastChannel('grantkit');
        channel.onmessage = (event: MessageEvent<GrantkitSession>) => notify(event.data, true);
      }
      return () => {
        listeners.delete(listener);
        if (!listeners.size) {
          channel?.close();
          channel = undefined;
        }
      };
    },
  };
}
