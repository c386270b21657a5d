/**
 * The export thread: receives export request bodies the main thread encoded
 * (`otlpEncoding.ts`) and sends them with the SDK's own OTLP/HTTP transport, which reads the
 * standard variables (OTEL_EXPORTER_OTLP[_TRACES]_ENDPOINT, headers, timeout, compression) and
 * retries as the specification says. Sending, and compressing when asked, cost the main thread
 * nothing.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import type { OtlpHttpProtocol } from './otlpEncoding';

export type ToExportThread =
  { id: number; body: Uint8Array } | { id: number; flush: true } | { id: number; shutdown: true };
export interface FromExportThread {
  id: number;
  code: number;
  error?: string;
}

/** The protocol the export thread is started for. */
export interface ExportThreadData {
  protocol: OtlpHttpProtocol;
}

/** Sends bodies encoded already: the serializer only reads the collector's answers. */
export function bodySender(protocol: OtlpHttpProtocol): OTLPExporterBase<Uint8Array> {
  const json = protocol === 'http/json';
  const answers = json ? JsonTraceSerializer : ProtobufTraceSerializer;
  return new OTLPExporterBase(
    createOtlpHttpExportDelegate(
      // How the SDK's own OTLP exporters (0.57) read the standard variables; 2.0 renames it.
      // eslint-disable-next-line @typescript-eslint/no-deprecated
      convertLegacyHttpOptions({}, 'TRACES', 'v1/traces', {
        'User-Agent': 'devpie-client',
        'Content-Type': json ? 'application/json' : 'application/x-protobuf',
      }),
      {
        serializeRequest: (body: Uint8Array) => body,
        deserializeResponse: (data: Uint8Array) => answers.deserializeResponse(data),
      },
    ),
  );
}

if (parentPort) {
  const port = parentPort;
  const sender = bodySender((workerData as ExportThreadData).protocol);
  const reply = (message: FromExportThread) => port.postMessage(message);
  port.on('message', (message: ToExportThread) => {
    if ('body' in message) {
      sender.export(message.body, (result) =>
        reply({
          id: message.id,
          code: result.code,
          ...(result.error ? { error: result.error.message } : {}),
        }),
      );
    } else {
      const done = 'flush' in message ? sender.forceFlush() : sender.shutdown();
      void done.then(
        () => reply({ id: message.id, code: 0 }),
        (err: unknown) => reply({ id: message.id, code: 1, error: String(err) }),
      );
    }
  });
}
