/**
 * `@grantkit/edge`: a backend-for-frontend for Workers, Deno and Node. Consent redirect, callback code
 * exchange, encrypted HttpOnly session cookie, refresh, logout, and an API proxy; the client secret
 * and the refresh token never reach the browser.
 *
 * @example
 * ```ts
 * import { createAuthHandler } from '@grantkit/edge';
 * const auth = createAuthHandler({ adapter, secret: env.SESSION_SECRET });
 * export default { fetch: async (req: Request) => (await auth(req)) ?? new Response('Not found', { status: 404 }) };
 * ```
 *
 * @module
 */
export { createAuthHandler, type AuthHandler } from './handler';
export type { AuthHandlerOptions } from './options';
export type { CookieOptions } from './session';
export type { SessionSummary } from './routes';
export { safeReturnTo } from './csrf';
export { CSRF_HEADER, edgeRoutes, type EdgeRoutes } from './paths';
export { createPartnerClient } from './partner';
export { memorySessionStore, type RefreshCoordinator, type SessionStore } from './store';
export type { EdgeEvent, EdgeScope, ProxyStart, RouteStart } from './telemetry';
