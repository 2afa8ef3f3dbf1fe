'use client';
import type { UseMutationResult } from '@tanstack/react-query';
import { useProxyMutation, type ProxyMutationOptions } from './consent';
import type { GrantkitHttpError } from './session-client';

/**
 * A First Dollar GraphQL mutation through the edge proxy; `mutate(variables)` sends `mutation`
 * with them. For another vendor's API, {@link useGrantkitMutation}.
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
  options: ProxyMutationOptions<T, V> = {},
): UseMutationResult<T, GrantkitHttpError, V> {
  return useProxyMutation((client, variables) => client.graphql<T>(mutation, variables), options);
}
