import type { DataTag, QueryFunction, QueryKey, UseQueryOptions } from '@tanstack/react-query';
import { grantkitKeys } from './query-keys';
import type { GrantkitHttpError } from './session-client';
import type { GrantkitPath, GrantkitSession, SessionClient } from './types';

/**
 * What TanStack's `queryOptions` returns, spelt out with types every `@tanstack/react-query` 5
 * exports: options for `useQuery` and the QueryClient methods, a key tagged with the data and error
 * types, and a `queryFn` that is always there (never `skipToken`), so `useSuspenseQuery` takes them.
 */
export type GrantkitQueryOptions<T, E, K extends QueryKey = QueryKey> = Omit<
  UseQueryOptions<T, E, T, K>,
  'queryKey' | 'queryFn'
> & {
  queryKey: DataTag<K, T, E>;
  queryFn: QueryFunction<T, K>;
};

// 4xx will not get better by asking again; 5xx and network errors may.
const retry = (count: number, error: Error) =>
  count < 2 && !((error as GrantkitHttpError).status < 500);

/**
 * The query options the hooks use (TanStack's `queryOptions`), keyed by {@link grantkitKeys} under
 * the client's `basePath`: pass them to `prefetchQuery`, `ensureQueryData`, `fetchQuery` or
 * `useQuery`/`useSuspenseQuery` to share the hooks' cache entries, and to `getQueryData` via
 * `.queryKey` with the data type known.
 *
 * @example
 * ```tsx
 * const client = createSessionClient({ basePath: '/auth' });
 * const queryClient = new QueryClient();
 * void queryClient.prefetchQuery(grantkitQueries.session(client)); // before the first render
 * createRoot(root).render(<GrantkitProvider client={client} queryClient={queryClient}><App /></GrantkitProvider>);
 * ```
 */
export const grantkitQueries = {
  /**
   * The session summary, as {@link useGrantkitAuth} reads it (`staleTime` 30 s).
   *
   * @example
   * ```ts
   * const session = await queryClient.ensureQueryData(grantkitQueries.session(client));
   * ```
   */
  session: (
    client: SessionClient,
  ): GrantkitQueryOptions<GrantkitSession, Error, readonly ['grantkit', string, 'session']> => ({
    queryKey: grantkitKeys.session(client.basePath),
    queryFn: client.getSession,
    staleTime: 30_000,
  }),
  /**
   * A GraphQL query through the proxy (First Dollar's API), as {@link useFirstDollarQuery} runs it
   * (no retry on a 4xx).
   *
   * @example
   * ```ts
   * const { client, queryClient } = useGrantkit();
   * const prefetch = () => queryClient.prefetchQuery(grantkitQueries.graphql(client, 'query { me { name } }'));
   * ```
   */
  graphql: <T = unknown>(
    client: SessionClient,
    query: string,
    variables?: Record<string, unknown>,
  ): GrantkitQueryOptions<T, GrantkitHttpError> => ({
    queryKey: grantkitKeys.graphql<T>(query, variables, client.basePath),
    queryFn: () => client.graphql<T>(query, variables),
    retry,
  }),
  /**
   * A GET of a same-origin path, e.g. an edge proxy route to any vendor's API, as
   * {@link useGrantkitQuery} runs it (no retry on a 4xx).
   *
   * @example
   * ```ts
   * const { client, queryClient } = useGrantkit();
   * const prefetch = () => queryClient.prefetchQuery(grantkitQueries.request(client, '/api/echo'));
   * ```
   */
  request: <T = unknown>(
    client: SessionClient,
    path: GrantkitPath,
  ): GrantkitQueryOptions<T, GrantkitHttpError> => ({
    queryKey: grantkitKeys.request<T>(path, client.basePath),
    queryFn: () => client.request<T>(path),
    retry,
  }),
};
