import { createContext, jsonError, type AuthHandlerOptions } from './context';
import { proxy } from './proxy';
import { callback, exchange, login, logout, refresh, session } from './routes';

/**
 * A Web-standard handler with the Workers `fetch` shape. Resolves `null` for paths it does not own
 * (unless `next` is given), so it composes with any router.
 *
 * @example
 * ```ts
 * export default { fetch: async (req, env, ctx) => (await auth(req, env, ctx)) ?? new Response('Not found', { status: 404 }) };
 * ```
 */
export type AuthHandler = (request: Request, env?: unknown, ctx?: unknown) => Promise<Response | null>;

const MAX_HEADER = 8192;
const MAX_COOKIE = 32_768;

type Route = (ctx: ReturnType<typeof createContext>, request: Request) => Promise<Response>;
// Maps, not object literals: path names and HTTP methods come from the request, and a lookup in an
// object finds `constructor`, `__proto__` or `valueOf` on its prototype (`Deno.serve` passes any method).
const ROUTES: ReadonlyMap<string, ReadonlyMap<string, Route>> = new Map([
  ['login', new Map([['GET', login]])],
  ['callback', new Map([['GET', callback]])],
  ['exchange', new Map([['POST', exchange]])],
  ['session', new Map([['GET', session]])],
  ['refresh', new Map([['POST', refresh]])],
  ['logout', new Map([['POST', logout]])],
]);

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
  const proxies = new Map(Object.entries(options.proxy ?? {}).map(([path, url]) => [path, new URL(url).toString()]));
  const prefix = `${ctx.basePath}/`;

  return async (request, env, executionCtx) => {
    const url = new URL(request.url);
    const { pathname } = url;
    const upstream = proxies.get(pathname);
    const name = pathname.startsWith(prefix) ? pathname.slice(prefix.length) : undefined;
    const routes = name === undefined ? undefined : ROUTES.get(name);
    if (!upstream && !routes) return options.next ? options.next(request, env, executionCtx) : null;

    for (const [header, value] of request.headers) {
      if (value.length > (header === 'cookie' ? MAX_COOKIE : MAX_HEADER)) return jsonError(431, 'header_too_large', `Header ${header} is too large`);
    }
    try {
      if (upstream) return await proxy(ctx, request, url.search ? `${upstream.split('?')[0]}${url.search}` : upstream);
      const route = routes?.get(request.method);
      if (!route) {
        const allow = [...(routes?.keys() ?? [])].join(', ');
        return jsonError(405, 'method_not_allowed', `Use ${allow}`, { allow });
      }
      return await route(ctx, request);
    } catch (error) {
      ctx.report(error);
      return jsonError(500, 'internal_error', 'Unexpected error');
    }
  };
}
