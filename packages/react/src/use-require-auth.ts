'use client';
import { useCallback, useEffect, useState } from 'react';
import { useGrantkit } from './provider';
import { grantkitKeys } from './query-keys';
import { GrantkitHttpError } from './session-client';
import { useGrantkitAuth } from './use-grantkit-auth';

/**
 * Options of {@link useRequireAuth} (and props of {@link RequireAuth}).
 *
 * @example
 * ```ts
 * const { status } = useRequireAuth({ returnTo: '/reports' });
 * ```
 */
export interface RequireAuthOptions {
  /** Where the login comes back to. @default the current path and query (without an `error` parameter) */
  returnTo?: string;
}

/**
 * What {@link useRequireAuth} returns.
 *
 * @example
 * ```tsx
 * const { status, error, retry } = useRequireAuth();
 * if (status === 'error') return <p>{error?.message} <button onClick={retry}>Try again</button></p>;
 * ```
 */
export interface RequireAuthState {
  /**
   * `'loading'` while the session is checked and on the way to the login (or consent) page,
   * `'authenticated'`, or `'error'`: the session check failed, or the last login did not succeed
   * (no automatic retry then, so a failing login never loops).
   */
  status: 'loading' | 'authenticated' | 'error';
  /** Why `status` is `'error'`: a {@link GrantkitHttpError} (`code` the edge's `?error=`, or `'login_incomplete'`) or the session check's error. */
  error: Error | null;
  /** After an error: checks the session again (if that failed) or logs in again. */
  retry(): void;
}

// sessionStorage key of this tab's pending guard login, scoped by basePath; its value names the
// document that left for the login, so a document that finds another's value knows a login came
// back without a session (cookie refused, back button) and does not leave again.
const KEY = 'grantkit:login:';
let page: string | undefined;

/** sessionStorage, or undefined where it is missing or throws (SSR, sandboxed frames). */
const storage = (): Storage | undefined => {
  try {
    return sessionStorage;
  } catch {
    return undefined;
  }
};

/**
 * Sends an unauthenticated user to the login (or consent, on `'consent_required'`) page, with
 * `returnTo` the current location, once: a login that fails (the edge's `errorRedirect` with
 * `?error=` on this page, or one that comes back with no session) makes `status` `'error'` instead
 * of leaving again. SSR-safe: `'loading'` on the server. {@link RequireAuth} is its component form.
 *
 * @example
 * ```tsx
 * function Reports() {
 *   const { status, error, retry } = useRequireAuth();
 *   if (status === 'error') return <p>{error?.message} <button onClick={retry}>Try again</button></p>;
 *   if (status === 'loading') return <p>Loading…</p>;
 *   return <ReportList />;
 * }
 * ```
 */
export function useRequireAuth({ returnTo }: RequireAuthOptions = {}): RequireAuthState {
  const { client, queryClient } = useGrantkit();
  const auth = useGrantkitAuth();
  const [failure, setFailure] = useState<Error | null>(null);
  const { status } = auth;
  const key = KEY + client.basePath;

  const login = useCallback(() => {
    page ??= Math.random().toString(36).slice(2);
    storage()?.setItem(key, page);
    const here = new URL(location.href);
    here.searchParams.delete('error');
    void client.login({ returnTo: returnTo ?? here.pathname + here.search });
  }, [client, key, returnTo]);

  useEffect(() => {
    if (status === 'authenticated') {
      storage()?.removeItem(key);
      setFailure(null);
    }
    if (status !== 'unauthenticated' && status !== 'consent_required') return;
    const reason = new URLSearchParams(location.search).get('error')?.slice(0, 64);
    const left = storage()?.getItem(key);
    if (reason) setFailure(new GrantkitHttpError(`Login failed: ${reason}`, 401, reason));
    else if (left && left !== page)
      setFailure(
        new GrantkitHttpError('The login came back without a session', 401, 'login_incomplete'),
      );
    else if (!left) login();
  }, [status, key, login]);

  const error = status === 'authenticated' ? null : (failure ?? auth.error);
  return {
    status: status === 'authenticated' ? status : error ? 'error' : 'loading',
    error,
    retry: () => {
      setFailure(null);
      if (status === 'error')
        void queryClient.refetchQueries({ queryKey: grantkitKeys.session(client.basePath) });
      else login();
    },
  };
}
