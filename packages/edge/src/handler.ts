import { isGrantkitError } from '@grantkit/core';
import { createContext, type Context } from './context';
import { csrfRefusal } from './csrf';
import type { AuthHandlerOptions } from './options';
import { CSRF_HEADER, edgeRoutes } from './paths';
import { proxy } from './proxy';
import { jsonError } from './responses';
import { callback, exchange, login, logout, refresh, session, type Route } from './routes';
import { scoped } from './telemetry';

/**
 * A Web-standard handler with the Workers `fetch` shape. Resolves `null` for paths it does not own
 * (unless `next` is given), so it composes with any router.
 *
 * @example
 * ```ts
 * export default { fetch: async (req, env, ctx) => (await auth(req, env, ctx)) ?? new Response('Not found', { status: 404 }) };
 * ```
 */
export type AuthHandler = (
  request: Request,
  env?: unknown,
  ctx?: unknown,
) => Promise<Response | null>;

const MAX_HEADER = 8192;
const MAX_COOKIE = 32_768;

/** Route name → its one method and its guards: the one place a route's CSRF and session checks are declared. */
const ROUTES = {
  login: { method: 'GET', handle: login },
  callback: { method: 'GET', handle: callback },
  exchange: { method: 'POST', csrf: true, handle: exchange },
  session: { method: 'GET', session: 'optional', handle: session },
  refresh: { method: 'POST', csrf: true, session: 'required', handle: refresh },
  // logout reads its session itself: a store outage must not keep the browser's cookie.
  logout: { method: 'POST', csrf: true, handle: logout },
} satisfies Record<keyof ReturnType<typeof edgeRoutes>, Route>;

/** Every method of a proxied path: same-origin only, and only with a session. */
const PROXY: Route = { csrf: true, session: 'required', handle: proxy };

/** Runs a route behind its guards. */
async function serve(route: Route, ctx: Context, request: Request, url: URL): Promise<Response> {
  const refusal = route.csrf ? csrfRefusal(request, ctx.config.allowedOrigins) : undefined;
  if (refusal)
    return jsonError(
      403,
      'csrf',
      refusal === 'cross_site'
        ? 'Cross-site request refused'
        : `The ${CSRF_HEADER} header is missing (@grantkit/react sends it)`,
    );
  const cookies = ctx.cookies(request);
  const session = route.session ? await ctx.sessions.read(cookies) : undefined;
  if (route.session === 'required' && !session)
    return jsonError(401, 'unauthenticated', 'Not logged in');
  return route.handle(ctx, request, { cookies, session, url });
}

/**
 * Creates the backend-for-frontend: `GET {basePath}/login`, `GET callback`, `POST exchange`,
 * `GET session`, `POST refresh`, `POST logout`, and the API proxy routes. The client secret and the
 * refresh token stay on the server, inside an encrypted `HttpOnly` cookie.
 *
 * @example
 * ```ts
 * import { createAuthHandler } from '@grantkit/edge';
 * import { firstDollarApp, firstDollarGraphQLEndpoint } from '@grantkit/core';
 *
 * const auth = createAuthHandler({
 *   adapter: firstDollarApp({ appId: env.FD_APP_ID, clientId: env.FD_CLIENT_ID, clientSecret: env.FD_CLIENT_SECRET }),
 *   secret: env.SESSION_SECRET,
 *   proxy: { '/api/graphql': firstDollarGraphQLEndpoint({ appId: env.FD_APP_ID }) },
 * });
 * Deno.serve(async (req) => (await auth(req)) ?? new Response('Not found', { status: 404 }));
 * ```
 */
export function createAuthHandler(options: AuthHandlerOptions): AuthHandler {
  const ctx = createContext(options);
  const paths = edgeRoutes(ctx.config.basePath);
  // Request path → the route served there (a Map: paths come from the request).
  const routes = new Map<string, Route>(
    Object.entries(ROUTES).map(([name, route]) => [paths[name as keyof typeof ROUTES], route]),
  );
  const { next } = ctx.config;

  return async (request, env, executionCtx) => {
    const url = new URL(request.url);
    const { pathname } = url;
    const route = ctx.config.proxy.has(pathname) ? PROXY : routes.get(pathname);
    if (!route) return next ? next(request, env, executionCtx) : null;

    for (const [header, value] of request.headers) {
      if (value.length > (header === 'cookie' ? MAX_COOKIE : MAX_HEADER))
        return jsonError(431, 'header_too_large', `Header ${header} is too large`);
    }
    try {
      const allow = route.method;
      if (allow && request.method !== allow)
        return jsonError(405, 'method_not_allowed', `Use ${allow}`, { allow });
      return await scoped(
        ctx.config.telemetry,
        () => ({ type: 'route.start', method: request.method, path: pathname }),
        () => serve(route, ctx, request, url),
      );
    } catch (error) {
      ctx.report(error);
      // The session store failed (reading a session): nothing was lost, the same request works again.
      if (isGrantkitError(error, 'store_unavailable'))
        return jsonError(503, 'store_unavailable', 'The session store is unavailable: try again', {
          'retry-after': '1',
        });
      return jsonError(500, 'internal_error', 'Unexpected error');
    }
  };
}
