'use client';
import { useEffect, useState } from 'react';
import { useGrantkit } from './provider';
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
  /** Where the login comes back to. @default the current path and query */
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
  /** Why `status` is `'error'`: a {@link GrantkitHttpError} (`code` the edge's `?error=`, or `'no_session'`) or the session check's error. */
  error: Error | null;
  /** After an error: logs in again (the user's choice, never automatic). */
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
  } catch {}
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
  const { client } = useGrantkit();
  const auth = useGrantkitAuth();
  const [failure, setFailure] = useState<Error>();
  const { status } = auth;
  const key = KEY + client.basePath;
  const ok = status === 'authenticated';

  const retry = () => {
    setFailure(undefined);
    storage()?.setItem(key, (page ??= String(Math.random())));
    void client.login({ returnTo });
  };

  useEffect(() => {
    const store = storage();
    const left = store?.getItem(key);
    // A login failed when the edge's errorRedirect says so, or when another document left for it
    // and it came back here without a session.
    const reason =
      new URL(location.href).searchParams.get('error') ??
      (left && left !== page ? 'no_session' : null);
    if (ok) store?.removeItem(key);
    // The edge answered, and not authenticated (unauthenticated or consent_required).
    else if (auth.session) {
      if (reason) setFailure(new GrantkitHttpError(`Login failed: ${reason}`, 401, reason));
      else if (!left) retry();
    }
    // `retry` reads this render's returnTo: a new status or base path is what must act again.
  }, [status, key]);

  const error = ok ? null : (failure ?? auth.error);
  return { status: ok ? status : error ? 'error' : 'loading', error, retry };
}
