/**
 * `@grantkit/react`: React hooks for First Dollar OAuth through `@grantkit/edge`.
 *
 * @module
 */

/**
 * The edge routes the React package talks to, under a base path.
 *
 * @example
 * ```ts
 * edgeRoutes('/auth').session; // '/auth/session'
 * ```
 */
export function edgeRoutes(basePath = '/auth'): { login: string; callback: string; exchange: string; session: string; refresh: string; logout: string } {
  const base = basePath.replace(/\/+$/, '');
  return { login: `${base}/login`, callback: `${base}/callback`, exchange: `${base}/exchange`, session: `${base}/session`, refresh: `${base}/refresh`, logout: `${base}/logout` };
}
