/**
 * `@grantkit/react`: React hooks for First Dollar OAuth through `@grantkit/edge`. The browser holds
 * no token: it speaks HTTP to the edge, whose HttpOnly cookie carries the session.
 *
 * @example
 * ```tsx
 * import { GrantkitProvider, useFirstDollarAuth, useFirstDollarQuery } from '@grantkit/react';
 *
 * function Ping() {
 *   const { status, login } = useFirstDollarAuth();
 *   const { data } = useFirstDollarQuery<{ ping: string }>('query { ping }', undefined, { enabled: status === 'authenticated' });
 *   return status === 'authenticated' ? <p>{data?.ping}</p> : <button onClick={() => login()}>Log in</button>;
 * }
 * createRoot(root).render(<GrantkitProvider><Ping /></GrantkitProvider>);
 * ```
 *
 * @module
 */
export { createSessionClient, GrantkitHttpError } from './session-client';
export type { ExchangeResult, GrantkitSession, SessionClient, SessionClientOptions } from './types';
export { GrantkitProvider, useGrantkit, type GrantkitProviderProps } from './provider';
export { useFirstDollarAuth, type AuthStatus, type FirstDollarAuth } from './use-first-dollar-auth';
export {
  useFirstDollarCallback,
  type FirstDollarCallback,
  type FirstDollarCallbackOptions,
} from './use-first-dollar-callback';
export { useFirstDollarQuery } from './use-first-dollar-query';
export { useFirstDollarMutation } from './use-first-dollar-mutation';
export type { ConsentOptions } from './consent';
export { grantkitKeys } from './query-keys';
export { grantkitQueries } from './query-options';
export { edgeRoutes } from './routes';
