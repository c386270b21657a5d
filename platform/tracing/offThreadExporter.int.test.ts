import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ExportResultCode, type ExportResult } from '@opentelemetry/core';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { OffThreadExporter } from './offThreadExporter';

/** A stand-in export thread: answers each body, and dies on one that holds a span named `die`. */
const script = join(mkdtempSync(join(tmpdir(), 'export-thread-')), 'thread.js');
writeFileSync(
  script,
  `const { parentPort } = require('node:worker_threads');
parentPort.on('message', (m) => {
  if (m.body && Buffer.from(m.body).includes('die')) process.exit(3);
  parentPort.postMessage({ id: m.id, code: 0 });
});`,
);

const spans = (...names: string[]) => {
  const memory = new InMemorySpanExporter();
  const tracer = new BasicTracerProvider({
    spanProcessors: [new SimpleSpanProcessor(memory)],
  }).getTracer('t');
  for (const name of names) tracer.startSpan(name).end();
  return memory.getFinishedSpans();
};

const exported = (exporter: OffThreadExporter, names: string[]) =>
  new Promise<ExportResult>((resolve) => exporter.export(spans(...names), resolve));

describe('OffThreadExporter', () => {
  it('fails the batch a dying thread held, and hands the next ones to a new thread', async () => {
    const exporter = new OffThreadExporter('http/protobuf', script);
    expect((await exported(exporter, ['a', 'b'])).code).toBe(ExportResultCode.SUCCESS);
    const lost = await exported(exporter, ['c', 'die']);
    expect(lost.code).toBe(ExportResultCode.FAILED);
    expect(lost.error?.message).toMatch(/exited with 3/);
    expect((await exported(exporter, ['d'])).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
  });

  it('fails, without throwing, a batch it cannot encode', async () => {
    const exporter = new OffThreadExporter('http/protobuf', script);
    const [span] = spans('odd');
    // Not a span the SDK made: its context cannot be read.
    const odd = {
      ...span!,
      spanContext: () => {
        throw new Error('no context');
      },
    };
    const result = await new Promise<ExportResult>((resolve) => exporter.export([odd], resolve));
    expect(result.code).toBe(ExportResultCode.FAILED);
    expect((await exported(exporter, ['after'])).code).toBe(ExportResultCode.SUCCESS);
    await exporter.shutdown();
  });
});
