'use client';
import { useEffect, useRef, useState } from 'react';
import { useGrantkit } from './provider';
import { GrantkitHttpError } from './session-client';

/**
 * Options of {@link useGrantkitCallback}.
 *
 * @example
 * ```ts
 * useGrantkitCallback({ navigate: (to) => router.replace(to) });
 * ```
 */
export interface GrantkitCallbackOptions {
  /** Goes to the `returnTo` of the login. @default history.replaceState, then a popstate event */
  navigate?: (to: string) => void;
}

/**
 * What {@link useGrantkitCallback} returns.
 *
 * @example
 * ```tsx
 * const { status, error } = useGrantkitCallback();
 * if (status === 'error') return <p>{error?.message}</p>;
 * ```
 */
export interface GrantkitCallback {
  /** `'loading'` until the exchange answers, then `'success'` (navigating to `returnTo`) or `'error'`. */
  status: 'loading' | 'success' | 'error';
  /** Why `status` is `'error'`: a {@link GrantkitHttpError} (`code` `'access_denied'`, `'login_intent_missing'`, …) or a network error. */
  error: Error | null;
}

const replace = (to: string) => {
  history.replaceState(null, '', to);
  dispatchEvent(new PopStateEvent('popstate'));
};

/**
 * The page the vendor redirects back to, when the SPA (not the edge's `GET callback`) takes the
 * code, whatever the vendor (Orange Logic's `state` echo is passed on): posts `?code=` to `POST {basePath}/exchange` exactly once (StrictMode and remounts
 * included), removes it from the URL, then navigates to the login's `returnTo`.
 *
 * @example
 * ```tsx
 * function Callback() {
 *   const { status, error } = useGrantkitCallback({ navigate: (to) => router.replace(to) });
 *   return status === 'error' ? <p>{error?.message}</p> : <p>Signing you in…</p>;
 * }
 * ```
 */
export function useGrantkitCallback(options: GrantkitCallbackOptions = {}): GrantkitCallback {
  const { client } = useGrantkit();
  const [state, setState] = useState<GrantkitCallback>({ status: 'loading', error: null });
  const navigate = useRef(options.navigate);
  navigate.current = options.navigate;

  useEffect(() => {
    const url = new URL(location.href);
    const { searchParams: params } = url;
    const code = params.get('code');
    let live = true;
    const fail = (error: Error) => live && setState({ status: 'error', error });
    if (!code) {
      const reason = params.get('error');
      fail(
        new GrantkitHttpError(
          reason ? 'Login failed.' : 'No code in the URL',
          400,
          reason ?? 'invalid_request',
        ),
      );
    } else {
      client.exchange(code, params.get('state') ?? undefined).then(({ returnTo }) => {
        if (!live) return;
        params.delete('code');
        params.delete('state');
        history.replaceState(history.state, '', url);
        setState({ status: 'success', error: null });
        (navigate.current ?? replace)(returnTo);
      }, fail);
    }
    return () => {
      live = false;
    };
  }, [client]);
  return state;
}
