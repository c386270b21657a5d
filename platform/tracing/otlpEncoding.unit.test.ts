import { SpanKind, SpanStatusCode, TraceFlags, type Attributes } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { Resource } from '@opentelemetry/resources';
import {
  BasicTracerProvider,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  type ReadableSpan,
} from '@opentelemetry/sdk-trace-base';
import { JsonTraceSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
// The SDK's generated message types: to read both encodings back the same way.
import * as root from '@opentelemetry/otlp-transformer/build/src/generated/root';
import { encodeSpans } from './otlpEncoding';

const request = (root as any).opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
const decoded = (bytes: Uint8Array): unknown =>
  request.toObject(request.decode(bytes), { longs: String, bytes: String, defaults: true });
const parsed = (bytes: Uint8Array): unknown => JSON.parse(new TextDecoder().decode(bytes));

const linked = {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  traceState: new TraceState('vendor=a,other=b'),
};

function finished(build: (provider: (resource: Resource) => BasicTracerProvider) => void) {
  const memory = new InMemorySpanExporter();
  build(
    (resource) =>
      new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] }),
  );
  return memory.getFinishedSpans();
}

const everyKind: Attributes = {
  'http.status_code': 201,
  'http.route': '/api/v1/projects/:pid',
  ok: true,
  off: false,
  ratio: 0.25,
  negative: -42,
  big: 2 ** 53 - 1,
  veryNegative: -(2 ** 40),
  // Past int64: wrapped modulo 2^64 as the SDK does, not a varint no decoder takes.
  int64Edge: 2 ** 63,
  pastInt64: 2 ** 64 + 2 ** 20,
  belowInt64: -(2 ** 64) - 2 ** 20,
  unsafe: 2 ** 60 + 2 ** 12,
  unsafeNegative: -(2 ** 60) - 2 ** 12,
  huge: 1e300,
  empty: '',
  unicode: 'tâche « déplacée » 🚀',
  list: ['a', 'b'],
  numbers: [1, 2.5, -3],
  flags: [true, false],
  medium: 'm'.repeat(300),
  long: 'é'.repeat(20_000),
};

const sample = () =>
  finished((provider) => {
    const one = provider(new Resource({ 'service.name': 'devpie-test', 'host.name': 'h' }));
    const other = provider(new Resource({ 'service.name': 'devpie-other' }));
    const tracer = one.getTracer('devpie', '1.2.3');
    const parent = tracer.startSpan('POST /api/v1/projects/:id/tasks', {
      kind: SpanKind.SERVER,
      attributes: everyKind,
      links: [{ context: linked, attributes: { why: 'follows' } }, { context: linked }],
    });
    parent.addEvent('decided', { version: 3 });
    parent.addEvent('bare');
    parent.setStatus({ code: SpanStatusCode.ERROR, message: 'refused' });
    parent.end();
    tracer.startSpan('child', { kind: SpanKind.CLIENT }).end();
    one
      .getTracer('pg', '0.51.0', { schemaUrl: 'https://opentelemetry.io/schemas/1.21.0' })
      .startSpan('pg.query:SELECT', {
        kind: SpanKind.CLIENT,
        attributes: { 'db.system': 'postgresql' },
      })
      .end();
    other.getTracer('devpie').startSpan('decide AddTask', { kind: SpanKind.CONSUMER }).end();
    tracer.startSpan('after', { kind: SpanKind.PRODUCER }).end();
  });

describe('OTLP encoding', () => {
  it('writes the protobuf the SDK writes, field for field', () => {
    const spans = sample();
    expect(decoded(encodeSpans(spans, 'http/protobuf'))).toEqual(
      decoded(ProtobufTraceSerializer.serializeRequest(spans)!),
    );
  });

  it('writes the JSON the SDK writes', () => {
    const spans = sample();
    expect(parsed(encodeSpans(spans, 'http/json'))).toEqual(
      parsed(JsonTraceSerializer.serializeRequest(spans)!),
    );
  });

  it('groups by resource, then scope, in the order first met', () => {
    const body = decoded(encodeSpans(sample(), 'http/protobuf')) as any;
    expect(body.resourceSpans).toHaveLength(2);
    expect(
      body.resourceSpans[0].scopeSpans.map((s: any) => [s.scope.name, s.spans.length]),
    ).toEqual([
      ['devpie', 3],
      ['pg', 1],
    ]);
    expect(body.resourceSpans[1].scopeSpans[0].spans[0].name).toBe('decide AddTask');
  });

  it('writes timestamps to the nanosecond', () => {
    const [span] = finished((provider) =>
      provider(new Resource({}))
        .getTracer('t')
        .startSpan('x', { startTime: [1796394013, 467123456] })
        .end([1796394013, 999999999]),
    );
    const proto = decoded(encodeSpans([span!], 'http/protobuf')) as any;
    const json = parsed(encodeSpans([span!], 'http/json')) as any;
    const times = (s: any) => [String(s.startTimeUnixNano), String(s.endTimeUnixNano)];
    const expected = ['1796394013467123456', '1796394013999999999'];
    expect(times(proto.resourceSpans[0].scopeSpans[0].spans[0])).toEqual(expected);
    expect(times(json.resourceSpans[0].scopeSpans[0].spans[0])).toEqual(expected);
  });

  it('leaves out what is no attribute value (Temporal puts functions in its workflow spans)', () => {
    const [span] = finished((provider) =>
      provider(new Resource({}))
        .getTracer('t')
        .startSpan('x', { attributes: { kept: 'yes' } })
        .end(),
    );
    const odd: ReadableSpan = Object.assign(Object.create(Object.getPrototypeOf(span)), span, {
      attributes: { kept: 'yes', fn: () => 1, nested: { a: 1 } },
    });
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      const body = (protocol === 'http/json' ? parsed : decoded)(
        encodeSpans([odd], protocol),
      ) as any;
      expect(
        body.resourceSpans[0].scopeSpans[0].spans[0].attributes.map((a: any) => a.key),
      ).toEqual(['kept']);
    }
  });

  it('hands out a buffer of its own, which another thread may take whole', () => {
    const spans = sample();
    for (const protocol of ['http/protobuf', 'http/json'] as const) {
      const bytes = encodeSpans(spans, protocol);
      expect(bytes.byteOffset).toBe(0);
      expect(bytes.buffer.byteLength).toBe(bytes.byteLength);
    }
  });
});
