/** `basePath` without its trailing slashes: the one spelling of a base path in routes and query keys. */
export const trimBasePath = (basePath = '/auth'): string => basePath.replace(/\/+$/, '');

/**
 * The edge routes the React package talks to, under a base path.
 *
 * @example
 * ```ts
 * edgeRoutes('/auth').session; // '/auth/session'
 * ```
 */
export function edgeRoutes(basePath = '/auth'): { login: string; callback: string; exchange: string; session: string; refresh: string; logout: string } {
  const base = trimBasePath(basePath);
  return { login: `${base}/login`, callback: `${base}/callback`, exchange: `${base}/exchange`, session: `${base}/session`, refresh: `${base}/refresh`, logout: `${base}/logout` };
}
