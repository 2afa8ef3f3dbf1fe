'use client';
import type { UseMutationResult } from '@tanstack/react-query';
import { useProxyMutation, type ProxyMutationOptions } from './consent';
import type { GrantkitHttpError } from './session-client';
import type { GrantkitPath } from './types';

/**
 * Options of {@link useGrantkitMutation}: TanStack's mutation options (but `mutationFn`),
 * `redirectOnConsentRequired`, and the HTTP method.
 *
 * @example
 * ```ts
 * const archive = useGrantkitMutation('/api/assets/42/archive', { method: 'PUT', onSuccess: () => alert('archived') });
 * ```
 */
export type GrantkitMutationOptions<T, V> = ProxyMutationOptions<T, V> & {
  /** The HTTP method. @default 'POST' */
  method?: string;
};

/**
 * A request with a JSON body to an edge proxy route (any vendor's API); `mutate(body)` sends `body`
 * (none when undefined) to `path`. Resolves the JSON answer; a non-2xx answer is a
 * `GrantkitHttpError`. For a path that depends on the data, `useMutation` with
 * `useGrantkit().client.request(path, { method, body })`.
 *
 * @example
 * ```tsx
 * const rename = useGrantkitMutation<{ id: string }, { title: string }>('/api/assets/42', { method: 'PATCH' });
 * rename.mutate({ title: 'Harbour at dawn' });
 * ```
 */
export function useGrantkitMutation<T = unknown, V = void>(
  path: GrantkitPath,
  { method = 'POST', ...options }: GrantkitMutationOptions<T, V> = {},
): UseMutationResult<T, GrantkitHttpError, V> {
  return useProxyMutation((client, body: V) => client.request<T>(path, { method, body }), options);
}
