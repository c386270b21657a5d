import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/**
 * The process's metrics, served on every role's port at GET /metrics (platform/metrics/http.ts).
 * docs/operations.md ("Metrics and alerts") says what each one means; k8s/monitoring's alerts and
 * dashboard use only the names defined here (deploy/monitoring.unit.test.ts checks it).
 *
 * Two kinds: those observed on the way (a request's duration, a command decided, a batch
 * committed), and those read at scrape time from what the hosts already keep (their `stats`,
 * positions, leases, parked counts), so a host's hot path does not change for them.
 */
export const registry = new Registry();

/**
 * METRICS=off: nothing is recorded on the hot path and /metrics answers 404, so the bench's
 * `observability` stage can measure what metrics cost (docs/operations.md, "Metrics and alerts").
 */
export const metricsEnabled = process.env.METRICS !== 'off';

// Their event-loop delay histogram and GC observer run all the time: off with the rest.
if (metricsEnabled) collectDefaultMetrics({ register: registry, prefix: 'devpie_' });

type Labels = Record<string, string>;

/** One value of a family read at scrape time. */
export interface Reading {
  labels: Labels;
  value: number;
}

/** What a running role reports when scraped: some of the families below, by key. */
export type Readings = Partial<Record<ReadKey, Reading[]>>;

const sources = new Set<() => Readings>();
/**
 * Counters of incarnations that are gone (a role restarted in place starts its stats at 0): kept
 * so a counter never goes down while the process lives.
 */
const retired = new Map<ReadKey, Map<string, Reading>>();

const labelKey = (labels: Labels): string =>
  JSON.stringify(Object.entries(labels).sort(([a], [b]) => a.localeCompare(b)));

function read(source: () => Readings): Readings {
  try {
    return source();
  } catch {
    // A scrape must not fail for one role's bad moment; its families are simply absent this time.
    return {};
  }
}

/**
 * Reports a role's readings until the returned function is called (its stop). Call that first
 * thing in stop(): a failed incarnation that hangs while stopping must not report beside its
 * successor.
 */
export function report(source: () => Readings): () => void {
  sources.add(source);
  return () => {
    if (!sources.delete(source)) return;
    const last = read(source);
    for (const key of COUNTER_KEYS) {
      const kept = retired.get(key) ?? new Map<string, Reading>();
      for (const r of last[key] ?? []) {
        const k = labelKey(r.labels);
        const before = kept.get(k);
        kept.set(k, { labels: r.labels, value: (before?.value ?? 0) + r.value });
      }
      retired.set(key, kept);
    }
  };
}

function readingsOf(key: ReadKey): Reading[] {
  const out = new Map<string, Reading>();
  const add = (r: Reading) => {
    const k = labelKey(r.labels);
    const before = out.get(k);
    out.set(k, { labels: r.labels, value: (before?.value ?? 0) + r.value });
  };
  for (const r of retired.get(key)?.values() ?? []) add(r);
  for (const source of sources) for (const r of read(source)[key] ?? []) add(r);
  return [...out.values()];
}

function scrapedGauge(key: ReadKey, name: string, help: string, labelNames: string[]): Gauge {
  return new Gauge({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of readingsOf(key)) this.inc(r.labels, r.value);
    },
  });
}

function scrapedCounter(key: ReadKey, name: string, help: string, labelNames: string[]): Counter {
  return new Counter({
    name,
    help,
    labelNames,
    registers: [registry],
    collect() {
      this.reset();
      for (const r of readingsOf(key)) this.inc(r.labels, Math.max(0, r.value));
    },
  });
}

/** Families read at scrape time, by the key a role reports them under. */
const GAUGES = {
  projectorLagEntries: [
    'devpie_projector_lag_entries',
    'Log entries a projector has not applied yet: the log head it knows minus its checkpoint.',
    ['projector', 'category'],
  ],
  projectorLagSeconds: [
    'devpie_projector_lag_seconds',
    'How long a projector that is behind has been behind: now minus the later of its last applied entry and the last time it was caught up; 0 when caught up.',
    ['projector', 'category'],
  ],
  projectorPosition: [
    'devpie_projector_position',
    'The log position a projector has applied up to (its checkpoint).',
    ['projector', 'category'],
  ],
  parkedEntries: [
    'devpie_parked_entries',
    'Entries parked (set aside as unreadable or unappliable) and not yet repaired, per consumer.',
    ['consumer', 'role'],
  ],
  writerLeaseHeld: [
    'devpie_writer_lease_held',
    "1 while this process holds the category's writer lease (replaying or taking commands), 0 while it stands by.",
    ['category'],
  ],
  dispatcherInFlight: [
    'devpie_dispatcher_in_flight',
    'Process commands the dispatcher holds: running now, or queued in its fair scheduler for a slot.',
    ['state'],
  ],
} as const satisfies Record<string, readonly [string, string, readonly string[]]>;

const COUNTERS = {
  projectorEntries: [
    'devpie_projector_entries_total',
    'Log entries a projector has applied (events, refusals, fences, parked ones).',
    ['projector', 'category'],
  ],
  projectorEvents: [
    'devpie_projector_events_total',
    'Events a projector has applied to its views (duplicates skipped).',
    ['projector', 'category'],
  ],
  projectorRetries: [
    'devpie_projector_retries_total',
    'Batches a projector tried again after a Postgres connection failure.',
    ['projector', 'category'],
  ],
  dispatcherCommands: [
    'devpie_dispatcher_commands_total',
    'Process commands the dispatcher finished: dispatched to Temporal, or refused (recorded as a rejection).',
    ['result'],
  ],
  dispatcherFailures: [
    'devpie_dispatcher_failures_total',
    'Process commands whose dispatch failed unexpectedly: left unacknowledged, the log offers them again.',
    [],
  ],
  dispatcherRetries: [
    'devpie_dispatcher_retries_total',
    'Transient failures (Temporal or Postgres unreachable) the dispatcher retried in place.',
    [],
  ],
  reactorRetries: [
    'devpie_reactor_retries_total',
    'Reactions that failed and are tried again after a pause.',
    ['reaction'],
  ],
  reactorHandled: [
    'devpie_reactor_handled_total',
    'Events a reactor handled successfully.',
    ['reaction'],
  ],
  roleRestarts: [
    'devpie_role_restarts_total',
    'Times a role was restarted in place after it could not go on (platform/runtime/supervisor.ts).',
    ['role'],
  ],
} as const satisfies Record<string, readonly [string, string, readonly string[]]>;

type ReadKey = keyof typeof GAUGES | keyof typeof COUNTERS;
const COUNTER_KEYS = Object.keys(COUNTERS) as Array<keyof typeof COUNTERS>;

for (const [key, [name, help, labels]] of Object.entries(GAUGES))
  scrapedGauge(key as ReadKey, name, help, [...labels]);
for (const [key, [name, help, labels]] of Object.entries(COUNTERS))
  scrapedCounter(key as ReadKey, name, help, [...labels]);

/** Observed on the way, where it happens. */
const recorders = () => ({
  httpDuration: new Histogram({
    name: 'devpie_http_request_duration_seconds',
    help: "HTTP requests' duration, by method, route (its path template, never the raw path) and status.",
    labelNames: ['method', 'route', 'status'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  commandsAccepted: new Counter({
    name: 'devpie_commands_accepted_total',
    help: 'Commands a component accepted (its events appended), by category and command type.',
    labelNames: ['category', 'type'],
    registers: [registry],
  }),
  commandsRefused: new Counter({
    name: 'devpie_commands_refused_total',
    help: 'Commands a component refused (a rejection appended), by category, command type and code.',
    labelNames: ['category', 'type', 'code'],
    registers: [registry],
  }),
  writeToVisible: new Histogram({
    name: 'devpie_write_to_visible_seconds',
    help: "From sending a command to its outcome being visible in the views (the sender's wait), by category and outcome (accepted, rejected, or unseen when the wait ran out).",
    labelNames: ['category', 'outcome'],
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  }),
  projectorBatchEntries: new Histogram({
    name: 'devpie_projector_batch_entries',
    help: 'Log entries per batch a projector committed.',
    labelNames: ['projector', 'category'],
    buckets: [1, 2, 5, 10, 25, 50, 100, 250, 500, 1000],
    registers: [registry],
  }),
  projectorBatchDuration: new Histogram({
    name: 'devpie_projector_batch_duration_seconds',
    help: "A projector's batch from taking it to its commit (retries included).",
    labelNames: ['projector', 'category'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  }),
});

type Recorders = ReturnType<typeof recorders>;

const ignore = (): void => undefined;
/** What the hosts call with metrics off: only the calls they make, each doing nothing. */
const NO_RECORDER = { inc: ignore, observe: ignore, startTimer: () => ignore };

export const metrics: Recorders = metricsEnabled
  ? recorders()
  : // Every family answers with the do-nothing recorder; reading them back is for tests, with metrics on.
    (new Proxy({}, { get: () => NO_RECORDER }) as Recorders);

/** The text a scrape gets. */
export const exposition = (): Promise<string> => registry.metrics();
export const contentType = registry.contentType;

/**
 * Every series name the registry can expose (a histogram's `_bucket`, `_sum` and `_count`), for
 * checking that alerts and dashboards name only metrics that exist.
 */
export async function seriesNames(): Promise<string[]> {
  const families = await registry.getMetricsAsJSON();
  return families.flatMap((f) =>
    String(f.type) === 'histogram'
      ? [`${f.name}_bucket`, `${f.name}_sum`, `${f.name}_count`]
      : String(f.type) === 'summary'
        ? [f.name, `${f.name}_sum`, `${f.name}_count`]
        : [f.name],
  );
}
