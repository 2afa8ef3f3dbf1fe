import { GrantkitError, GraphQLDomainError } from './errors';
import { firstDollarHosts, type FirstDollarEnvironment } from './adapters/first-dollar';
import { requireUrl } from './adapters/oauth2';
import { toTransportError } from './http';
import type { TokenClient } from './token-client';

/** One transport error of a GraphQL answer (`errors[]`). */
export interface GraphQLTransportError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

// A server message may echo the bearer token it refused; the error's message must not carry it. Runs
// of 32+ token characters (JWTs, opaque tokens, keys) are cut from server text that goes into one,
// counting a character the server quoted encoded as one: a percent escape (`%2F`, `%2b`), a JSON
// escape (`\/`, `\u002f`) — else a base64 token quoted URL- or JSON-encoded slips through in runs
// shorter than 32.
const TOKEN_CHAR = String.raw`(?:[A-Za-z0-9\-._~+/]|%[0-9A-Fa-f]{2}|\\(?:\/|u[0-9A-Fa-f]{4}))`;
const TOKEN_LIKE = new RegExp(`${TOKEN_CHAR}{32,}(?:=|%3[Dd])*`, 'g');
const scrub = (text: string): string => text.replace(TOKEN_LIKE, '[redacted]');

/**
 * A GraphQL answer with transport `errors[]`. `errors` holds the server's messages and paths, with
 * token-like runs of 32+ characters (raw, percent- or JSON-escaped) redacted from messages and
 * path segments (a server may echo the bearer token it refused, and an error gets logged whole); the
 * error's own message quotes them.
 *
 * @example
 * ```ts
 * catch (error) { if (error instanceof GraphQLRequestError) console.log(error.errors.map((e) => e.message)); }
 * ```
 */
export class GraphQLRequestError extends GrantkitError {
  override name = 'GraphQLRequestError';
  /** The `errors[]` the server sent. */
  readonly errors: readonly GraphQLTransportError[];
  constructor(errors: readonly GraphQLTransportError[], status: number) {
    const scrubbed = errors.map((e) => ({
      ...e,
      message: scrub(e.message),
      ...(e.path ? { path: e.path.map((p) => (typeof p === 'string' ? scrub(p) : p)) } : {}),
    }));
    super('graphql_error', `GraphQL request failed: ${scrubbed.map((e) => e.message).join('; ').slice(0, 300)}`, { status });
    this.errors = scrubbed;
  }
}

/**
 * Options of {@link createGraphQLClient}.
 *
 * @example
 * ```ts
 * const options: GraphQLClientOptions = { tokenClient, endpoint: 'https://api.dev.firstdollar.com/graphql' };
 * ```
 */
export interface GraphQLClientOptions {
  /** The token client whose authorized fetch carries the requests. */
  tokenClient: Pick<TokenClient, 'fetch'>;
  /** The GraphQL endpoint URL. */
  endpoint: string;
  /** Retries of an answer carrying a `retryable: true` domain error. @default 2 */
  retries?: number;
  /** Base backoff between those retries, ms (doubled each time, with jitter). @default 300 */
  retryDelay?: number;
}

/**
 * A GraphQL client.
 *
 * @example
 * ```ts
 * const { ping } = await graphql.request<{ ping: string }>('query { ping }');
 * ```
 */
export interface GraphQLClient {
  /** Sends `query` with `variables`; resolves `data`, or throws a typed error. */
  request<TData = unknown, TVariables extends Record<string, unknown> = Record<string, unknown>>(
    query: string,
    variables?: TVariables,
    options?: { signal?: AbortSignal },
  ): Promise<TData>;
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Finds the first typed union error in `data`: an object implementing First Dollar's
 * `Error { code: String!, message: String!, retryable: Boolean! }` interface.
 *
 * @example
 * ```ts
 * const error = findDomainError({ createUser: { __typename: 'BadRequestError', code: 'X', message: 'm', retryable: false } });
 * ```
 */
export function findDomainError(data: unknown, path: string[] = []): GraphQLDomainError | undefined {
  // Depth-first without recursion: a deeply nested answer must not overflow the stack.
  type Node = { value: unknown; key?: string; parent?: Node };
  const stack: Node[] = [{ value: data }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (isRecord(value) && typeof value.code === 'string' && typeof value.message === 'string' && typeof value.retryable === 'boolean') {
      const keys: string[] = [];
      for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
      // Every server string that goes into the error is scrubbed: a server may quote the token anywhere.
      const typename = typeof value.__typename === 'string' ? scrub(value.__typename) : 'Error';
      return new GraphQLDomainError(typename, scrub(value.code), scrub(value.message), value.retryable, [...path, ...keys.reverse()].map(scrub));
    }
    const children: [string, unknown][] = Array.isArray(value) ? value.map((item, i) => [String(i), item]) : isRecord(value) ? Object.entries(value) : [];
    for (let i = children.length - 1; i >= 0; i--) stack.push({ value: children[i]![1], key: children[i]![0], parent: node });
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => {
      clearTimeout(timer);
      reject(new GrantkitError('aborted', 'The request was aborted'));
    }, { once: true });
  });

/**
 * Creates a GraphQL client on a token client's authorized fetch. Transport `errors[]` throw
 * {@link GraphQLRequestError}; typed union errors throw {@link GraphQLDomainError}, retried with
 * backoff when `retryable`; a 401 that survives one refresh throws `unauthorized`.
 *
 * @example
 * ```ts
 * const graphql = createGraphQLClient({ tokenClient, endpoint: firstDollarGraphQLEndpoint({ appId }) });
 * const data = await graphql.request<{ ping: string }>('query { ping }');
 * ```
 */
export function createGraphQLClient(options: GraphQLClientOptions): GraphQLClient {
  const endpoint = requireUrl(options.endpoint, 'endpoint');
  const retries = options.retries ?? 2;
  const retryDelay = options.retryDelay ?? 300;
  return {
    async request<TData>(query: string, variables: Record<string, unknown> = {}, opts: { signal?: AbortSignal } = {}) {
      for (let attempt = 0; ; attempt++) {
        const init: RequestInit = {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query, variables }),
        };
        if (opts.signal) init.signal = opts.signal;
        const response = await options.tokenClient.fetch(endpoint, init);
        if (response.status === 401) throw new GrantkitError('unauthorized', 'The API refused the access token after a refresh', { status: 401 });
        let body: unknown;
        try {
          body = await response.json();
        } catch (error) {
          // A body that breaks off (connection reset) is a TypeError; a body that is not JSON, a SyntaxError.
          if (error instanceof TypeError) throw toTransportError(error, opts.signal);
          throw new GrantkitError(response.ok ? 'invalid_response' : 'http_error', `GraphQL endpoint answered HTTP ${response.status} without JSON`, { status: response.status });
        }
        if (isRecord(body) && Array.isArray(body.errors) && body.errors.length > 0) {
          throw new GraphQLRequestError(body.errors.map((e) => ({ message: isRecord(e) && typeof e.message === 'string' ? e.message : 'Unknown error', ...(isRecord(e) && Array.isArray(e.path) ? { path: e.path } : {}) })), response.status);
        }
        if (!response.ok || !isRecord(body) || !('data' in body)) {
          throw new GrantkitError(response.ok ? 'invalid_response' : 'http_error', `GraphQL endpoint answered HTTP ${response.status} without data`, { status: response.status });
        }
        const domain = findDomainError(body.data);
        if (!domain) return body.data as TData;
        if (!domain.retryable || attempt >= retries) throw domain;
        await sleep(Math.random() * retryDelay * 2 ** attempt, opts.signal);
      }
    },
  };
}

/**
 * The First Dollar GraphQL endpoint: Partner (`/graphql`) or, with `appId`, OAuth App (`/app/<appId>/graphql`).
 *
 * @example
 * ```ts
 * firstDollarGraphQLEndpoint({ environment: 'production', appId: 'app_1' });
 * // 'https://api.firstdollar.com/app/app_1/graphql'
 * ```
 */
export function firstDollarGraphQLEndpoint(options: { environment?: FirstDollarEnvironment; apiBaseUrl?: string; appId?: string } = {}): string {
  const api = options.apiBaseUrl === undefined ? firstDollarHosts(options.environment).api : requireUrl(options.apiBaseUrl, 'apiBaseUrl');
  return options.appId === undefined ? `${api}/graphql` : `${api}/app/${encodeURIComponent(options.appId)}/graphql`;
}
