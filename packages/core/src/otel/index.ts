/**
 * `@grantkit/core/otel`: the token lifecycle's events as OpenTelemetry spans and metrics, through
 * `@opentelemetry/api` 1.x (an optional peer, never bundled: install it, and an SDK, only where you
 * export telemetry). Nothing secret is in any span, attribute, event or metric: the events it reads
 * never carry a token, a code, a secret, a query string or a session id. The names are listed in the
 * core README ("Telemetry").
 *
 * @example
 * ```ts
 * import { createTokenClient, firstDollarPartner } from '@grantkit/core';
 * import { otelTelemetry } from '@grantkit/core/otel';
 * const client = createTokenClient({ adapter: firstDollarPartner({ clientId, clientSecret }), telemetry: otelTelemetry() });
 * ```
 *
 * @module
 */
import {
  context,
  metrics,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Meter,
  type Span,
  type Tracer,
} from '@opentelemetry/api';
import { eventTelemetry, type EventHandler, type Telemetry, type TokenEvent } from '../telemetry';

/**
 * Options of {@link otelTelemetry}.
 *
 * @example
 * ```ts
 * const options: OtelTelemetryOptions = { tracer: provider.getTracer('my-app'), meter: meterProvider.getMeter('my-app') };
 * ```
 */
export interface OtelTelemetryOptions {
  /** Where spans go. @default trace.getTracer('@grantkit/core') (the global tracer provider) */
  tracer?: Tracer;
  /** Where metrics go. @default metrics.getMeter('@grantkit/core') (the global meter provider) */
  meter?: Meter;
}

/** Span names of the token calls, by kind and grant. */
const spanName = (event: Extract<TokenEvent, { type: 'token.start' }>): string =>
  event.kind === 'revocation'
    ? 'grantkit.revocation'
    : event.grant === 'authorization_code'
      ? 'grantkit.code_exchange'
      : 'grantkit.token';

/**
 * `server.address` and `server.port` (HTTP semantic conventions) of a `host[:port]`.
 *
 * @example
 * ```ts
 * serverAttributes('auth.example.com:8443'); // { 'server.address': 'auth.example.com', 'server.port': 8443 }
 * ```
 */
export function serverAttributes(host: string): Attributes {
  const match = /^(\[[^\]]*\]|[^:]*)(?::(\d+))?$/.exec(host);
  return match?.[2]
    ? { 'server.address': match[1], 'server.port': Number(match[2]) }
    : { 'server.address': host };
}

/**
 * A {@link Telemetry} for the `telemetry` option of `createTokenClient` (and of the edge's
 * `createAuthHandler`, whose `@grantkit/edge/otel` adds its route and proxy spans): each token,
 * code-exchange and revocation call becomes a client span (a child of the active span: the edge
 * route or proxied request, in a runtime with a context manager), and the events feed the metrics
 * (renewals and failures by adapter and error code, token call duration, callers per single-flight
 * renewal, fallbacks, revocations, lock waits).
 *
 * @example
 * ```ts
 * import { otelTelemetry } from '@grantkit/core/otel';
 * const telemetry = otelTelemetry({ tracer: trace.getTracer('billing'), meter: metrics.getMeter('billing') });
 * const client = createTokenClient({ adapter, telemetry });
 * ```
 */
export function otelTelemetry(options: OtelTelemetryOptions = {}): Telemetry {
  return eventTelemetry(otelEvents(options));
}

/**
 * The {@link EventHandler} behind {@link otelTelemetry}: token events in, spans and metrics out. To
 * log the events too, call both from one handler given to `eventTelemetry`.
 *
 * @example
 * ```ts
 * const otel = otelEvents();
 * const telemetry = eventTelemetry(Object.assign((e: TokenEvent) => { otel(e); if (e.type === 'renewal') console.log(e); }, { within: otel.within }));
 * ```
 */
export function otelEvents(
  options: OtelTelemetryOptions = {},
): EventHandler<TokenEvent> & { within<T>(event: unknown, run: () => T): T } {
  const tracer = options.tracer ?? trace.getTracer('@grantkit/core');
  const meter = options.meter ?? metrics.getMeter('@grantkit/core');
  const duration = meter.createHistogram('grantkit.token.duration', {
    unit: 's',
    description: 'Duration of token, code exchange and revocation calls (retries included)',
  });
  const renewals = meter.createCounter('grantkit.renewals', {
    unit: '{renewal}',
    description: 'Single-flight renewals, by adapter, outcome and error code',
  });
  const callers = meter.createHistogram('grantkit.renewal.callers', {
    unit: '{caller}',
    description: 'Calls that shared one single-flight renewal',
    advice: { explicitBucketBoundaries: [1, 2, 5, 10, 25, 50, 100] },
  });
  const fallbacks = meter.createCounter('grantkit.fallbacks', {
    unit: '{fallback}',
    description: "Refreshes that failed over to the adapter's own grant",
  });
  const revocations = meter.createCounter('grantkit.revocations', {
    unit: '{logout}',
    description: 'Logouts, by revocation status',
  });
  const lockWait = meter.createHistogram('grantkit.lock.wait.duration', {
    unit: 's',
    description: "Time a renewal waited for another process's refresh lock",
  });
  const spans = new WeakMap<object, Span>();

  const handler = (event: TokenEvent): void => {
    switch (event.type) {
      case 'token.start': {
        const attributes: Attributes = {
          'grantkit.adapter': event.adapter,
          'http.request.method': event.method,
          'url.path': event.path,
          ...serverAttributes(event.host),
        };
        if (event.grant) attributes['grantkit.grant_type'] = event.grant;
        if (event.hint) attributes['grantkit.token_type_hint'] = event.hint;
        spans.set(
          event,
          tracer.startSpan(
            spanName(event),
            { kind: SpanKind.CLIENT, attributes },
            context.active(),
          ),
        );
        break;
      }
      case 'token.end': {
        const { start } = event;
        const span = spans.get(start);
        const attributes: Attributes = {
          'grantkit.adapter': start.adapter,
          'grantkit.operation':
            start.kind === 'revocation' ? 'revocation' : (start.grant ?? 'token'),
        };
        if (event.status !== undefined) attributes['http.response.status_code'] = event.status;
        if (event.error) attributes['error.type'] = event.error;
        duration.record(event.duration / 1000, attributes);
        if (!span) break;
        spans.delete(start);
        if (event.status !== undefined)
          span.setAttribute('http.response.status_code', event.status);
        if (event.attempts > 1) span.setAttribute('http.request.resend_count', event.attempts - 1);
        if (event.error) {
          span.setAttribute('error.type', event.error);
          span.setStatus({ code: SpanStatusCode.ERROR, message: event.error });
        }
        span.end();
        break;
      }
      case 'renewal': {
        const attributes: Attributes = {
          'grantkit.adapter': event.adapter,
          'grantkit.outcome': event.error ? 'failure' : 'success',
        };
        if (event.error) attributes['error.type'] = event.error;
        renewals.add(1, attributes);
        callers.record(event.callers, { 'grantkit.adapter': event.adapter });
        trace.getActiveSpan()?.addEvent('grantkit.renewal', {
          ...attributes,
          'grantkit.renewal.callers': event.callers,
        });
        break;
      }
      case 'fallback': {
        const attributes = {
          'grantkit.adapter': event.adapter,
          'grantkit.grant_type': event.grant,
          'error.type': event.error,
        };
        fallbacks.add(1, attributes);
        trace.getActiveSpan()?.addEvent('grantkit.fallback', attributes);
        break;
      }
      case 'revocation': {
        const attributes: Attributes = {
          'grantkit.adapter': event.adapter,
          'grantkit.revocation.status': event.status,
        };
        if (event.error) attributes['error.type'] = event.error;
        revocations.add(1, attributes);
        break;
      }
      case 'lock.wait': {
        const attributes: Attributes = { 'grantkit.outcome': event.outcome };
        if (event.error) attributes['error.type'] = event.error;
        lockWait.record(event.duration / 1000, attributes);
        trace.getActiveSpan()?.addEvent('grantkit.lock.wait', {
          ...attributes,
          'grantkit.lock.wait.ms': event.duration,
        });
        break;
      }
    }
  };
  handler.within = <T>(event: unknown, run: () => T): T => {
    const span = spans.get(event as object);
    return span ? context.with(trace.setSpan(context.active(), span), run) : run();
  };
  return handler;
}
