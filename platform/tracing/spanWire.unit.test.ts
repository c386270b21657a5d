import { SpanKind, SpanStatusCode, TraceFlags } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer } from '@opentelemetry/otlp-transformer';
import { fromWireBatch, toWire } from './spanWire';

function finishedSpans() {
  const memory = new InMemorySpanExporter();
  const provider = new BasicTracerProvider({
    resource: new Resource({ 'service.name': 'devpie-test', 'host.name': 'h' }),
    spanProcessors: [new SimpleSpanProcessor(memory)],
  });
  const tracer = provider.getTracer('devpie', '1.2.3');
  const linked = {
    traceId: '0af7651916cd43dd8448eb211c80319c',
    spanId: 'b7ad6b7169203331',
    traceFlags: TraceFlags.SAMPLED,
    traceState: new TraceState('vendor=a,other=b'),
  };
  const parent = tracer.startSpan('POST /api/v1/projects/:id/tasks', {
    kind: SpanKind.SERVER,
    attributes: { 'http.status_code': 201, 'http.route': '/x', ok: true, list: ['a', 'b'] },
    links: [{ context: linked, attributes: { why: 'follows' } }],
  });
  parent.addEvent('decided', { version: 3 });
  parent.setStatus({ code: SpanStatusCode.ERROR, message: 'refused' });
  parent.end();
  tracer.startSpan('child', { kind: SpanKind.CLIENT }).end();
  return memory.getFinishedSpans();
}

describe('spans across the export thread', () => {
  it('arrive as the OTLP encoder would have read them on the main thread', () => {
    const spans = finishedSpans();
    // What postMessage does to the data on the way.
    const rebuilt = fromWireBatch(structuredClone(toWire(spans)));
    const encode = (s: typeof spans) =>
      JSON.parse(new TextDecoder().decode(JsonTraceSerializer.serializeRequest(s))) as unknown;
    expect(encode(rebuilt)).toEqual(encode(spans));
    expect(rebuilt[0]?.links[0]?.context.traceState?.serialize()).toBe('vendor=a,other=b');
  });

  it('send one resource per batch, however many spans share it', () => {
    const wire = toWire(finishedSpans());
    expect(wire.resources).toHaveLength(1);
    expect(wire.spans.map((s) => s.resource)).toEqual([0, 0]);
  });
});
