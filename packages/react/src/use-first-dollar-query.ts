'use client';
import { useQuery, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import { useConsentRedirect, type ConsentOptions } from './consent';
import { useGrantkit } from './provider';
import { grantkitKeys } from './query-keys';
import type { GrantkitHttpError } from './session-client';

// 4xx will not get better by asking again; 5xx and network errors may.
const retry = (count: number, error: Error) => count < 2 && !((error as GrantkitHttpError).status < 500);

/**
 * A GraphQL query through the edge proxy (the vendor token never reaches the browser), cached
 * under `grantkitKeys.graphql(query, variables)`. A 401 moves `useFirstDollarAuth()` to
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
  options: Omit<UseQueryOptions<T, GrantkitHttpError>, 'queryKey' | 'queryFn'> & ConsentOptions = {},
): UseQueryResult<T, GrantkitHttpError> {
  const { client } = useGrantkit();
  const { redirectOnConsentRequired, ...rest } = options;
  const result = useQuery<T, GrantkitHttpError>({
    queryKey: grantkitKeys.graphql(query, variables),
    queryFn: () => client.graphql<T>(query, variables),
    retry,
    ...rest,
  });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}
