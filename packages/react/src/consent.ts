'use client';
import { useEffect } from 'react';
import type { GrantkitHttpError } from './session-client';
import type { SessionClient } from './types';

/**
 * Extra option of the GraphQL hooks ({@link useFirstDollarQuery}, {@link useFirstDollarMutation}).
 *
 * @example
 * ```tsx
 * const { data } = useFirstDollarQuery<{ me: { name: string } }>('query { me { name } }', undefined, { redirectOnConsentRequired: true });
 * ```
 */
export interface ConsentOptions {
  /** On a 401 `consent_required`, go straight to the consent page (and back here). @default false */
  redirectOnConsentRequired?: boolean;
}

/** Sends the user to consent again when `error` says consent was revoked and `redirect` is set. */
export const useConsentRedirect = (
  client: SessionClient,
  error: Error | null,
  redirect?: boolean,
): void =>
  useEffect(() => {
    if (redirect && (error as GrantkitHttpError | null)?.code === 'consent_required')
      void client.login();
  }, [client, error, redirect]);
