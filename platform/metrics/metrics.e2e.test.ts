import { eventually } from '../../test/support/env';
import { freePort } from '../../test/support/ports';
import type { RoleProcess } from '../../test/support/processes';
import { startTestSystem, type TestSystem } from '../../test/support/system';
import { loadConfig } from '../config';
import { connectTemporal } from '../temporal/connection';
import { TEMPORAL_METRICS } from '../temporal/metrics';

jest.setTimeout(180_000);

/** One sample of a scrape: its series name, labels and value. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

interface Scrape {
  families: Set<string>;
  samples: Sample[];
}

function parse(text: string): Scrape {
  const families = new Set<string>();
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const type = /^# TYPE (\S+) \S+$/.exec(line);
    if (type?.[1]) families.add(type[1]);
    if (line === '' || line.startsWith('#')) continue;
    const m = /^([a-zA-Z_:][\w:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!m?.[1] || m[3] === undefined) throw new Error(`not a sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[l[1]!] = l[2]!;
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { families, samples };
}

async function scrape(port: number, path = '/metrics'): Promise<Scrape> {
  const res = await fetch(`http://127.0.0.1:${port}${path}`);
  expect(res.status).toBe(200);
  return parse(await res.text());
}

/** The sum of a series' samples whose labels include `labels`. */
const valueOf = (s: Scrape, name: string, labels: Record<string, string> = {}): number =>
  s.samples
    .filter((x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v))
    .reduce((sum, x) => sum + x.value, 0);

const hasSeries = (s: Scrape, name: string, labels: Record<string, string> = {}): boolean =>
  s.samples.some(
    (x) => x.name === name && Object.entries(labels).every(([k, v]) => x.labels[k] === v),
  );

const FAMILIES = [
  'devpie_http_request_duration_seconds',
  'devpie_commands_accepted_total',
  'devpie_commands_refused_total',
  'devpie_write_to_visible_seconds',
  'devpie_projector_lag_entries',
  'devpie_projector_lag_seconds',
  'devpie_projector_position',
  'devpie_projector_batch_entries',
  'devpie_projector_batch_duration_seconds',
  'devpie_projector_entries_total',
  'devpie_parked_entries',
  'devpie_writer_lease_held',
  'devpie_dispatcher_in_flight',
  'devpie_dispatcher_failures_total',
  'devpie_reactor_retries_total',
  'devpie_role_restarts_total',
  // Node process metrics.
  'devpie_process_cpu_seconds_total',
  'devpie_process_resident_memory_bytes',
  'devpie_nodejs_eventloop_lag_seconds',
  'devpie_nodejs_heap_size_used_bytes',
];

let sys: TestSystem;
let app: RoleProcess;
let writer: RoleProcess;

beforeAll(async () => {
  sys = await startTestSystem();
  // As deployed: the app apart from its context's component and projector.
  [app, writer] = await Promise.all([
    sys.start(['projects-app']),
    sys.start(['projects-component', 'projects-projector']),
  ]);
  await Promise.all([app.waitReady(60_000), writer.waitReady(60_000)]);
});
afterAll(() => sys?.stop());

describe('GET /metrics', () => {
  it("serves every family on an app's port and on a component and projector's port", async () => {
    for (const port of [app.port, writer.port]) {
      const s = await scrape(port);
      expect(FAMILIES.filter((f) => !s.families.has(f))).toEqual([]);
    }
    const w = await scrape(writer.port);
    expect(valueOf(w, 'devpie_writer_lease_held', { category: 'project' })).toBe(1);
    for (const name of ['devpie_projector_lag_entries', 'devpie_projector_position'])
      expect(hasSeries(w, name, { projector: 'projects-projector', category: 'project' })).toBe(
        true,
      );
    expect(hasSeries(w, 'devpie_parked_entries', { consumer: 'projects-projector' })).toBe(true);
    expect(hasSeries(w, 'devpie_role_restarts_total', { role: 'projects-component' })).toBe(true);
  });

  it('one board write moves the accepted-commands counter by one, the route histogram and the projector batches', async () => {
    const token = sys.issuer.token('auth0|metrics-owner');
    const route = { method: 'POST', route: '/api/v1/projects', status: '201' };
    const accepted = { category: 'project', type: 'AddProject' };
    const projector = { projector: 'projects-projector', category: 'project' };
    const [a0, w0] = await Promise.all([scrape(app.port), scrape(writer.port)]);

    const created = await sys.api(app.port).call('POST', '/projects', {
      token,
      body: { name: 'Metrics' },
    });
    expect(created.status).toBe(201);

    const [a1, w1] = await Promise.all([scrape(app.port), scrape(writer.port)]);
    expect(
      valueOf(w1, 'devpie_commands_accepted_total', accepted) -
        valueOf(w0, 'devpie_commands_accepted_total', accepted),
    ).toBe(1);
    expect(
      valueOf(a1, 'devpie_http_request_duration_seconds_count', route) -
        valueOf(a0, 'devpie_http_request_duration_seconds_count', route),
    ).toBe(1);
    const visible = { category: 'project', outcome: 'accepted' };
    expect(
      valueOf(a1, 'devpie_write_to_visible_seconds_count', visible) -
        valueOf(a0, 'devpie_write_to_visible_seconds_count', visible),
    ).toBe(1);
    // The 201 came once the projector had committed the entry: its batch is counted by now.
    expect(
      valueOf(w1, 'devpie_projector_batch_entries_count', projector) -
        valueOf(w0, 'devpie_projector_batch_entries_count', projector),
    ).toBeGreaterThanOrEqual(1);
    expect(
      valueOf(w1, 'devpie_projector_entries_total', projector) -
        valueOf(w0, 'devpie_projector_entries_total', projector),
    ).toBeGreaterThanOrEqual(1);
    expect(valueOf(w1, 'devpie_projector_position', projector)).toBeGreaterThan(
      valueOf(w0, 'devpie_projector_position', projector),
    );
    // Caught up again: the newest entry it was given is applied.
    await eventually(
      async () =>
        valueOf(await scrape(writer.port), 'devpie_projector_lag_entries', projector) === 0,
      10_000,
      'the projector to report no lag',
    );
    // Ids never reach a label.
    expect(a1.samples.some((s) => s.labels.route?.includes(created.body.id))).toBe(false);
  });

  it("serves the Temporal SDK's metrics on the worker's own port", async () => {
    const temporalPort = await freePort();
    const worker = await sys.start(['workflow-worker'], {
      TEMPORAL_METRICS_ADDRESS: `127.0.0.1:${temporalPort}`,
    });
    await worker.waitReady(120_000);
    const taskQueue = sys.env.TEMPORAL_TASK_QUEUE!;
    const { temporal } = loadConfig();
    // A workflow of a type the bundle lacks: its tasks fail, which an alert watches for.
    const { client, connection } = await connectTemporal({
      // Where the worker polls: it reads the same environment.
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue,
    });
    const handle = await client.workflow.start('noSuchWorkflow', {
      taskQueue,
      workflowId: `metrics-${sys.prefix}`,
      args: [],
    });
    let s: Scrape;
    let last: Scrape | null = null;
    try {
      s = await eventually(
        async () => {
          last = await scrape(temporalPort);
          return valueOf(last, 'temporal_workflow_task_execution_failed_total') > 0 ? last : null;
        },
        120_000,
        'a failed workflow task in the metrics',
      ).catch((err: unknown) => {
        const seen = last?.samples.filter((x) => x.name.startsWith('temporal_workflow'));
        throw new Error(
          `${String(err)}; the worker's workflow series: ${JSON.stringify(seen)}\n${worker.output()}`,
        );
      });
    } finally {
      await handle.terminate('metrics test').catch(() => undefined);
      await connection.close();
    }
    const seen = new Set(s.samples.map((x) => x.name));
    const listed = new Set(TEMPORAL_METRICS);
    // Every temporal_ series the core exported at this point is one we know of.
    expect([...seen].filter((n) => n.startsWith('temporal_') && !listed.has(n))).toEqual([]);
    expect(seen.has('temporal_worker_task_slots_available')).toBe(true);
    // Our own families are on the role's port, as on every role's.
    expect((await scrape(worker.port)).families.has('devpie_process_cpu_seconds_total')).toBe(true);
  });
});
