import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import { repoPath } from '../paths';
import { HOT_MODULES } from './plainExports';
import { eventually } from '../../test/support/env';
import { flows } from '../../test/support/flows';
import { startWholeSystem, type TestSystem } from '../../test/support/system';

/**
 * Tracing end to end: the system runs as `node dist/main.js` (instrumentation patches pg, Koa and
 * http through Node's require hooks, which Jest's module registry does not use) and exports to an
 * OTLP/HTTP receiver this suite runs.
 */

interface ReceivedSpan {
  traceId: string;
  spanId: string;
  parentSpanId: string;
  name: string;
  kind: number;
  service: string;
  attributes: Record<string, unknown>;
}

interface Receiver {
  url: string;
  spans: ReceivedSpan[];
  posts: Array<{ contentType: string; bytes: number }>;
  close(): Promise<void>;
}

type OtlpValue = { stringValue?: string; intValue?: string | number; boolValue?: boolean };
type OtlpAttribute = { key: string; value: OtlpValue };
interface OtlpJson {
  resourceSpans?: Array<{
    resource?: { attributes?: OtlpAttribute[] };
    scopeSpans?: Array<{
      spans?: Array<{
        traceId: string;
        spanId: string;
        parentSpanId?: string;
        name: string;
        kind: number;
        attributes?: OtlpAttribute[];
      }>;
    }>;
  }>;
}

const attributesOf = (list: OtlpAttribute[] = []): Record<string, unknown> =>
  Object.fromEntries(
    list.map((a) => [a.key, a.value.stringValue ?? a.value.intValue ?? a.value.boolValue]),
  );

/** An OTLP/HTTP trace receiver: POST /v1/traces, JSON decoded, protobuf counted. */
async function otlpReceiver(): Promise<Receiver> {
  const spans: ReceivedSpan[] = [];
  const posts: Receiver['posts'] = [];
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const contentType = req.headers['content-type'] ?? '';
      if (req.url === '/v1/traces') posts.push({ contentType, bytes: body.length });
      if (req.url === '/v1/traces' && contentType.startsWith('application/json')) {
        const otlp = JSON.parse(body.toString()) as OtlpJson;
        for (const rs of otlp.resourceSpans ?? []) {
          const service = String(attributesOf(rs.resource?.attributes)['service.name']);
          for (const ss of rs.scopeSpans ?? [])
            for (const s of ss.spans ?? [])
              spans.push({
                traceId: s.traceId,
                spanId: s.spanId,
                parentSpanId: s.parentSpanId ?? '',
                name: s.name,
                kind: s.kind,
                service,
                attributes: attributesOf(s.attributes),
              });
        }
      }
      res.writeHead(200, { 'Content-Type': contentType || 'application/json' });
      res.end(contentType.startsWith('application/json') ? '{}' : '');
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return {
    url: `http://127.0.0.1:${port}`,
    spans,
    posts,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

const SPAN_KIND_SERVER = 2;

/** Every span of the trace hangs from the caller's span through spans of the same trace. */
function expectOneTree(spans: ReceivedSpan[], callerSpanId: string): void {
  const ids = new Set(spans.map((s) => s.spanId));
  const orphans = spans.filter((s) => s.parentSpanId !== callerSpanId && !ids.has(s.parentSpanId));
  expect(orphans.map((s) => `${s.service}: ${s.name}`)).toEqual([]);
}

/** The ancestors of a span, nearest first. */
function ancestors(spans: ReceivedSpan[], span: ReceivedSpan): ReceivedSpan[] {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const chain: ReceivedSpan[] = [];
  for (let p = byId.get(span.parentSpanId); p; p = byId.get(p.parentSpanId)) chain.push(p);
  return chain;
}

const newTraceparent = () => {
  const traceId = randomBytes(16).toString('hex');
  const spanId = randomBytes(8).toString('hex');
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
};

describe('tracing with OpenTelemetry', () => {
  let receiver: Receiver;
  let sys: TestSystem;

  beforeAll(async () => {
    receiver = await otlpReceiver();
    sys = await startWholeSystem(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
        OTEL_BSP_SCHEDULE_DELAY: '100',
      },
      120_000,
    );
  }, 180_000);

  afterAll(async () => {
    await sys.stop();
    await receiver.close();
  }, 60_000);

  it('one task add is one trace: the request, the decision, the projector’s transaction and its SQL', async () => {
    const f = flows(sys);
    const owner = await f.person('tracer');
    const pid = await f.project(owner);
    const board = (await owner.call('GET', `/projects/${pid}/board`)).body;
    const cid = board.columns[0].id as string;

    // The request goes to an app process of its own: the trace crosses into the process that
    // decides and projects (npm start's `all`) through the messages' metadata alone.
    const app = await sys.start(['projects-app'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await app.waitReady(60_000);
    const caller = newTraceparent();
    const added = await sys.api(app.port).call('POST', `/projects/${pid}/columns/${cid}/tasks`, {
      token: owner.token,
      body: { title: 'Traced' },
      headers: { traceparent: caller.header },
    });
    expect(added.status).toBe(201);

    const trace = await eventually(
      async () => {
        const spans = receiver.spans.filter((s) => s.traceId === caller.traceId);
        const done =
          spans.some((s) => s.name === 'decide AddTask') &&
          spans.some((s) => s.name.startsWith('project ')) &&
          spans.some((s) => s.kind === SPAN_KIND_SERVER);
        return done ? spans : null;
      },
      20_000,
      'the task add’s spans',
    );
    // Export is batched: give the last spans of the trace (pg's, the request's end) a moment.
    await new Promise((r) => setTimeout(r, 1000));
    const spans = receiver.spans.filter((s) => s.traceId === caller.traceId);

    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER);
    // The app continued the caller's trace: its request span is the caller's span's child.
    expect(server?.parentSpanId).toBe(caller.spanId);
    expect(spans.some((s) => s.name.startsWith('POST') || /koa|router/i.test(s.name))).toBe(true);
    const decide = spans.find((s) => s.name === 'decide AddTask');
    expect(decide?.attributes['devpie.command.id']).toBeDefined();
    // The decision hangs from the request (the command carried its traceparent).
    expect(decide && ancestors(spans, decide)).toContainEqual(server);
    const project = spans.find(
      (s) => s.name.startsWith('project ') && decide && ancestors(spans, s).includes(decide),
    );
    expect(project).toBeDefined();
    // Postgres's spans of the projector's transaction are inside it.
    const sql = spans.filter(
      (s) =>
        s.attributes['db.system'] === 'postgresql' &&
        project &&
        ancestors(spans, s).includes(project),
    );
    expect(sql.length).toBeGreaterThan(0);
    // The projector's batch travels with its values written in: none of them (the title) is traced.
    const statements = spans.map((s) => {
      const statement = s.attributes['db.statement'];
      return typeof statement === 'string' ? statement : '';
    });
    expect(statements.some((s) => s.includes('projects.tasks'))).toBe(true);
    expect(statements.filter((s) => s.includes('Traced'))).toEqual([]);
    // And the app's own reads (the view it answers from) are in the request's part of the tree.
    expect(
      spans.some(
        (s) =>
          s.attributes['db.system'] === 'postgresql' &&
          server &&
          ancestors(spans, s)[0]?.spanId !== project?.spanId &&
          ancestors(spans, s).includes(server) &&
          !(project && ancestors(spans, s).includes(project)),
      ),
    ).toBe(true);
    expectOneTree(spans, caller.spanId);
    expect(trace.length).toBeGreaterThan(0);
    expect(server?.service).toBe('devpie-projects-app');
    expect(decide?.service).toBe('devpie-all');
    expect(project?.service).toBe('devpie-all');
    expect(new Set(spans.map((s) => s.service))).toEqual(
      new Set(['devpie-projects-app', 'devpie-all']),
    );
    await app.kill();
  }, 120_000);

  it('an estimate’s send runs through the dispatcher into the workflow and its activities, in the same trace', async () => {
    const f = flows(sys);
    const owner = await f.person('estimator');
    const client = await f.person('client');
    const pid = await f.project(owner);
    const draft = await owner.call('POST', `/projects/${pid}/estimates`, {
      title: 'Work',
      currency: 'EUR',
      validUntil: '2099-12-31',
      clientEmail: client.email,
      items: [{ description: 'Build', quantity: '1', unit: 'hour', unitPrice: 10000 }],
    });
    expect(draft.status).toBe(201);
    const caller = newTraceparent();
    const sent = await sys.api().call('POST', `/estimates/${draft.body.id}/send`, {
      token: owner.token,
      body: { expiresInMs: 60_000, reminderBeforeMs: 0 },
      headers: { traceparent: caller.header },
    });
    expect(sent.status).toBe(200);

    const spans = await eventually(
      async () => {
        const found = receiver.spans.filter((s) => s.traceId === caller.traceId);
        const done =
          found.some((s) => s.name === 'dispatch SendEstimate') &&
          found.some((s) => s.name === 'StartWorkflow:estimateApproval') &&
          found.some((s) => s.name.startsWith('RunActivity')) &&
          found.some((s) => s.name.startsWith('StartActivity')) &&
          found.some((s) => s.name === 'decide RecordEstimateSent') &&
          found.some((s) => s.name === 'project estimation-projector');
        return done ? found : null;
      },
      30_000,
      'the send’s spans',
    );
    // The workflow's own span (RunWorkflow) ends, and is exported, when the approval ends; the
    // spans it holds are here: the step scheduled in the workflow, run in the worker.
    const decided = spans.find((s) => s.name === 'decide RecordEstimateSent');
    const chain = decided ? ancestors(spans, decided).map((s) => s.name) : [];
    expect(chain[0]).toMatch(/^RunActivity:/);
    expect(chain[1]).toMatch(/^StartActivity:/);
    const start = spans.find((s) => s.name === 'StartWorkflow:estimateApproval');
    expect(start && ancestors(spans, start).map((s) => s.name)).toContain('dispatch SendEstimate');
    const server = spans.find((s) => s.kind === SPAN_KIND_SERVER);
    expect(server?.parentSpanId).toBe(caller.spanId);
  }, 120_000);

  it('a hostile traceparent starts a new trace and breaks nothing', async () => {
    const f = flows(sys);
    const owner = await f.person('hostile');
    const pid = await f.project(owner);
    const cid = (await owner.call('GET', `/projects/${pid}/board`)).body.columns[0].id as string;
    const T = 'a'.repeat(32);
    for (const header of [
      '00-zzzz-zz-01',
      `ff-${T}-${'b'.repeat(16)}-01`,
      `00-${'0'.repeat(32)}-${'b'.repeat(16)}-01`,
      `00-${T}-${'0'.repeat(16)}-01`,
      `00-${T.toUpperCase()}-${'b'.repeat(16)}-01`,
      `00-${T}-${'b'.repeat(16)}-01-${'x'.repeat(4000)}`,
    ]) {
      const added = await sys.api().call('POST', `/projects/${pid}/columns/${cid}/tasks`, {
        token: owner.token,
        body: { title: 'Still here' },
        headers: { traceparent: header },
      });
      expect([header.slice(0, 20), added.status]).toEqual([header.slice(0, 20), 201]);
    }
  }, 120_000);

  it('exports http/protobuf too', async () => {
    const before = receiver.posts.length;
    const app = await sys.start(['projects-app'], {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
      OTEL_BSP_SCHEDULE_DELAY: '100',
    });
    await app.waitReady(60_000);
    const f = flows(sys);
    const owner = await f.person('proto');
    expect((await owner.call('GET', '/projects')).status).toBe(200);
    await sys.api(app.port).call('GET', '/projects', { token: owner.token });
    const proto = await eventually(
      async () =>
        receiver.posts
          .slice(before)
          .find((p) => p.contentType === 'application/x-protobuf' && p.bytes > 0),
      20_000,
      'a protobuf export',
    );
    expect(proto.bytes).toBeGreaterThan(0);
    await app.kill();
  }, 120_000);
});

/**
 * What a process that loaded the start module (as main.ts does first) finds: `expression`
 * evaluated there, as JSON, in a process with the given environment and no other OTEL_ variable.
 */
function afterStart(env: Record<string, string>, expression: string): unknown {
  const script = `require(${JSON.stringify(repoPath('dist', 'platform', 'tracing', 'start.js'))});
    process.stdout.write(JSON.stringify(${expression}))`;
  const clean = Object.fromEntries(
    Object.entries(process.env).filter(([k]) => !k.startsWith('OTEL_')),
  ) as Record<string, string>;
  return JSON.parse(
    execFileSync(process.execPath, ['-e', script], { env: { ...clean, ...env }, encoding: 'utf8' }),
  );
}

describe('tracing off', () => {
  /** How many of the SDK's modules the start module loaded. */
  const loaded = (env: Record<string, string>): number =>
    afterStart(
      env,
      String.raw`Object.keys(require.cache).filter((k) => /@opentelemetry[\/](sdk-node|instrumentation-pg)[\/]/.test(k)).length`,
    ) as number;

  it('with no endpoint configured loads no SDK and exports nothing, whatever else is set', () => {
    expect(loaded({ OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json', OTEL_SERVICE_NAME: 'x' })).toBe(0);
    expect(loaded({ OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' })).toBeGreaterThan(0);
  });
});

describe('tracing on', () => {
  it("holds the hot OpenTelemetry modules as plain values in Node's module cache, for everything loaded after", () => {
    // Per module: its exports' getters, as whoever requires it now gets them, and their count.
    const shapes = afterStart(
      { OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9' },
      `${JSON.stringify(HOT_MODULES)}.map((id) => {
        const exports = require.cache[require.resolve(id)].exports;
        const d = Object.values(Object.getOwnPropertyDescriptors(exports));
        return [id, d.filter((x) => x.get).length, d.length];
      })`,
    ) as Array<[string, number, number]>;
    expect(shapes.map(([id, getters]) => [id, getters])).toEqual(HOT_MODULES.map((id) => [id, 0]));
    // And they are the modules' exports still, not empty copies.
    for (const [, , exported] of shapes) expect(exported).toBeGreaterThan(5);
  });
});
