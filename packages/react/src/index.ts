/**
 * `@grantkit/react`: React hooks for OAuth through `@grantkit/edge`, whatever its vendor (Orange
 * Logic, OAuth 2.0, First Dollar). The browser holds no token: it speaks HTTP to the edge, whose
 * HttpOnly cookie carries the session. `useFirstDollar*` are the First Dollar entry points.
 *
 * @example
 * ```tsx
 * import { GrantkitProvider, RequireAuth, useGrantkitAuth, useGrantkitQuery } from '@grantkit/react';
 *
 * function Echo() {
 *   const { logout } = useGrantkitAuth();
 *   const { data } = useGrantkitQuery<{ sub: string }>('/api/echo');
 *   return <p>{data?.sub} <button onClick={() => logout()}>Log out</button></p>;
 * }
 * createRoot(root).render(<GrantkitProvider><RequireAuth fallback={<p>Loading…</p>}><Echo /></RequireAuth></GrantkitProvider>);
 * ```
 *
 * @module
 */
export { createSessionClient, GrantkitHttpError } from './session-client';
export type {
  ExchangeResult,
  GrantkitPath,
  GrantkitRequest,
  GrantkitSession,
  SessionClient,
  SessionClientOptions,
} from './types';
export { GrantkitProvider, useGrantkit, type GrantkitProviderProps } from './provider';
export { useGrantkitAuth, type AuthStatus, type GrantkitAuth } from './use-grantkit-auth';
export {
  useGrantkitCallback,
  type GrantkitCallback,
  type GrantkitCallbackOptions,
} from './use-grantkit-callback';
export { useGrantkitQuery } from './use-grantkit-query';
export { useGrantkitMutation, type GrantkitMutationOptions } from './use-grantkit-mutation';
export { useRequireAuth, type RequireAuthOptions, type RequireAuthState } from './use-require-auth';
export { RequireAuth, type RequireAuthProps } from './require-auth';
export { useFirstDollarAuth, type FirstDollarAuth } from './use-first-dollar-auth';
export {
  useFirstDollarCallback,
  type FirstDollarCallback,
  type FirstDollarCallbackOptions,
} from './use-first-dollar-callback';
export { useFirstDollarQuery } from './use-first-dollar-query';
export { useFirstDollarMutation } from './use-first-dollar-mutation';
export type { ConsentOptions, ProxyMutationOptions, ProxyQueryOptions } from './consent';
export { grantkitKeys } from './query-keys';
export { grantkitQueries } from './query-options';
export { edgeRoutes } from './routes';
