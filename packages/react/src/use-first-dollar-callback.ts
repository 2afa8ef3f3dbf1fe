'use client';
import {
  useGrantkitCallback,
  type GrantkitCallback,
  type GrantkitCallbackOptions,
} from './use-grantkit-callback';

/**
 * Options of {@link useFirstDollarCallback}: {@link GrantkitCallbackOptions}.
 *
 * @example
 * ```ts
 * useFirstDollarCallback({ navigate: (to) => router.replace(to) });
 * ```
 */
export type FirstDollarCallbackOptions = GrantkitCallbackOptions;

/**
 * What {@link useFirstDollarCallback} returns: {@link GrantkitCallback}.
 *
 * @example
 * ```tsx
 * const { status, error } = useFirstDollarCallback();
 * if (status === 'error') return <p>{error?.message}</p>;
 * ```
 */
export type FirstDollarCallback = GrantkitCallback;

/**
 * First Dollar's redirect URI page in an SPA: posts `?code=` to `POST {basePath}/exchange` once,
 * then navigates to the login's `returnTo`. The same hook as {@link useGrantkitCallback}.
 *
 * @example
 * ```tsx
 * function Callback() {
 *   const { status, error } = useFirstDollarCallback({ navigate: (to) => router.replace(to) });
 *   return status === 'error' ? <p>{error?.message}</p> : <p>Signing you in…</p>;
 * }
 * ```
 */
export const useFirstDollarCallback: (options?: FirstDollarCallbackOptions) => FirstDollarCallback =
  useGrantkitCallback;
