// OpenTelemetry in tests: the SDK's in-memory span exporter and a metric reader collected on demand,
// a tracer and meter to hand to otelTelemetry(), and an AsyncLocalStorage context manager (what the
// Node SDK registers) so spans nest under the active one.
import { AsyncLocalStorage } from 'node:async_hooks';
import { context, ROOT_CONTEXT, type Context, type ContextManager } from '@opentelemetry/api';
import {
  AggregationTemporality,
  MeterProvider,
  MetricReader,
  type DataPoint,
  type Histogram,
  type MetricData,
} from '@opentelemetry/sdk-metrics';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';

class AlsContextManager implements ContextManager {
  private readonly als = new AsyncLocalStorage<Context>();
  active(): Context {
    return this.als.getStore() ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(
    ctx: Context,
    fn: F,
    thisArg?: ThisParameterType<F>,
    ...args: A
  ): ReturnType<F> {
    return this.als.run(ctx, () => fn.call(thisArg, ...args));
  }
  bind<T>(ctx: Context, target: T): T {
    return typeof target === 'function'
      ? (((...args: unknown[]) =>
          this.with(ctx, () => (target as (...a: unknown[]) => unknown)(...args))) as T)
      : target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.als.disable();
    return this;
  }
}

let registered = false;
/** Registers the AsyncLocalStorage context manager once per test worker. */
export function useContextManager(): void {
  if (!registered) registered = context.setGlobalContextManager(new AlsContextManager());
}

class Reader extends MetricReader {
  constructor() {
    super({ aggregationTemporalitySelector: () => AggregationTemporality.CUMULATIVE });
  }
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** A tracer and a meter whose output the test reads: `spans()`, `metrics()`. */
export function otelHarness() {
  useContextManager();
  const exporter = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
  const reader = new Reader();
  const meters = new MeterProvider({ readers: [reader] });
  return {
    tracer: provider.getTracer('test'),
    meter: meters.getMeter('test'),
    spans: (): ReadableSpan[] => exporter.getFinishedSpans(),
    span(name: string): ReadableSpan {
      const found = exporter.getFinishedSpans().filter((s) => s.name === name);
      if (found.length !== 1)
        throw new Error(
          `expected one span ${name}, got ${found.length}: ${exporter
            .getFinishedSpans()
            .map((s) => s.name)
            .join(', ')}`,
        );
      return found[0]!;
    },
    async metrics(): Promise<MetricData[]> {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics.scopeMetrics.flatMap((s) => s.metrics);
    },
    /** The data points of one metric (value: a number for counters, a histogram for histograms). */
    async points(name: string): Promise<DataPoint<number | Histogram>[]> {
      const metric = (await this.metrics()).find((m) => m.descriptor.name === name);
      return (metric?.dataPoints ?? []) as DataPoint<number | Histogram>[];
    },
    /** Everything exported, as text, for the canary scan: spans (names, attributes, events, status, links) and metrics. */
    async dump(): Promise<string> {
      const spans = exporter.getFinishedSpans().map((s) => ({
        name: s.name,
        kind: s.kind,
        attributes: s.attributes,
        events: s.events,
        status: s.status,
        links: s.links,
        resource: s.resource.attributes,
      }));
      return JSON.stringify({ spans, metrics: await this.metrics() });
    },
  };
}

export type OtelHarness = ReturnType<typeof otelHarness>;
