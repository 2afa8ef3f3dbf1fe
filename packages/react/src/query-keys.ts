/**
 * The query keys grantkit uses, so an app can read, invalidate or prefetch them.
 *
 * @example
 * ```ts
 * queryClient.invalidateQueries({ queryKey: grantkitKeys.graphql() }); // every GraphQL query
 * queryClient.getQueryData(grantkitKeys.session());
 * ```
 */
export const grantkitKeys = {
  /** Every grantkit key starts with this. */
  all: ['grantkit'] as const,
  /** The session summary (`GET {basePath}/session`). */
  session: () => ['grantkit', 'session'] as const,
  /** One GraphQL query through the proxy; without arguments, the prefix of all of them. */
  graphql: (query?: string, variables?: Record<string, unknown>): readonly unknown[] =>
    query === undefined ? ['grantkit', 'graphql'] : ['grantkit', 'graphql', query, variables ?? {}],
};
