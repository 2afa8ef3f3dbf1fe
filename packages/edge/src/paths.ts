/**
 * The edge's route paths and CSRF header: the one home of names the edge serves and
 * `@grantkit/react` calls. React imports this file by path (bundled into its dist), never `@grantkit/edge`.
 */

/**
 * The header every state-changing request and the proxy must carry (a cross-site form cannot set it).
 * `@grantkit/react` sends it for you.
 *
 * @example
 * ```ts
 * await fetch('/auth/logout', { method: 'POST', headers: { [CSRF_HEADER]: '1' } });
 * ```
 */
export const CSRF_HEADER = 'x-grantkit-csrf';

/** `basePath` without its trailing slashes: the one spelling of a base path in routes and query keys. */
export const trimBasePath = (basePath = '/auth'): string => basePath.replace(/\/+$/, '');

/** The edge routes, by name, under a base path. */
export interface EdgeRoutes {
  login: string;
  callback: string;
  exchange: string;
  session: string;
  refresh: string;
  logout: string;
}

/**
 * The edge routes under a base path.
 *
 * @example
 * ```ts
 * edgeRoutes('/auth').session; // '/auth/session'
 * ```
 */
export function edgeRoutes(basePath = '/auth'): EdgeRoutes {
  const base = trimBasePath(basePath);
  return {
    login: `${base}/login`,
    callback: `${base}/callback`,
    exchange: `${base}/exchange`,
    session: `${base}/session`,
    refresh: `${base}/refresh`,
    logout: `${base}/logout`,
  };
}
