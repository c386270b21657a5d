/**
 * The export thread: receives finished spans from the main thread and sends them with the OTLP
 * exporter the standard variables choose (OTEL_EXPORTER_OTLP[_TRACES]_PROTOCOL, endpoint, headers,
 * timeout, compression: each exporter reads its own). Encoding a batch, above all as protobuf,
 * costs tens of microseconds a span and much garbage; here it costs the main thread nothing.
 */
import { parentPort } from 'node:worker_threads';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { fromWireBatch, type WireBatch } from './spanWire';

export type ToExportThread =
  { id: number; batch: WireBatch } | { id: number; flush: true } | { id: number; shutdown: true };
export interface FromExportThread {
  id: number;
  code: number;
  error?: string;
}

/** The exporter sdk-node would make for `otlp` with the protocol the environment names. */
export function exporterFromEnv(env: NodeJS.ProcessEnv = process.env): SpanExporter {
  const protocol = (
    env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ??
    env.OTEL_EXPORTER_OTLP_PROTOCOL ??
    'http/protobuf'
  ).trim();
  /* eslint-disable @typescript-eslint/no-require-imports -- only the chosen exporter is loaded */
  switch (protocol) {
    case 'grpc': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-grpc') as typeof import('@opentelemetry/exporter-trace-otlp-grpc');
      return new OTLPTraceExporter();
    }
    case 'http/json': {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-http') as typeof import('@opentelemetry/exporter-trace-otlp-http');
      return new OTLPTraceExporter();
    }
    default: {
      const { OTLPTraceExporter } =
        require('@opentelemetry/exporter-trace-otlp-proto') as typeof import('@opentelemetry/exporter-trace-otlp-proto');
      return new OTLPTraceExporter();
    }
  }
  /* eslint-enable @typescript-eslint/no-require-imports */
}

if (parentPort) {
  const port = parentPort;
  const exporter = exporterFromEnv();
  const reply = (message: FromExportThread) => port.postMessage(message);
  port.on('message', (message: ToExportThread) => {
    if ('batch' in message) {
      exporter.export(fromWireBatch(message.batch), (result) =>
        reply({
          id: message.id,
          code: result.code,
          ...(result.error ? { error: result.error.message } : {}),
        }),
      );
    } else {
      const done = 'flush' in message ? exporter.forceFlush?.() : exporter.shutdown();
      void Promise.resolve(done).then(
        () => reply({ id: message.id, code: 0 }),
        (err: unknown) => reply({ id: message.id, code: 1, error: String(err) }),
      );
    }
  });
}
