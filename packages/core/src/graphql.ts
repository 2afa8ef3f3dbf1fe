import { GrantkitError, GraphQLDomainError, GraphQLRequestError, RateLimitError } from './errors';
import { isRecord } from './is-record';
import { scrub } from './scrub';
import {
  FD_ENVIRONMENT,
  firstDollarHosts,
  type FirstDollarEnvironment,
} from './adapters/first-dollar';
import { base, FN, has, REQ_URL, STR, URL_ } from './adapters/shared';
import { checkOptions, optionRules as r, type OptionRule } from './options';
import { sentToken } from './authorized-fetch';
import { credentialsOf, redact, toTransportError } from './http';
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
  /**
   * The token client whose authorized fetch carries the requests. When that is a
   * {@link TokenClient}'s `fetch`, the access token each request carried is also cut from the server
   * text of an error, in every encoding, however short: a server may quote the token it refused.
   */
  tokenClient: Pick<TokenClient, 'fetch'>;
  /** The GraphQL endpoint URL. */
  endpoint: string;
  /** Retries of an answer carrying a `retryable: true` domain error. @default 2 */
  retries?: number;
  /** Base backoff between those retries, ms (doubled each time, with jitter). @default 300 */
  retryDelay?: number;
  /**
   * Largest answer read, bytes: a longer one (by `Content-Length` or as it streams) is cut off and
   * throws `invalid_response` (`http_error` when non-2xx). @default 8388608 (8 MiB)
   */
  maxResponseBytes?: number;
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
 * `Error { code: String!, message: String!, retryable: Boolean! }` interface, recognised by its
 * string `code` and `message` with a boolean `retryable`, or with a `__typename` ending in `Error`
 * when the query did not select `retryable` (then `retryable` is `false`). Select
 * `... on Error { __typename code message retryable }` to get every field.
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
  return findIn(data, path, scrub);
}

/** {@link findDomainError} with `clean` applied to every server string that goes into the error. */
function findIn(
  data: unknown,
  path: string[],
  clean: (text: string) => string,
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
      (typeof value.retryable === 'boolean' ||
        (value.retryable === undefined &&
          typeof value.__typename === 'string' &&
          value.__typename.endsWith('Error')))
    ) {
      const keys: string[] = [];
      for (let n: Node | undefined = node; n?.key !== undefined; n = n.parent) keys.push(n.key);
      // Every server string that goes into the error is scrubbed: a server may quote the token anywhere.
      const typename = typeof value.__typename === 'string' ? clean(value.__typename) : 'Error';
      return new GraphQLDomainError(
        typename,
        clean(value.code),
        clean(value.message),
        value.retryable === true,
        [...path, ...keys.reverse()].map(clean),
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

/**
 * The body of `response` as text, reading at most `max` bytes: a longer body (announced by
 * `Content-Length`, or found while streaming) is cancelled and throws, so an endless answer cannot
 * fill the memory.
 */
async function readText(response: Response, max: number): Promise<string> {
  const tooLarge = () =>
    new GrantkitError(
      response.ok ? 'invalid_response' : 'http_error',
      `GraphQL endpoint answered more than ${max} bytes (maxResponseBytes)`,
      { status: response.status },
    );
  if (Number(response.headers.get('content-length')) > max) {
    await response.body?.cancel().catch(() => {});
    throw tooLarge();
  }
  if (!response.body) return '';
  const reader = response.body.getReader();
  const decoder = new TextDecoder();
  let size = 0;
  let text = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) return text + decoder.decode();
    size += value.byteLength;
    if (size > max) {
      await reader.cancel().catch(() => {});
      throw tooLarge();
    }
    text += decoder.decode(value, { stream: true });
  }
}

/** Longest `Retry-After` kept, seconds (a day): a longer one, either form, is read as this. */
const MAX_RETRY_AFTER = 86_400;

/**
 * Seconds a `Retry-After` value (delta-seconds or an HTTP date) asks to wait, if it is one, at most
 * {@link MAX_RETRY_AFTER}.
 */
function retryAfter(value: string | null): number | undefined {
  const text = value?.trim() ?? '';
  // An HTTP date ends in GMT (RFC 9110 §5.6.7); Date.parse alone would read "5 s" as a date.
  const at = / GMT$/.test(text) ? Date.parse(text) : NaN;
  const wait = /^\d{1,9}$/.test(text) ? Number(text) : Math.ceil((at - Date.now()) / 1000);
  return Number.isNaN(wait) ? undefined : Math.min(MAX_RETRY_AFTER, Math.max(0, wait));
}

/**
 * Cuts, besides token-like runs ({@link scrub}), the access token the answer's request carried from
 * server text, in every encoding a server may quote it in (the redaction of token requests,
 * `credentialsOf`), however short it is.
 */
function cleaner(response: Response): (text: string) => string {
  const token = sentToken(response);
  const sent =
    token === undefined
      ? undefined
      : credentialsOf({ url: '', method: 'POST', headers: {}, body: JSON.stringify({ token }) });
  return (text) => scrub(redact(text, sent) as string);
}

/** What each option of {@link GraphQLClientOptions} may hold. */
const RULES = {
  tokenClient: /* @__PURE__ */ r.where(has('fetch'), 'a token client (createTokenClient)', {
    required: true,
  }),
  endpoint: REQ_URL,
  retries: /* @__PURE__ */ r.positive('retries', { integer: true, zero: true }),
  retryDelay: /* @__PURE__ */ r.positive('milliseconds', { zero: true }),
  maxResponseBytes: /* @__PURE__ */ r.positive('bytes', { integer: true }),
} satisfies Record<keyof GraphQLClientOptions, OptionRule>;

/**
 * Creates a GraphQL client on a token client's authorized fetch. Transport `errors[]` throw
 * {@link GraphQLRequestError}; typed union errors throw {@link GraphQLDomainError}, retried with
 * backoff when `retryable`; a 429 throws {@link RateLimitError} with the `Retry-After` wait (seconds
 * or an HTTP date, at most 86,400 s: a longer one reads as a day), not retried; a 401 that survives
 * one refresh throws `unauthorized`.
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
  const maxBytes = options.maxResponseBytes ?? 8 * 1024 * 1024;
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
        if (response.status === 401) {
          await response.body?.cancel().catch(() => {});
          throw new GrantkitError(
            'unauthorized',
            'The API refused the access token after a refresh',
            { status: 401 },
          );
        }
        if (response.status === 429) {
          // Not retried here: the wait (First Dollar's window is 60 s) is the caller's to choose.
          await response.body?.cancel().catch(() => {});
          const wait = retryAfter(response.headers.get('retry-after'));
          throw new RateLimitError(
            `GraphQL endpoint answered HTTP 429 (rate limited${wait === undefined ? '' : `; retry after ${wait} s`})`,
            wait,
          );
        }
        const text = await readText(response, maxBytes).catch((error: unknown) => {
          // A body that breaks off (connection reset) or is aborted while it streams.
          const mapped =
            error instanceof GrantkitError ? error : toTransportError(error, opts.signal, endpoint);
          throw mapped instanceof GrantkitError
            ? mapped
            : new GrantkitError('network_error', 'The GraphQL answer broke off while it was read');
        });
        let body: unknown;
        try {
          body = JSON.parse(text);
        } catch {
          throw new GrantkitError(
            response.ok ? 'invalid_response' : 'http_error',
            `GraphQL endpoint answered HTTP ${response.status} without JSON`,
            { status: response.status },
          );
        }
        if (isRecord(body) && Array.isArray(body.errors) && body.errors.length > 0) {
          const clean = cleaner(response);
          throw new GraphQLRequestError(
            body.errors.map((e) => ({
              message: clean(
                isRecord(e) && typeof e.message === 'string' ? e.message : 'Unknown error',
              ),
              // The error keeps a path's strings (cleaned here) and integers, nothing else.
              ...(isRecord(e) && Array.isArray(e.path)
                ? {
                    path: (e.path as (string | number)[]).map((p) =>
                      typeof p === 'string' ? clean(p) : p,
                    ),
                  }
                : {}),
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
        let domain = findDomainError(body.data);
        if (!domain) return body.data as TData;
        domain = findIn(body.data, [], cleaner(response))!;
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

/**
 * One page of a First Dollar list: `nodes` and `pageInfo { hasNextPage endCursor }`.
 *
 * @example
 * ```ts
 * const page: GraphQLPage<{ id: string }> = { nodes: [{ id: 'org_1' }], pageInfo: { hasNextPage: false, endCursor: null } };
 * ```
 */
export interface GraphQLPage<TNode> {
  nodes: TNode[];
  pageInfo: { hasNextPage: boolean; endCursor?: string | null };
}

/**
 * Options of {@link graphqlPages}.
 *
 * @example
 * ```ts
 * graphqlPages(graphql, QUERY, {}, { pageSize: 50, maxPages: 20, page: (data) => data.organizations });
 * ```
 */
export interface GraphQLPagesOptions<TData = unknown, TNode = unknown> {
  /** Where the page is in `data`. @default the only top-level field of `data` */
  page?: (data: TData) => GraphQLPage<TNode> | null | undefined;
  /** Sent as the `first` variable. @default not sent: the server's default (First Dollar: 100) */
  pageSize?: number;
  /** Pages read at most: a list still `hasNextPage` after them throws `invalid_response`. @default 100 */
  maxPages?: number;
  /** Aborts the request in flight and ends the iteration. */
  signal?: AbortSignal;
}

const PAGES_RULES = {
  page: FN,
  pageSize: /* @__PURE__ */ r.positive('nodes', { integer: true }),
  maxPages: /* @__PURE__ */ r.positive('pages', { integer: true }),
  signal: /* @__PURE__ */ r.where(
    (v) => typeof v === 'object' && v !== null && 'aborted' in v,
    'an AbortSignal',
  ),
} satisfies Record<keyof GraphQLPagesOptions, OptionRule>;

/**
 * Reads a First Dollar list page by page: sends `query` with `variables` plus `after` (the previous
 * page's `endCursor`, absent on the first page) and `first` (`pageSize`, when given), and yields
 * each page's `{ nodes, pageInfo }` until `hasNextPage` is false. The query declares `$after:
 * String` (and `$first: Int`) and passes them to the list field. Bounded: more than `maxPages`
 * pages, a page without `nodes` / `pageInfo`, or a cursor that does not move throws
 * `invalid_response`; a `BadRequestError` (a bad cursor or page size) throws
 * {@link GraphQLDomainError} and a 429 {@link RateLimitError}, as {@link GraphQLClient.request} does.
 *
 * @example
 * ```ts
 * const QUERY = `query Orgs($after: String, $first: Int) {
 *   organizations(after: $after, first: $first) {
 *     ... on OrganizationsResults { nodes { id name } pageInfo { hasNextPage endCursor } }
 *     ... on Error { __typename code message retryable }
 *   }
 * }`;
 * for await (const page of graphqlPages<{ id: string; name: string }>(graphql, QUERY, {}, { pageSize: 100 }))
 *   for (const org of page.nodes) console.log(org.id, org.name);
 * ```
 */
export function graphqlPages<TNode = unknown, TData = unknown>(
  client: Pick<GraphQLClient, 'request'>,
  query: string,
  variables: Record<string, unknown> = {},
  options: GraphQLPagesOptions<TData, TNode> = {},
): AsyncGenerator<GraphQLPage<TNode>, void, undefined> {
  checkOptions('graphqlPages', options, PAGES_RULES);
  return pages(client, query, variables, options);
}

async function* pages<TNode, TData>(
  client: Pick<GraphQLClient, 'request'>,
  query: string,
  variables: Record<string, unknown>,
  options: GraphQLPagesOptions<TData, TNode>,
): AsyncGenerator<GraphQLPage<TNode>, void, undefined> {
  const maxPages = options.maxPages ?? 100;
  const bad = (why: string) =>
    new GrantkitError('invalid_response', `graphqlPages: ${why}`, { status: 200 });
  let after: string | undefined;
  for (let n = 1; ; n++) {
    const vars = { ...variables };
    if (options.pageSize !== undefined) vars.first = options.pageSize;
    if (after !== undefined) vars.after = after;
    const data = await client.request<TData>(
      query,
      vars,
      options.signal ? { signal: options.signal } : {},
    );
    let page: unknown;
    if (options.page) page = options.page(data);
    else if (isRecord(data) && Object.keys(data).length === 1) page = Object.values(data)[0];
    else throw bad('the answer has several fields: say which is the list with the page option');
    const info = isRecord(page) ? page.pageInfo : undefined;
    if (
      !isRecord(page) ||
      !Array.isArray(page.nodes) ||
      !isRecord(info) ||
      typeof info.hasNextPage !== 'boolean'
    )
      throw bad('the list has no nodes / pageInfo { hasNextPage endCursor }: select them');
    yield page as unknown as GraphQLPage<TNode>;
    if (!info.hasNextPage) return;
    if (typeof info.endCursor !== 'string' || info.endCursor === after)
      throw bad('hasNextPage is true but endCursor does not move on');
    if (n >= maxPages) throw bad(`the list has more than maxPages (${maxPages}) pages`);
    after = info.endCursor;
  }
}
