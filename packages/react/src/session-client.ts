import { loadSession, saveReturnTo, saveSession, takeReturnTo } from './persist';
import { CSRF_HEADER as CSRF, edgeRoutes, trimBasePath } from './routes';
import type {
  ExchangeResult,
  GrantkitRequest,
  GrantkitSession,
  SessionClient,
  SessionClientOptions,
} from './types';

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

/** code → the one exchange of that code, shared by every client: StrictMode, remounts and re-renders post once. */
const exchanges = new Map<string, Promise<ExchangeResult>>();

const isPath = (v: unknown) => typeof v === 'string' && v.startsWith('/') && !v.startsWith('//');
const RULES: Record<keyof SessionClientOptions, [(v: unknown) => boolean, string]> = {
  basePath: [isPath, 'a path starting with "/"'],
  graphqlPath: [isPath, 'a path starting with "/"'],
  fetch: [(v) => typeof v === 'function', 'a function'],
};

/**
 * The options of {@link createSessionClient}, checked as core's `checkOptions` does (react cannot
 * import core): a TypeError names the option, the type given and what is allowed.
 */
function checkOptions(options: SessionClientOptions): void {
  const fail = (message: string) => {
    throw new TypeError(`createSessionClient: ${message}`);
  };
  // 'null', 'a string', 'an object', …
  const kind = (v: unknown) =>
    v === null ? 'null' : `a${typeof v === 'object' ? 'n' : ''} ${typeof v}`;
  if (typeof options !== 'object' || !options)
    fail(`the options must be an object, not ${kind(options)}`);
  for (const [name, value] of Object.entries(options)) {
    const rule = RULES[name as keyof SessionClientOptions];
    // "Did you mean" only for a name that differs in case: the full edit-distance guess is core's.
    const guess = Object.keys(RULES).find((known) => known.toLowerCase() === name.toLowerCase());
    if (!rule) fail(`unknown option "${name}"${guess ? ` (did you mean "${guess}"?)` : ''}`);
    else if (value !== undefined && !rule[0](value))
      fail(`"${name}" must be ${rule[1]}, not ${kind(value)}`);
  }
}

/**
 * Creates a {@link SessionClient}. Its options are checked: a `TypeError` names a misspelled option
 * or one holding what its docs rule out. Touches no browser global until a method is called (SSR-safe).
 *
 * @example
 * ```ts
 * const client = createSessionClient({ basePath: '/auth', graphqlPath: '/api/graphql' });
 * const { ping } = await client.graphql<{ ping: string }>('query { ping }');
 * ```
 */
export function createSessionClient(options: SessionClientOptions = {}): SessionClient {
  checkOptions(options);
  const basePath = trimBasePath(options.basePath);
  const routes = edgeRoutes(basePath);
  const listeners = new Set<(session: GrantkitSession) => void>();
  let channel: BroadcastChannel | undefined;
  let last: GrantkitSession | undefined;

  const notify = (session: GrantkitSession, fromOtherTab?: boolean) => {
    last = session;
    void saveSession(basePath, session);
    for (const listener of listeners) listener(session);
    if (!fromOtherTab) channel?.postMessage(session);
  };

  const call = async <T>(path: string, method = 'POST', body?: unknown): Promise<T> => {
    // Credentials: fetch's default, 'same-origin' (the session cookie, never sent elsewhere).
    const response = await (options.fetch ?? fetch)(path, {
      method,
      headers: { [CSRF]: '1', ...(body !== undefined && { 'content-type': 'application/json' }) },
      // JSON.stringify(undefined) is undefined: no body.
      body: JSON.stringify(body),
    });
    // A body that is not JSON (an empty 204, text) reads as undefined.
    const json = await response.json().catch(() => undefined);
    if (response.ok) return json;
    const error = new GrantkitHttpError(
      json?.message ?? `HTTP ${response.status}`,
      response.status,
      json?.error ?? 'http_error',
    );
    // The edge answers 401 only when the session is gone (and clears its cookie).
    if (response.status === 401)
      notify({
        authenticated: false,
        ...(error.code === 'consent_required' && { consentRequired: true }),
      });
    throw error;
  };

  const update = async <T extends GrantkitSession>(pending: Promise<T>): Promise<T> => {
    const session = await pending;
    notify(session);
    return session;
  };

  return {
    basePath,

    async getSession() {
      const session = await call<GrantkitSession>(routes.session, 'GET');
      // The edge cleared the cookie when consent went away; keep saying why until a login succeeds.
      last = !session.authenticated && last?.consentRequired ? last : session;
      void saveSession(basePath, last);
      return last;
    },

    async login({ returnTo = location.pathname + location.search } = {}) {
      await saveReturnTo(basePath, returnTo);
      location.assign(`${routes.login}?returnTo=${encodeURIComponent(returnTo)}`);
    },

    exchange(code, state) {
      let pending = exchanges.get(code);
      if (!pending) {
        pending = call<ExchangeResult>(routes.exchange, 'POST', { code, state }).then(
          async ({ returnTo, ...session }) => {
            notify(session);
            const saved = await takeReturnTo(basePath);
            return { ...session, returnTo: returnTo ?? saved ?? '/' };
          },
        );
        exchanges.set(code, pending);
      }
      return pending;
    },

    refresh() {
      const run = () => update(call<GrantkitSession>(routes.refresh));
      const locks = globalThis.navigator?.locks;
      return locks ? locks.request(`grantkit-refresh:${basePath}`, run) : run();
    },

    logout: () => update(call<GrantkitSession>(routes.logout)),

    request: <T>(path: string, { method = 'GET', body }: GrantkitRequest = {}) =>
      call<T>(path, method, body),

    async graphql<T>(query: string, variables?: Record<string, unknown>) {
      const answer = await call<{ data?: T; errors?: { message?: string }[] } | undefined>(
        options.graphqlPath ?? '/api/graphql',
        'POST',
        { query, variables },
      );
      if (answer?.data == null && answer?.errors?.length)
        throw new GrantkitHttpError(
          answer.errors[0]?.message ?? 'GraphQL error',
          200,
          'graphql_error',
        );
      return answer?.data as T;
    },

    lastSession: () => loadSession(basePath),

    subscribe(listener) {
      listeners.add(listener);
      if (!channel && globalThis.BroadcastChannel) {
        channel = new BroadcastChannel(`grantkit:${basePath}`);
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
