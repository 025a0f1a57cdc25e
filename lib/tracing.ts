import type { Tracer } from '@opentelemetry/api';
import type { Resource } from '@opentelemetry/resources';
import type { SpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Config } from './config.js';

export type TracingConfig = Pick<Config, 'OTEL_TRACES_EXPORTER' | 'OTEL_EXPORTER_OTLP_TRACES_ENDPOINT'>;

/** The process's tracer and where its spans go; workers hand the same processor to the workflow span sink. */
export interface Tracing {
  readonly tracer: Tracer;
  readonly resource: Resource;
  readonly spanProcessor: SpanProcessor;
  /** Exports the spans still buffered, then stops. */
  shutdown(): Promise<void>;
}

/** The name spans are recorded under (the instrumentation scope), the same in every process. */
export const TRACER_NAME = 'golden-architecture';

/**
 * Installs this process's tracer provider, W3C trace-context propagation and an
 * AsyncLocalStorage context (so log lines see the active span). Returns
 * undefined when OTEL_TRACES_EXPORTER is `none`: then nothing is loaded or
 * installed, and callers add no hook, interceptor or sink. A given
 * `spanProcessor` replaces the configured exporter (tests keep spans in memory).
 */
export async function startTracing(config: TracingConfig, service: string, spanProcessor?: SpanProcessor): Promise<Tracing | undefined> {
  if (config.OTEL_TRACES_EXPORTER === 'none' && !spanProcessor) return undefined;
  const [{ AsyncLocalStorageContextManager }, resources, sdk, { ATTR_SERVICE_NAME }] = await Promise.all([
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/resources'),
    import('@opentelemetry/sdk-trace-base'),
    import('@opentelemetry/semantic-conventions'),
  ]);
  const resource = resources.Resource.default().merge(new resources.Resource({ [ATTR_SERVICE_NAME]: service }));
  const processor = spanProcessor ?? new sdk.BatchSpanProcessor(await configuredExporter(config));
  const provider = new sdk.BasicTracerProvider({ resource, spanProcessors: [processor] });
  provider.register({ contextManager: new AsyncLocalStorageContextManager() });
  return { tracer: provider.getTracer(TRACER_NAME), resource, spanProcessor: processor, shutdown: () => provider.shutdown() };
}

async function configuredExporter(config: TracingConfig) {
  if (config.OTEL_TRACES_EXPORTER === 'otlp') {
    const { OTLPTraceExporter } = await import('@opentelemetry/exporter-trace-otlp-http');
    return new OTLPTraceExporter({ url: config.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT });
  }
  const { ConsoleSpanExporter } = await import('@opentelemetry/sdk-trace-base');
  return new ConsoleSpanExporter();
}
