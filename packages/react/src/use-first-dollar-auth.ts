'use client';
import { useGrantkitAuth, type GrantkitAuth } from './use-grantkit-auth';

export type { AuthStatus } from './use-grantkit-auth';

/**
 * What {@link useFirstDollarAuth} returns: {@link GrantkitAuth}.
 *
 * @example
 * ```tsx
 * const { status, session, logout } = useFirstDollarAuth();
 * if (status === 'authenticated') return <button onClick={() => logout()}>Log out (until {new Date(session!.expiresAt!).toLocaleTimeString()})</button>;
 * ```
 */
export type FirstDollarAuth = GrantkitAuth;

/**
 * The First Dollar session through `@grantkit/edge`: its status (with `'consent_required'` when the
 * user revoked the app's consent), login and logout. The same hook as {@link useGrantkitAuth}.
 *
 * @example
 * ```tsx
 * function Account() {
 *   const { status, login, logout } = useFirstDollarAuth();
 *   if (status === 'loading') return <p>Loading…</p>;
 *   if (status === 'authenticated') return <button onClick={() => logout()}>Log out</button>;
 *   return <button onClick={() => login({ returnTo: '/account' })}>{status === 'consent_required' ? 'Consent again' : 'Log in'}</button>;
 * }
 * ```
 */
export const useFirstDollarAuth: () => FirstDollarAuth = useGrantkitAuth;
