'use client';
import { useMutation, useQuery, type UseMutationOptions, type UseMutationResult, type UseQueryOptions, type UseQueryResult } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useGrantkit } from './provider';
import { grantkitKeys } from './query-keys';
import type { GrantkitHttpError } from './session-client';
import type { SessionClient } from './types';

/**
 * Extra option of the GraphQL hooks.
 *
 * @example
 * ```ts
 * const options: ConsentOptions = { redirectOnConsentRequired: true };
 * ```
 */
export interface ConsentOptions {
  /** On a 401 `consent_required`, go straight to the consent page (and back here). @default false */
  redirectOnConsentRequired?: boolean;
}

// 4xx will not get better by asking again; 5xx and network errors may.
const retry = (count: number, error: Error) => count < 2 && !((error as GrantkitHttpError).status < 500);

const useConsentRedirect = (client: SessionClient, error: Error | null, redirect?: boolean) =>
  useEffect(() => {
    if (redirect && (error as GrantkitHttpError | null)?.code === 'consent_required') void client.login();
  }, [client, error, redirect]);

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

/**
 * A GraphQL mutation through the edge proxy; `mutate(variables)` sends `mutation` with them.
 *
 * @example
 * ```tsx
 * const save = useFirstDollarMutation<{ updateName: { id: string } }>('mutation ($name: String!) { updateName(name: $name) { id } }');
 * save.mutate({ name: 'Ada' });
 * ```
 */
export function useFirstDollarMutation<T = unknown, V extends Record<string, unknown> = Record<string, unknown>>(
  mutation: string,
  options: Omit<UseMutationOptions<T, GrantkitHttpError, V>, 'mutationFn'> & ConsentOptions = {},
): UseMutationResult<T, GrantkitHttpError, V> {
  const { client } = useGrantkit();
  const { redirectOnConsentRequired, ...rest } = options;
  const result = useMutation<T, GrantkitHttpError, V>({ mutationFn: (variables) => client.graphql<T>(mutation, variables), ...rest });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}
