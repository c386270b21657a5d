import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { ExportThreadData, FromExportThread, ToExportThread } from './exportThread';
import { encodeSpans, type OtlpHttpProtocol } from './otlpEncoding';

/**
 * A span exporter that encodes each batch as an OTLP/HTTP body (a few microseconds a span,
 * `otlpEncoding.ts`) and hands the bytes, without copying them, to a thread of their own
 * (`exportThread.ts`) that sends them. Should the thread die, the batches under way fail (the SDK
 * drops them, as on a collector that is away) and a new thread takes the next ones.
 */
export class OffThreadExporter implements SpanExporter {
  private worker: Worker | null = null;
  private nextId = 1;
  private readonly waiting = new Map<number, (message: FromExportThread) => void>();

  constructor(
    private readonly protocol: OtlpHttpProtocol,
    private readonly script = join(__dirname, 'exportThread.js'),
  ) {}

  private thread(): Worker {
    if (this.worker) return this.worker;
    const workerData: ExportThreadData = { protocol: this.protocol };
    const worker = new Worker(this.script, { workerData });
    // Never what keeps the process up: shutdown() flushes what is buffered.
    worker.unref();
    worker.on('message', (message: FromExportThread) => {
      const done = this.waiting.get(message.id);
      this.waiting.delete(message.id);
      done?.(message);
    });
    const lost = (why: string) => {
      if (this.worker === worker) this.worker = null;
      for (const [id, done] of this.waiting)
        done({ id, code: ExportResultCode.FAILED, error: why });
      this.waiting.clear();
    };
    worker.on('error', (err) => lost(`the export thread failed: ${err.message}`));
    worker.on('exit', (code) => lost(`the export thread exited with ${String(code)}`));
    this.worker = worker;
    return worker;
  }

  private send(message: ToExportThread): Promise<FromExportThread> {
    return new Promise((resolve) => {
      this.waiting.set(message.id, resolve);
      try {
        // The body's bytes move to the thread rather than being copied.
        this.thread().postMessage(
          message,
          'body' in message ? [message.body.buffer as ArrayBuffer] : [],
        );
      } catch (err) {
        this.waiting.delete(message.id);
        resolve({ id: message.id, code: ExportResultCode.FAILED, error: String(err) });
      }
    });
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    let message: ToExportThread;
    try {
      message = { id: this.nextId++, body: encodeSpans(spans, this.protocol) };
    } catch (err) {
      // A span the encoder cannot read (not one the SDK made): this batch is lost, not the process.
      resultCallback({ code: ExportResultCode.FAILED, error: err as Error });
      return;
    }
    void this.send(message).then(({ code, error }) =>
      resultCallback(
        code === (ExportResultCode.SUCCESS as number)
          ? { code: ExportResultCode.SUCCESS }
          : { code: ExportResultCode.FAILED, error: new Error(error ?? 'export failed') },
      ),
    );
  }

  async forceFlush(): Promise<void> {
    if (this.worker) await this.send({ id: this.nextId++, flush: true });
  }

  async shutdown(): Promise<void> {
    const worker = this.worker;
    if (!worker) return;
    await this.send({ id: this.nextId++, shutdown: true });
    this.worker = null;
    await worker.terminate();
  }
}
