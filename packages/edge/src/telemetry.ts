import type { ScopeEnds, Telemetry, TokenEvent } from '@grantkit/core';

/**
 * An edge route begins: a request to one of the handler's paths (an auth route or a proxied path).
 * `path` is the configured path (never a query string); `method` the request's.
 *
 * @example
 * ```ts
 * eventTelemetry<EdgeScope>((e) => { if (e.type === 'route.start') console.log(e.method, e.path); });
 * ```
 */
export interface RouteStart {
  type: 'route.start';
  method: string;
  /** The route's path (`/auth/callback`, `/api/graphql`), without the query. */
  path: string;
}

/**
 * The proxy sends a request to its upstream (with the session's token; a 401 renews and retries
 * inside it). `host` and `path` are the upstream's, never its query.
 *
 * @example
 * ```ts
 * eventTelemetry<EdgeScope>((e) => { if (e.type === 'proxy.end') console.log(e.start.host, e.status, e.duration); });
 * ```
 */
export interface ProxyStart {
  type: 'proxy.start';
  method: string;
  host: string;
  path: string;
}

/**
 * The units of work the edge handler reports through `telemetry.scope`.
 *
 * @example
 * ```ts
 * const telemetry: Telemetry<EdgeScope> = eventTelemetry<EdgeScope>((e) => console.log(JSON.stringify(e)));
 * ```
 */
export type EdgeScope = RouteStart | ProxyStart;

/**
 * Every event a handler's `telemetry` may report: its token clients' {@link TokenEvent}s, and the
 * start and end of each route and proxied request.
 *
 * @example
 * ```ts
 * const log = (e: EdgeEvent) => console.log(JSON.stringify(e)); // safe: no secret is ever in an event
 * createAuthHandler({ adapter, secret, telemetry: eventTelemetry<EdgeScope>(log) });
 * ```
 */
export type EdgeEvent = TokenEvent | EdgeScope | ScopeEnds<EdgeScope>;

/** Runs `run` as a scope of `telemetry` (if it has scopes), recording the response's status. */
export function scoped(
  telemetry: Telemetry<EdgeScope> | undefined,
  start: () => EdgeScope,
  run: () => Promise<Response>,
): Promise<Response> {
  return telemetry?.scope
    ? telemetry.scope(start(), async (trace) => {
        const response = await run();
        trace.status = response.status;
        return response;
      })
    : run();
}
