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
  /**
   * Why `status` is `'error'`: the session check's error, or a {@link GrantkitHttpError} with the
   * fixed message `'Login failed.'` and `code` `'no_session'` or the `?error=` the edge put on this
   * page after this guard's login (text from the address bar: compare it with codes you know,
   * never render it).
   */
  error: Error | null;
  /** After an error: logs in again (the user's choice, never automatic). */
  retry(): void;
}

// sessionStorage key of this tab's pending guard login, scoped by basePath. Its value is the time
// the login started (ms), which also names the document that left for it (`page`): a document that
// finds another's value knows a login came back without a session (cookie refused, back button) and
// does not leave again. A value older than 10 minutes is ignored (the login was abandoned): the
// guard may leave again, and an `?error=` is not the answer to it.
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
 * `?error=` on this page, or one that comes back with no session, within 10 minutes of leaving)
 * makes `status` `'error'` instead of leaving again. An `?error=` on a page this guard did not leave
 * for a login is not its answer: it is ignored. SSR-safe: `'loading'` on the server. {@link RequireAuth} is its component form.
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
  const [failure, setFailure] = useState<Error | void>();
  const { status } = auth;
  const key = KEY + client.basePath;
  const ok = status === 'authenticated';

  const retry = () => {
    setFailure();
    storage()?.setItem(key, (page = '' + Date.now()));
    // Back from the login page, the browser may restore this page as it left it (back-forward
    // cache, `persisted`), on the fallback for ever: load it again, and the new document finds a
    // login that came back without a session (or a session, if one was made meanwhile).
    addEventListener('pageshow', (event) => event.persisted && location.reload());
    void client.login({ returnTo });
  };

  useEffect(() => {
    const left = storage()?.getItem(key);
    // This tab left for this provider's login less than 10 minutes ago (else it was abandoned).
    const pending = Date.now() - +left! < 6e5;
    // A login failed when the edge's errorRedirect says so after such a login (an `?error=` without
    // one was not put there for this guard: another provider's, or a link's), or when another
    // document left for it and it came back here without a session. The message is fixed: never
    // text from the address bar.
    const reason =
      pending &&
      (new URL(location.href).searchParams.get('error') ?? (left != page && 'no_session'));
    if (ok) storage()?.removeItem(key);
    // The edge answered, and not authenticated (unauthenticated or consent_required).
    else if (auth.session) {
      if (reason) setFailure(new GrantkitHttpError('Login failed.', 401, reason));
      else if (!pending) retry();
    }
    // `retry` reads this render's returnTo: a new status or base path is what must act again.
  }, [status, key]);

  const error = ok ? null : (failure ?? auth.error);
  return { status: ok ? status : error ? 'error' : 'loading', error, retry };
}
