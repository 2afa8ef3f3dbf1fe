'use client';
import type { ReactNode } from 'react';
import { useRequireAuth, type RequireAuthOptions, type RequireAuthState } from './use-require-auth';

/**
 * Props of {@link RequireAuth}.
 *
 * @example
 * ```tsx
 * <RequireAuth fallback={<Spinner />} errorFallback={({ error, retry }) => <LoginFailed error={error} onRetry={retry} />}>
 *   <Reports />
 * </RequireAuth>
 * ```
 */
export interface RequireAuthProps extends RequireAuthOptions {
  /** Rendered once the user is authenticated. */
  children?: ReactNode;
  /** Rendered while the session is checked and on the way to the login page. @default nothing */
  fallback?: ReactNode;
  /**
   * Rendered when the session check or the last login failed (the guard does not leave again).
   * @default the error's message (a sentence); give a function to offer `retry`
   */
  errorFallback?: ReactNode | ((state: RequireAuthState & { error: Error }) => ReactNode);
}

/**
 * A route guard, as auth0-react's `withAuthenticationRequired`: renders `children` when the user is
 * authenticated, `fallback` while loading, and otherwise sends the user to the login (or consent)
 * page and back here, once (see {@link useRequireAuth}). Any vendor behind the edge.
 *
 * @example
 * ```tsx
 * createRoot(root).render(
 *   <GrantkitProvider>
 *     <RequireAuth fallback={<p>Loading…</p>}>
 *       <Dashboard />
 *     </RequireAuth>
 *   </GrantkitProvider>,
 * );
 * ```
 */
export function RequireAuth({
  children,
  fallback,
  errorFallback,
  ...options
}: RequireAuthProps): ReactNode {
  const state = useRequireAuth(options) as RequireAuthState & { error: Error };
  // `error` is set exactly when `status` is 'error'.
  return state.error
    ? typeof errorFallback === 'function'
      ? errorFallback(state)
      : (errorFallback ?? state.error.message)
    : state.status === 'loading'
      ? fallback
      : children;
}
