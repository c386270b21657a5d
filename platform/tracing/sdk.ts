import { NodeSDK } from '@opentelemetry/sdk-node';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { KoaInstrumentation, KoaLayerType } from '@opentelemetry/instrumentation-koa';
import { PgInstrumentation } from '@opentelemetry/instrumentation-pg';
import { BatchSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { OffThreadExporter } from './offThreadExporter';
import { statementShape } from './statementShape';

/**
 * pg's instrumentation without its pool part: `pg-pool.connect` would add a span to every query
 * (a pool hands out a client for each one), as many spans again as the queries themselves, for a
 * wait that is nearly always nil; a slow checkout still shows as a gap before the query's span.
 */
class PgQueryInstrumentation extends PgInstrumentation {
  protected override init(): ReturnType<PgInstrumentation['init']> {
    return super.init().filter((definition) => definition.name !== 'pg-pool');
  }
}

/** Probes and scrapes come every few seconds from the orchestrator and Prometheus: a trace each would bury the rest. */
const PROBES = /^\/(healthz|readyz|metrics)(\?|$)/;

/**
 * Starts the OpenTelemetry SDK. The SDK reads the standard variables itself: the OTLP endpoint,
 * protocol (http/protobuf by default, http/json, grpc), headers, timeout and compression (read
 * by the sender on its own thread, platform/tracing/exportThread.ts), the sampler
 * (OTEL_TRACES_SAMPLER), the batch processor's delays (OTEL_BSP_*), the propagators (W3C trace
 * context and baggage by default) and the resource (OTEL_SERVICE_NAME, OTEL_RESOURCE_ATTRIBUTES).
 * Only traces: metrics are prom-client's (platform/metrics), logs are pino's.
 */
export function startSdk(defaultServiceName: string): () => Promise<void> {
  process.env.OTEL_LOGS_EXPORTER ??= 'none';
  const named =
    Boolean(process.env.OTEL_SERVICE_NAME) ||
    /(^|,)\s*service\.name\s*=/.test(process.env.OTEL_RESOURCE_ATTRIBUTES ?? '');
  // OTLP over HTTP, the default, is encoded here and sent off the main thread; any other exporter
  // the standard variables ask for (grpc, console, zipkin, several) is left to the SDK.
  const otlp = ['', 'otlp'].includes((process.env.OTEL_TRACES_EXPORTER ?? '').trim());
  const protocol = (
    process.env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    process.env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  const http = otlp && (protocol === 'http/protobuf' || protocol === 'http/json');
  const sdk = new NodeSDK({
    ...(named ? {} : { serviceName: defaultServiceName }),
    ...(http ? { spanProcessors: [new BatchSpanProcessor(new OffThreadExporter(protocol))] } : {}),
    instrumentations: [
      new HttpInstrumentation({
        ignoreIncomingRequestHook: (req) => PROBES.test(req.url ?? ''),
        // A call nobody's work made (a key set refreshed in the background) is no trace of its own.
        requireParentforOutgoingSpans: true,
      }),
      // A span per route, not per middleware: every request passes the same five (errors, CORS,
      // methods, metrics) and their spans would outnumber the rest of the trace.
      new KoaInstrumentation({ ignoreLayersType: [KoaLayerType.MIDDLEWARE] }),
      // Leases, heartbeats and the outcome listener query all the time outside any request.
      new PgQueryInstrumentation({
        requireParentSpan: true,
        requestHook: (span, { query }) => {
          // Only the batches with their values written in: the rest name theirs as $1, $2…
          if (!/\$\d/.test(query.text))
            span.setAttribute('db.statement', statementShape(query.text));
        },
      }),
    ],
  });
  sdk.start();
  return () => sdk.shutdown();
}
