import type { DataTag } from '@tanstack/react-query';
import { trimBasePath } from './routes';
import type { GrantkitHttpError } from './session-client';
import type { GrantkitSession } from './types';

const scope = (basePath?: string): readonly ['grantkit', string] => [
  'grantkit',
  trimBasePath(basePath),
];

/** `['grantkit', basePath, kind, ...parts]`. */
const under = (basePath: string | undefined, kind: string, ...parts: unknown[]): unknown[] => [
  ...scope(basePath),
  kind,
  ...parts,
];

/**
 * The query keys grantkit uses, so an app can read, invalidate or prefetch them. Every key but
 * `all` is scoped by the session client's `basePath` (`'/auth'` when not given), so two edges in
 * one QueryClient keep their sessions and data apart. The keys are typed: `getQueryData` of one
 * knows what it holds. {@link grantkitQueries} builds whole query options on them.
 *
 * @example
 * ```ts
 * queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() }); // every GraphQL query under /auth
 * queryClient.getQueryData(grantkitKeys.session('/partner/auth')); // GrantkitSession | undefined
 * queryClient.invalidateQueries({ queryKey: grantkitKeys.request('/api/echo') }); // one proxied GET
 * ```
 */
export const grantkitKeys = {
  /** Every grantkit key starts with this: `['grantkit']`. */
  all: ['grantkit'] as const,
  /** Every key of one base path: `['grantkit', basePath]`. */
  scope,
  /** The session summary (`GET {basePath}/session`): `['grantkit', basePath, 'session']`. */
  session: (
    basePath?: string,
  ): DataTag<readonly ['grantkit', string, 'session'], GrantkitSession, Error> =>
    under(basePath, 'session') as unknown as DataTag<
      readonly ['grantkit', string, 'session'],
      GrantkitSession,
      Error
    >,
  /**
   * One GraphQL query through the proxy, `['grantkit', basePath, 'graphql', query, variables]`;
   * without a query, the prefix of all of them under `basePath`.
   */
  graphql: <T = unknown>(
    query?: string,
    variables?: Record<string, unknown>,
    basePath?: string,
  ): DataTag<readonly unknown[], T, GrantkitHttpError> =>
    (query === undefined
      ? under(basePath, 'graphql')
      : under(basePath, 'graphql', query, variables ?? {})) as unknown as DataTag<
      readonly unknown[],
      T,
      GrantkitHttpError
    >,
  /**
   * One GET through the edge proxy (any vendor's API), `['grantkit', basePath, 'request', path]`;
   * without a path, the prefix of all of them under `basePath`.
   */
  request: <T = unknown>(
    path?: string,
    basePath?: string,
  ): DataTag<readonly unknown[], T, GrantkitHttpError> =>
    (path === undefined
      ? under(basePath, 'request')
      : under(basePath, 'request', path)) as unknown as DataTag<
      readonly unknown[],
      T,
      GrantkitHttpError
    >,
};
