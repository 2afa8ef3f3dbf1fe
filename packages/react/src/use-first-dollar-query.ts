'use client';
import { useQuery, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import { useConsentRedirect, type ConsentOptions } from './consent';
import { useGrantkit } from './provider';
import { grantkitQueries } from './query-options';
import type { GrantkitHttpError } from './session-client';

/**
 * A GraphQL query through the edge proxy (the vendor token never reaches the browser), cached
 * under `grantkitKeys.graphql(query, variables, basePath)` (its options: `grantkitQueries.graphql`). A 401 moves `useFirstDollarAuth()` to
 * `'unauthenticated'` or `'consent_required'`.
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
  options: Omit<UseQueryOptions<T, GrantkitHttpError>, 'queryKey' | 'queryFn'> &
    ConsentOptions = {},
): UseQueryResult<T, GrantkitHttpError> {
  const { client } = useGrantkit();
  const { redirectOnConsentRequired, ...rest } = options;
  const result = useQuery({ ...grantkitQueries.graphql<T>(client, query, variables), ...rest });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}
