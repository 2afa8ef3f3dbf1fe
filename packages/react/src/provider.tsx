'use client';
import { QueryClient, QueryClientContext, QueryClientProvider } from '@tanstack/react-query';
import { createContext, useContext, useEffect, useState, type ReactNode } from 'react';
import { grantkitKeys } from './query-keys';
import { createSessionClient } from './session-client';
import type { SessionClient } from './types';

/**
 * Props of {@link GrantkitProvider}.
 *
 * @example
 * ```tsx
 * <GrantkitProvider basePath="/auth" graphqlPath="/api/graphql" queryClient={queryClient}>
 *   <App />
 * </GrantkitProvider>
 * ```
 */
export interface GrantkitProviderProps {
  /** What the grantkit hooks render in. */
  children?: ReactNode;
  /** Where the edge auth routes live (ignored when `client` is given). @default '/auth' */
  basePath?: string;
  /** The edge's GraphQL proxy route (ignored when `client` is given). @default '/api/graphql' */
  graphqlPath?: string;
  /** A session client of your own (a custom fetch, or shared with non-React code). */
  client?: SessionClient;
  /** The QueryClient to use. @default the one of an enclosing `QueryClientProvider`, else a new one */
  queryClient?: QueryClient;
}

const Context = createContext<{ client: SessionClient; queryClient: QueryClient } | null>(null);

/**
 * Puts the session client and a QueryClient in context for the grantkit hooks, and keeps the
 * session query in step with logins, logouts and 401s (in this tab and the others).
 *
 * @example
 * ```tsx
 * createRoot(root).render(
 *   <GrantkitProvider basePath="/auth">
 *     <App />
 *   </GrantkitProvider>,
 * );
 * ```
 */
export function GrantkitProvider({
  children,
  basePath,
  graphqlPath,
  client,
  queryClient,
}: GrantkitProviderProps): ReactNode {
  const parent = useContext(QueryClientContext);
  const [value] = useState(() => ({
    client: client ?? createSessionClient({ basePath, graphqlPath }),
    queryClient: queryClient ?? parent ?? new QueryClient(),
  }));
  const { client: own, queryClient: cache } = value;
  useEffect(
    () =>
      own.subscribe((session) => {
        cache.setQueryData(grantkitKeys.session(own.basePath), session);
        // The user's data must not outlive the session. In-flight queries are left to fail (401):
        // removing one would cancel it silently, and its hook would never see why.
        if (!session.authenticated)
          cache.removeQueries({
            queryKey: grantkitKeys.scope(own.basePath),
            predicate: (q) => q.queryKey[2] !== 'session' && q.state.fetchStatus !== 'fetching',
          });
      }),
    [value],
  );
  const inner = <Context.Provider value={value}>{children}</Context.Provider>;
  return cache === parent ? (
    inner
  ) : (
    <QueryClientProvider client={cache}>{inner}</QueryClientProvider>
  );
}

/**
 * The session client and QueryClient of the nearest {@link GrantkitProvider}. Throws outside one.
 *
 * @example
 * ```tsx
 * const { client } = useGrantkit();
 * await client.refresh();
 * ```
 */
export function useGrantkit(): { client: SessionClient; queryClient: QueryClient } {
  const value = useContext(Context);
  if (!value) throw new Error('No GrantkitProvider set');
  return value;
}
