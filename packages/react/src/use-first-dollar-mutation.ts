'use client';
import {
  useMutation,
  type UseMutationOptions,
  type UseMutationResult,
} from '@tanstack/react-query';
import { useConsentRedirect, type ConsentOptions } from './consent';
import { useGrantkit } from './provider';
import type { GrantkitHttpError } from './session-client';

/**
 * A GraphQL mutation through the edge proxy; `mutate(variables)` sends `mutation` with them.
 *
 * @example
 * ```tsx
 * const save = useFirstDollarMutation<{ updateName: { id: string } }>('mutation ($name: String!) { updateName(name: $name) { id } }');
 * save.mutate({ name: 'Ada' });
 * ```
 */
export function useFirstDollarMutation<
  T = unknown,
  V extends Record<string, unknown> = Record<string, unknown>,
>(
  mutation: string,
  options: Omit<UseMutationOptions<T, GrantkitHttpError, V>, 'mutationFn'> & ConsentOptions = {},
): UseMutationResult<T, GrantkitHttpError, V> {
  const { client } = useGrantkit();
  const { redirectOnConsentRequired, ...rest } = options;
  const result = useMutation<T, GrantkitHttpError, V>({
    mutationFn: (variables) => client.graphql<T>(mutation, variables),
    ...rest,
  });
  useConsentRedirect(client, result.error, redirectOnConsentRequired);
  return result;
}
