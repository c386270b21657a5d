import { statementShape } from './statementShape';
import { context, propagation, trace } from '@opentelemetry/api';
import { node, tracing } from '@opentelemetry/sdk-node';
import {
  currentTraceparent,
  inSpan,
  parseTraceparent,
  shutdownTracing,
  traceIdOf,
  tracingEnabled,
  tracingStarted,
} from './index';

const T = '4bf92f3577b34da6a3ce929d0e0e4736';
const S = '00f067aa0ba902b7';
const PARENT = `00-${T}-${S}-01`;

describe('the tracing port, off', () => {
  it('runs the work and nothing else: no span, no traceparent', async () => {
    expect(tracingEnabled()).toBe(false);
    expect(inSpan('decide X', PARENT, () => 42)).toBe(42);
    await expect(inSpan('decide X', PARENT, () => Promise.resolve('ok'))).resolves.toBe('ok');
    expect(inSpan('x', undefined, () => currentTraceparent())).toBeUndefined();
    await shutdownTracing();
  });
});

describe('traceparent from a message or a header', () => {
  it('reads a W3C traceparent', () => {
    expect(parseTraceparent(PARENT)).toEqual({
      traceId: T,
      spanId: S,
      traceFlags: 1,
      isRemote: true,
    });
    expect(traceIdOf(PARENT)).toBe(T);
  });

  it.each([
    ['not a string', 42],
    ['empty', ''],
    ['upper case', PARENT.toUpperCase()],
    ['version ff', `ff-${T}-${S}-01`],
    ['a zero trace id', `00-${'0'.repeat(32)}-${S}-01`],
    ['a zero span id', `00-${T}-${'0'.repeat(16)}-01`],
    ['too long', `${PARENT}-00`],
    ['a NUL inside', `00-${T}\u0000-${S}-01`],
    ['huge', 'a'.repeat(100_000)],
  ])('refuses %s: a new trace starts instead', (_what, value) => {
    expect(parseTraceparent(value)).toBeNull();
  });
});

describe('the tracing port, on', () => {
  const exporter = new tracing.InMemorySpanExporter();
  const provider = new node.NodeTracerProvider({
    spanProcessors: [new tracing.SimpleSpanProcessor(exporter)],
  });
  beforeAll(() => {
    provider.register();
    tracingStarted(() => provider.shutdown());
  });
  afterAll(async () => {
    await shutdownTracing();
    trace.disable();
    context.disable();
    propagation.disable();
  });
  beforeEach(() => exporter.reset());

  it('makes a child of the message’s span, whatever context the caller runs in', () => {
    const other = trace.getTracer('t').startSpan('unrelated');
    const seen = context.with(trace.setSpan(context.active(), other), () =>
      inSpan('decide AddTask', PARENT, () => currentTraceparent(), {
        attributes: { 'devpie.command.id': 'c' },
      }),
    );
    other.end();
    const [span] = exporter.getFinishedSpans().filter((s) => s.name === 'decide AddTask');
    expect(span?.spanContext().traceId).toBe(T);
    expect(span?.parentSpanId).toBe(S);
    expect(span?.attributes['devpie.command.id']).toBe('c');
    // What the work sends carries the work's own span.
    expect(seen).toBe(`00-${T}-${span?.spanContext().spanId}-01`);
  });

  it('starts a new trace for a message without one, or with a broken one', () => {
    inSpan('a', undefined, () => undefined);
    inSpan('b', 'garbage', () => undefined);
    const spans = exporter.getFinishedSpans();
    expect(spans.map((s) => s.parentSpanId)).toEqual([undefined, undefined]);
    expect(spans[0]?.spanContext().traceId).not.toBe(spans[1]?.spanContext().traceId);
  });

  it('ends the span when the work’s promise settles, and records a failure', async () => {
    let release: () => void = () => undefined;
    const work = inSpan('project views', PARENT, () => new Promise<void>((r) => (release = r)), {
      links: [PARENT, `00-${'1'.repeat(32)}-${S}-01`, 'garbage', undefined],
    });
    expect(exporter.getFinishedSpans()).toEqual([]);
    release();
    await work;
    await new Promise((r) => setImmediate(r));
    const [span] = exporter.getFinishedSpans();
    expect(span?.name).toBe('project views');
    // The parent is not linked again, and what is no trace context is dropped.
    expect(span?.links.map((l) => l.context.traceId)).toEqual(['1'.repeat(32)]);

    await expect(inSpan('decide X', PARENT, () => Promise.reject(new Error('no')))).rejects.toThrow(
      'no',
    );
    expect(() =>
      inSpan('decide Y', PARENT, () => {
        throw new Error('sync');
      }),
    ).toThrow('sync');
    await new Promise((r) => setImmediate(r));
    const failed = exporter.getFinishedSpans().filter((s) => s.name.startsWith('decide'));
    expect(failed.map((s) => s.status.code)).toEqual([2, 2]);
  });
});

describe('statementShape', () => {
  it('puts ? for every string literal, standard or escape, so no value reaches a span', () => {
    const batch =
      "INSERT INTO projects.tasks (id, title) VALUES ('a1', 'it''s done'); UPDATE x SET c = E'back\\\\slash \\' and '' quote' WHERE id = '3'; COMMIT";
    const shape = statementShape(batch);
    expect(shape).toBe(
      'INSERT INTO projects.tasks (id, title) VALUES (?, ?); UPDATE x SET c = ? WHERE id = ?; COMMIT',
    );
    expect(shape).not.toMatch(/done|slash|quote/);
  });

  it('leaves a parameterized statement as it is, and cuts a long one short', () => {
    const text = 'SELECT * FROM projects.tasks WHERE id = $1';
    expect(statementShape(text)).toBe(text);
    const long = statementShape(`SELECT ${'x, '.repeat(2_000)}1`);
    expect(long).toHaveLength(2_001);
    expect(long.endsWith('…')).toBe(true);
  });

  it('cuts a long batch after its literals are replaced, never inside one', () => {
    const row =
      "INSERT INTO projects.tasks (id, title) VALUES ('t', 'secret title, it''s long');\n";
    const batch = row.repeat(500);
    const shape = statementShape(batch);
    expect(shape).toHaveLength(2_001);
    expect(shape).not.toMatch(/secret|title,|'/);
    expect(shape.startsWith('INSERT INTO projects.tasks (id, title) VALUES (?, ?);\nINSERT')).toBe(
      true,
    );
    // A literal that runs past the cut is replaced whole too.
    const one = statementShape(`UPDATE x SET c = '${'v'.repeat(5_000)}' WHERE id = 'k'`);
    expect(one).toBe('UPDATE x SET c = ? WHERE id = ?');
  });
});
