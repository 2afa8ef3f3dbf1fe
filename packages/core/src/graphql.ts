import { GrantkitError, GraphQLDomainError, GraphQLRequestError } from './errors';
import { isRecord } from './is-record';
import { scrub } from './scrub';
import {
  FD_ENVIRONMENT,
  firstDollarHosts,
  type FirstDollarEnvironment,
} from './adapters/first-dollar';
import { base, has, REQ_URL, STR, URL_ } from './adapters/shared';
import { checkOptions, optionRules as r, type OptionRule } from './options';
import { toTransportError } from './http';
import type { TokenClient } from './token-client';

/**
 * Options of {@link createGraphQLClient}.
 *
 * @example
 * ```ts
 * const graphql = createGraphQLClient({ tokenClient, endpoint: 'https://api.dev.firstdollar.com/graphql' });
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

/**
 * Finds the first typed union error in `data`: an object implementing First Dollar's
 * `Error { code: String!, message: String!, retryable: Boolean! }` interface.
 *
 * @example
 * ```ts
 * const error = findDomainError({ createUser: { __typename: 'BadRequestError', code: 'X', message: 'm', retryable: false } });
 * ```
 */
export function findDomainError(
  data: unknown,
  path: string[] = [],
): GraphQLDomainError | undefined {
  // Depth-first without recursion: a deeply nested answer must not overflow the stack.
  type Node = { value: unknown; key?: string; parent?: Node };
  const stack: Node[] = [{ value: data }];
  while (stack.length > 0) {
    const node = stack.pop()!;
    const { value } = node;
    if (
      isRecord(value) &&
      typeof value.code === 'string' &&
      typeof value.message === 'string' &&
      typeof value.retryable === 'boolean'
    ) {
      const keys: string[] = [];
      for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
      // Every server string that goes into the error is scrubbed: a server may quote the token anywhere.
      const typename = typeof value.__typename === 'string' ? scrub(value.__typename) : 'Error';
      return new GraphQLDomainError(
        typename,
        scrub(value.code),
        scrub(value.message),
        value.retryable,
        [...path, ...keys.reverse()].map(scrub),
      );
    }
    const children: [string, unknown][] = Array.isArray(value)
      ? value.map((item, i) => [String(i), item])
      : isRecord(value)
        ? Object.entries(value)
        : [];
    for (let i = children.length - 1; i >= 0; i--)
      stack.push({ value: children[i]![1], key: children[i]![0], parent: node });
  }
  return undefined;
}

const sleep = (ms: number, signal?: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const timer = setTimeout(resolve, ms);
    signal?.addEventListener(
      'abort',
      () => {
        clearTimeout(timer);
        reject(new GrantkitError('aborted', 'The request was aborted'));
      },
      { once: true },
    );
  });

/** What each option of {@link GraphQLClientOptions} may hold. */
const RULES = {
  tokenClient: /* @__PURE__ */ r.where(has('fetch'), 'a token client (createTokenClient)', {
    required: true,
  }),
  endpoint: REQ_URL,
  retries: /* @__PURE__ */ r.positive('retries', { integer: true, zero: true }),
  retryDelay: /* @__PURE__ */ r.positive('milliseconds', { zero: true }),
} satisfies Record<keyof GraphQLClientOptions, OptionRule>;

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
  checkOptions('createGraphQLClient', options, RULES);
  const endpoint = base(options.endpoint);
  const retries = options.retries ?? 2;
  const retryDelay = options.retryDelay ?? 300;
  return {
    async request<TData>(
      query: string,
      variables: Record<string, unknown> = {},
      opts: { signal?: AbortSignal } = {},
    ) {
      for (let attempt = 0; ; attempt++) {
        const init: RequestInit = {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json' },
          body: JSON.stringify({ query, variables }),
        };
        if (opts.signal) init.signal = opts.signal;
        const response = await options.tokenClient.fetch(endpoint, init);
        if (response.status === 401)
          throw new GrantkitError(
            'unauthorized',
            'The API refused the access token after a refresh',
            { status: 401 },
          );
        let body: unknown;
        try {
          body = await response.json();
        } catch (error) {
          // A body that breaks off (connection reset) is a TypeError; a body that is not JSON, a SyntaxError.
          if (error instanceof TypeError) throw toTransportError(error, opts.signal, endpoint);
          throw new GrantkitError(
            response.ok ? 'invalid_response' : 'http_error',
            `GraphQL endpoint answered HTTP ${response.status} without JSON`,
            { status: response.status },
          );
        }
        if (isRecord(body) && Array.isArray(body.errors) && body.errors.length > 0) {
          throw new GraphQLRequestError(
            body.errors.map((e) => ({
              message: isRecord(e) && typeof e.message === 'string' ? e.message : 'Unknown error',
              ...(isRecord(e) && Array.isArray(e.path) ? { path: e.path } : {}),
            })),
            response.status,
          );
        }
        if (!response.ok || !isRecord(body) || !('data' in body)) {
          throw new GrantkitError(
            response.ok ? 'invalid_response' : 'http_error',
            `GraphQL endpoint answered HTTP ${response.status} without data`,
            { status: response.status },
          );
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
export function firstDollarGraphQLEndpoint(
  options: { environment?: FirstDollarEnvironment; apiBaseUrl?: string; appId?: string } = {},
): string {
  checkOptions('firstDollarGraphQLEndpoint', options, {
    environment: FD_ENVIRONMENT,
    apiBaseUrl: URL_,
    appId: STR,
  });
  const api =
    options.apiBaseUrl === undefined
      ? firstDollarHosts(options.environment).api
      : base(options.apiBaseUrl);
  return options.appId === undefined
    ? `${api}/graphql`
    : `${api}/app/${encodeURIComponent(options.appId)}/graphql`;
}
