'use client';
import { useQuery } from '@tanstack/react-query';
import { useGrantkit } from './provider';
import { grantkitQueries } from './query-options';
import type { GrantkitSession } from './types';

/**
 * Where the user stands: `'loading'` until the edge answers, then `'authenticated'`,
 * `'unauthenticated'`, `'consent_required'` (the vendor revoked consent: log in again; only First
 * Dollar reports it today) or `'error'`.
 *
 * @example
 * ```tsx
 * const { status, login } = useGrantkitAuth();
 * if (status === 'consent_required') return <button onClick={() => login()}>Consent again</button>;
 * ```
 */
export type AuthStatus =
  'loading' | 'authenticated' | 'unauthenticated' | 'consent_required' | 'error';

/**
 * What {@link useGrantkitAuth} returns.
 *
 * @example
 * ```tsx
 * const { status, session, logout } = useGrantkitAuth();
 * if (status === 'authenticated') return <button onClick={() => logout()}>Log out (until {new Date(session!.expiresAt!).toLocaleTimeString()})</button>;
 * ```
 */
export interface GrantkitAuth {
  /** Where the user stands. */
  status: AuthStatus;
  /** The session summary (never a token); undefined while loading. */
  session: GrantkitSession | undefined;
  /** Goes to the vendor's login (or consent) page, then back to `returnTo`. @default returnTo the current path */
  login(options?: { returnTo?: string }): Promise<void>;
  /** Ends the session at the edge (and in the other tabs); resolves the new, unauthenticated session. */
  logout(): Promise<GrantkitSession>;
  /** Why `status` is `'error'`. */
  error: Error | null;
}

/**
 * The session the edge holds for this browser, whatever its vendor (Orange Logic, OAuth 2.0,
 * First Dollar): its status, login and logout.
 *
 * @example
 * ```tsx
 * function Account() {
 *   const { status, login, logout } = useGrantkitAuth();
 *   if (status === 'loading') return <p>Loading…</p>;
 *   if (status === 'authenticated') return <button onClick={() => logout()}>Log out</button>;
 *   return <button onClick={() => login({ returnTo: '/account' })}>Log in</button>;
 * }
 * ```
 */
export function useGrantkitAuth(): GrantkitAuth {
  const { client } = useGrantkit();
  const { data, error } = useQuery(grantkitQueries.session(client));
  const status: AuthStatus = data
    ? data.authenticated
      ? 'authenticated'
      : data.consentRequired
        ? 'consent_required'
        : 'unauthenticated'
    : error
      ? 'error'
      : 'loading';
  return { status, session: data, login: client.login, logout: client.logout, error };
}
