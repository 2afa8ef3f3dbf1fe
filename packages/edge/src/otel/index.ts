/**
 * `@grantkit/edge/otel`: the handler's routes, proxied requests and token calls as OpenTelemetry
 * spans and metrics, through `@opentelemetry/api` 1.x (an optional peer, never bundled). Each route
 * is a SERVER span; the proxy's upstream exchange a CLIENT span inside it, and the token calls (a
 * renewal after a 401 too) nest under those, in a runtime with a context manager. No token, code,
 * cookie value, query string or session id is in any of them. The names are listed in the core
 * README ("Telemetry").
 *
 * @example
 * ```ts
 * import { createAuthHandler } from '@grantkit/edge';
 * import { otelEdgeTelemetry } from '@grantkit/edge/otel';
 * const auth = createAuthHandler({ adapter, secret, proxy, telemetry: otelEdgeTelemetry() });
 * ```
 *
 * @module
 */
import { eventTelemetry, type EventHandler, type ScopeEnds, type Telemetry } from '@grantkit/core';
import { otelEvents, serverAttributes, type OtelTelemetryOptions } from '@grantkit/core/otel';
import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Span,
} from '@opentelemetry/api';
import type { EdgeEvent, EdgeScope } from '../telemetry';

/** The methods the HTTP semantic conventions name; any other is `_OTHER`. */
const METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
]);
const methodOf = (method: string) => (METHODS.has(method) ? method : '_OTHER');

/**
 * A `Telemetry` for the `telemetry` option of `createAuthHandler`: a SERVER span per route
 * (`GET /auth/callback`), a CLIENT span `grantkit.proxy` per upstream exchange, the token spans of
 * `@grantkit/core/otel` under them, and the metrics of both (plus `grantkit.proxy.duration`).
 *
 * @example
 * ```ts
 * import { trace, metrics } from '@opentelemetry/api';
 * const telemetry = otelEdgeTelemetry({ tracer: trace.getTracer('bff'), meter: metrics.getMeter('bff') });
 * const auth = createAuthHandler({ adapter, secret, telemetry });
 * ```
 */
export function otelEdgeTelemetry(options: OtelTelemetryOptions = {}): Telemetry<EdgeScope> {
  return eventTelemetry<EdgeScope>(otelEdgeEvents(options));
}

/**
 * The {@link EventHandler} behind {@link otelEdgeTelemetry}: edge and token events in, spans and
 * metrics out. To log the events too, call both from one handler given to `eventTelemetry`.
 *
 * @example
 * ```ts
 * const otel = otelEdgeEvents();
 * const telemetry = eventTelemetry<EdgeScope>(Object.assign((e: EdgeEvent) => { otel(e); console.log(JSON.stringify(e)); }, { within: otel.within }));
 * ```
 */
export function otelEdgeEvents(
  options: OtelTelemetryOptions = {},
): EventHandler<EdgeEvent> & { within<T>(event: EdgeEvent, run: () => T): T } {
  const tracer = options.tracer ?? trace.getTracer('@grantkit/edge');
  const meter = options.meter ?? metrics.getMeter('@grantkit/edge');
  const tokens = otelEvents({ tracer, meter });
  const proxyDuration = meter.createHistogram('grantkit.proxy.duration', {
    unit: 's',
    description: 'Duration of proxied upstream requests (a renewal and retry after a 401 included)',
  });
  const spans = new WeakMap<object, Span>();

  const end = (event: ScopeEnds<EdgeScope>, attributes: Attributes, failed: boolean) => {
    const span = spans.get(event.start);
    if (!span) return;
    spans.delete(event.start);
    span.setAttributes(attributes);
    if (failed)
      span.setStatus({ code: SpanStatusCode.ERROR, message: String(attributes['error.type']) });
    span.end();
  };

  const handler = (event: EdgeEvent): void => {
    switch (event.type) {
      case 'route.start':
        spans.set(
          event,
          tracer.startSpan(
            `${methodOf(event.method)} ${event.path}`,
            {
              kind: SpanKind.SERVER,
              attributes: {
                'http.request.method': methodOf(event.method),
                'http.route': event.path,
                'url.path': event.path,
              },
            },
            context.active(),
          ),
        );
        break;
      case 'proxy.start':
        spans.set(
          event,
          tracer.startSpan(
            'grantkit.proxy',
            {
              kind: SpanKind.CLIENT,
              attributes: {
                'http.request.method': methodOf(event.method),
                'url.path': event.path,
                ...serverAttributes(event.host),
              },
            },
            context.active(),
          ),
        );
        break;
      case 'route.end':
      case 'proxy.end': {
        const attributes: Attributes = {};
        if (event.status !== undefined) attributes['http.response.status_code'] = event.status;
        // A server fails on 5xx (its 4xx are the client's), a client on any 4xx/5xx (HTTP conventions).
        const limit = event.type === 'route.end' ? 500 : 400;
        const error =
          event.error ??
          (event.status !== undefined && event.status >= limit ? String(event.status) : undefined);
        if (error) attributes['error.type'] = error;
        if (event.type === 'proxy.end') {
          const { start } = event;
          proxyDuration.record(event.duration / 1000, {
            'http.request.method': methodOf(start.method),
            ...serverAttributes(start.host),
            ...attributes,
          });
        }
        end(event, attributes, error !== undefined);
        break;
      }
      default:
        tokens(event);
    }
  };
  handler.within = <T>(event: EdgeEvent, run: () => T): T => {
    const span = spans.get(event);
    return span
      ? context.with(trace.setSpan(context.active(), span), run)
      : tokens.within(event, run);
  };
  return handler;
}
