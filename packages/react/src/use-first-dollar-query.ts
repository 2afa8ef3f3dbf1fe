'use client';
import type { UseQueryResult } from '@tanstack/react-query';
import { useProxyQuery, type ProxyQueryOptions } from './consent';
import { grantkitQueries } from './query-options';
import type { GrantkitHttpError } from './session-client';

/**
 * A First Dollar GraphQL query through the edge proxy (`POST` to the provider's `graphqlPath`; the
 * vendor token never reaches the browser), cached under `grantkitKeys.graphql(query, variables,
 * basePath)` (its options: `grantkitQueries.graphql`). A 401 moves `useFirstDollarAuth()` to
 * `'unauthenticated'` or `'consent_required'`. For another vendor's API, {@link useGrantkitQuery}.
 *
 * @example
 * ```tsx
 * const { data } = useFirstDollarQuery<{ ping: string }>('query { ping }');
 * return <p>{data?.ping}</p>;
 * ```
 */
export function useFirstDollarQuery<T = unknown>(
  query: string,
  variables?: Record<string, unknown>,
  options: ProxyQueryOptions<T> = {},
): UseQueryResult<T, GrantkitHttpError> {
  return useProxyQuery((client) => grantkitQueries.graphql<T>(client, query, variables), options);
}
