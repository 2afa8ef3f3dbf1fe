'use client';
import {
  useMutation,
  useQuery,
  type UseMutationOptions,
  type UseMutationResult,
  type UseQueryOptions,
  type UseQueryResult,
} from '@tanstack/react-query';
import { useEffect } from 'react';
import { useGrantkit } from './provider';
import type { GrantkitQueryOptions } from './query-options';
import type { GrantkitHttpError } from './session-client';
import type { SessionClient } from './types';

/**
 * Extra option of the proxy hooks ({@link useGrantkitQuery}, {@link useGrantkitMutation},
 * {@link useFirstDollarQuery}, {@link useFirstDollarMutation}).
 *
 * @example
 * ```tsx
 * const { data } = useFirstDollarQuery<{ me: { name: string } }>('query { me { name } }', undefined, { redirectOnConsentRequired: true });
 * ```
 */
export interface ConsentOptions {
  /** On a 401 `consent_required`, go straight to the consent page (and back here). @default false */
  redirectOnConsentRequired?: boolean;
}

/** The options a proxy query hook takes: TanStack's, without what the hook sets, plus {@link ConsentOptions}. */
export type ProxyQueryOptions<T> = Omit<
  UseQueryOptions<T, GrantkitHttpError>,
  'queryKey' | 'queryFn'
> &
  ConsentOptions;

/** The options a proxy mutation hook takes: TanStack's, without `mutationFn`, plus {@link ConsentOptions}. */
export type ProxyMutationOptions<T, V> = Omit<
  UseMutationOptions<T, GrantkitHttpError, V>,
  'mutationFn'
> &
  ConsentOptions;

/** Sends the user to consent again when `error` says consent was revoked and `redirect` is set. */
const useConsentRedirect = (client: SessionClient, error: Error | null, redirect?: boolean): void =>
  useEffect(() => {
    if (redirect && (error as GrantkitHttpError | null)?.code === 'consent_required')
      void client.login();
  }, [client, error, redirect]);

/** The one body of the query hooks: `useQuery` over `make(client)`, then the consent redirect. */
export function useProxyQuery<T>(
  make: (client: SessionClient) => GrantkitQueryOptions<T, GrantkitHttpError>,
  { redirectOnConsentRequired, ...rest }: ProxyQueryOptions<T>,
): UseQueryResult<T, GrantkitHttpError> {
  const { client } = useGrantkit();
  const result = useQuery({ ...make(client), ...rest });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}

/** The one body of the mutation hooks: `useMutation` with `send`, then the consent redirect. */
export function useProxyMutation<T, V>(
  send: (client: SessionClient, variables: V) => Promise<T>,
  { redirectOnConsentRequired, ...rest }: ProxyMutationOptions<T, V>,
): UseMutationResult<T, GrantkitHttpError, V> {
  const { client } = useGrantkit();
  const result = useMutation<T, GrantkitHttpError, V>({
    mutationFn: (variables) => send(client, variables),
    ...rest,
  });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}
