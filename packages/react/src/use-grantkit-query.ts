'use client';
import type { UseQueryResult } from '@tanstack/react-query';
import { useProxyQuery, type ProxyQueryOptions } from './consent';
import { grantkitQueries } from './query-options';
import type { GrantkitHttpError } from './session-client';
import type { GrantkitPath } from './types';

/**
 * A `GET` of an edge proxy route (any vendor's API: Orange Logic, an OAuth 2.0 resource server,
 * First Dollar's REST) with the session's token added by the edge, never seen by the browser.
 * Resolves the JSON answer, cached under `grantkitKeys.request(path, basePath)` (its options:
 * `grantkitQueries.request`). A non-2xx answer is a `GrantkitHttpError` (a 4xx is not retried); a
 * 401 moves `useGrantkitAuth()` to `'unauthenticated'`.
 *
 * @example
 * ```tsx
 * // Edge: proxy: { '/api/echo': 'https://dam.example.com/webapi/echo' }
 * const { data, error } = useGrantkitQuery<{ sub: string }>('/api/echo?verbose=1');
 * return <p>{error ? error.code : data?.sub}</p>;
 * ```
 */
export function useGrantkitQuery<T = unknown>(
  path: GrantkitPath,
  options: ProxyQueryOptions<T> = {},
): UseQueryResult<T, GrantkitHttpError> {
  return useProxyQuery((client) => grantkitQueries.request<T>(client, path), options);
}
