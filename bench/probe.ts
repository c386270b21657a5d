/**
 * Preloaded into the system under test (`node -r dist/bench/probe.js dist/main.js all`) to time
 * what the product does without changing it: every Postgres statement and each projector
 * transaction (BEGIN → COMMIT), waits for a pooled connection, every STAN publish until its ack,
 * how long STAN took to deliver a stored message, and the event loop's delay. The bench asks for
 * the figures over IPC after each workload; asking resets them.
 */
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { Client as PgClient, Pool as PgPool } from 'pg';
import { Connection as TemporalConnection } from '@temporalio/client';
import { profileStart, profileStop, type ProfileSummary } from './profile';
import { errorMessage, now, statementKind, summarize, type Summary } from './util';

export type { ProfileSummary };

// eslint-disable-next-line @typescript-eslint/no-require-imports -- `connect` is replaced on the module object itself (below), which an ES import of this CommonJS module would copy
const stanModule = require('node-nats-streaming') as typeof import('node-nats-streaming');

export interface ProbeStats {
  seconds: number;
  cpuCores: number;
  eventLoopDelayMs: { p50: number; p99: number; max: number };
  timings: Record<string, Summary & { totalMs: number }>;
  /** One small real instance of each view-writing statement, for EXPLAIN after the run. */
  examples: Record<string, { text: string; values: unknown[] }>;
}

const examples: Record<string, { text: string; values: unknown[] }> = {};

let samples: Record<string, number[]> = {};
let since = now();
let cpuSince = process.cpuUsage();
// The histogram records the time between timer ticks, so it includes the resolution: subtract it.
const RESOLUTION_MS = 2;
const loop = monitorEventLoopDelay({ resolution: RESOLUTION_MS });
loop.enable();

// Statement texts repeat (parameters travel apart): name each text once, not on every query.
const kinds = new Map<string, string>();
const kindOf = (text: string): string => {
  let k = kinds.get(text);
  if (k === undefined) {
    k = statementKind(text);
    if (kinds.size < 5000) kinds.set(text, k);
  }
  return k;
};

const record = (key: string, ms: number): void => {
  (samples[key] ??= []).push(ms);
};

// Postgres statements, and transactions as BEGIN → COMMIT on one connection (only the projector uses them).
type Callback = (err: Error | null, res?: unknown) => void;
const clientProto = PgClient.prototype as unknown as { query: (...a: unknown[]) => unknown };
const query = clientProto.query;
clientProto.query = function (
  this: { __txStart?: number },
  config: unknown,
  values?: unknown,
  cb?: unknown,
) {
  const text =
    typeof config === 'string' ? config : (config as { text?: string; submit?: unknown })?.text;
  if (!text || typeof (config as { submit?: unknown })?.submit === 'function')
    return query.call(this, config, values, cb);
  const kind = kindOf(text);
  if (
    /^(UPDATE|INSERT) /.test(kind) &&
    !examples[kind] &&
    Array.isArray(values) &&
    JSON.stringify(values).length < 20_000
  ) {
    examples[kind] = { text, values };
  }
  // The projector sends its batch's last writes and the COMMIT as one query.
  const commits = kind === 'COMMIT' || kind === 'ROLLBACK' || /;\s*COMMIT\s*;?\s*$/i.test(text);
  const t = now();
  if (kind === 'BEGIN') this.__txStart = t;
  const done = () => {
    const end = now();
    record(`pg ${kind}`, end - t);
    if (commits && this.__txStart !== undefined) {
      record('projector transaction (BEGIN..COMMIT)', end - this.__txStart);
      this.__txStart = undefined;
    }
  };
  if (typeof values === 'function')
    return query.call(this, config, (e: Error | null, r?: unknown) => {
      done();
      (values as Callback)(e, r);
    });
  if (typeof cb === 'function')
    return query.call(this, config, values, (e: Error | null, r?: unknown) => {
      done();
      (cb as Callback)(e, r);
    });
  const p = query.call(this, config, values) as Promise<unknown>;
  p.then(done, done);
  return p;
};

// Waiting for a pooled connection. The app's reads and the projector's transactions share one pool
// in `all` mode; pool.query() takes its connection with a callback, inTransaction() with a promise.
const poolProto = PgPool.prototype as unknown as { connect: (...a: unknown[]) => unknown };
const connect = poolProto.connect;
poolProto.connect = function (cb?: unknown) {
  const t = now();
  if (typeof cb === 'function') {
    return connect.call(this, (err: Error | null, client: unknown, release: unknown) => {
      record('pg pool wait (pool.query)', now() - t);
      (cb as (...a: unknown[]) => void)(err, client, release);
    });
  }
  const p = connect.call(this) as Promise<unknown>;
  p.then(
    () => record('pg pool wait (transaction)', now() - t),
    () => undefined,
  );
  return p;
};

// STAN: publish → ack, and stored → delivered, by channel kind.
const channelKind = (subject: string): string =>
  subject.endsWith('.command')
    ? 'command'
    : subject.endsWith('.event')
      ? 'event'
      : subject.endsWith('.process')
        ? 'process'
        : 'other';
const connectStan = stanModule.connect;
(stanModule as { connect: typeof connectStan }).connect = (
  ...args: Parameters<typeof connectStan>
) => {
  const sc = connectStan(...args);
  const publish = sc.publish.bind(sc);
  sc.publish = (
    subject: string,
    data: string | Buffer,
    ack?: (err: Error | undefined, guid: string) => void,
  ) => {
    const t = now();
    if (!ack) return publish(subject, data);
    return publish(subject, data, (err: Error | undefined, guid: string) => {
      record(`stan publish→ack ${channelKind(subject)}`, now() - t);
      ack(err, guid);
    });
  };
  const subscribe = sc.subscribe.bind(sc) as (
    ...a: unknown[]
  ) => import('node-nats-streaming').Subscription;
  (sc as { subscribe: unknown }).subscribe = (subject: string, ...rest: unknown[]) => {
    const sub = subscribe(subject, ...rest);
    const emit = sub.emit.bind(sub);
    sub.emit = ((event: string, ...a: unknown[]) => {
      const m = a[0] as import('node-nats-streaming').Message | undefined;
      if (event === 'message' && m && !m.isRedelivered())
        record(
          `stan stored→delivered ${channelKind(subject)}`,
          Date.now() - m.getTimestampRaw() / 1e6,
        );
      return emit(event, ...a);
    }) as typeof sub.emit;
    return sub;
  };
  return sc;
};

// Temporal, as the dispatcher's client sees it: each call's round trip (a start until the server
// has the run; an Update until its handler's result is back, which includes the workflow task that
// ran the handler on the worker).
const TEMPORAL_CALLS = [
  'startWorkflowExecution',
  'updateWorkflowExecution',
  'pollWorkflowExecutionUpdate',
  'signalWorkflowExecution',
];
const connectTemporal = TemporalConnection.connect;
(TemporalConnection as { connect: typeof connectTemporal }).connect = async function (
  this: unknown,
  ...args: Parameters<typeof connectTemporal>
) {
  const connection = await connectTemporal.apply(this as typeof TemporalConnection, args);
  const service = connection.workflowService as unknown as Record<
    string,
    (...a: unknown[]) => unknown
  >;
  for (const name of TEMPORAL_CALLS) {
    const call = service[name];
    if (typeof call !== 'function') continue;
    service[name] = function (this: unknown, ...a: unknown[]) {
      const t = now();
      const p = call.apply(this, a) as Promise<unknown> | undefined;
      p?.then?.(
        () => record(`temporal ${name}`, now() - t),
        () => record(`temporal ${name} (failed)`, now() - t),
      );
      return p;
    };
  }
  return connection;
};

const lag = (ns: number): number => Math.max(0, Math.round((ns / 1e6 - RESOLUTION_MS) * 100) / 100);

function take(): ProbeStats {
  const t = now();
  const cpu = process.cpuUsage(cpuSince);
  const stats: ProbeStats = {
    seconds: Math.round(t - since) / 1000,
    cpuCores: Math.round(((cpu.user + cpu.system) / 1000 / (t - since)) * 100) / 100,
    eventLoopDelayMs: {
      p50: lag(loop.percentile(50)),
      p99: lag(loop.percentile(99)),
      max: lag(loop.max),
    },
    timings: Object.fromEntries(
      Object.entries(samples)
        .sort((a, b) => a[0].localeCompare(b[0]))
        .map(([k, v]) => [
          k,
          { ...summarize(v), totalMs: Math.round(v.reduce((n, x) => n + x, 0)) },
        ]),
    ),
    examples,
  };
  samples = {};
  since = t;
  cpuSince = process.cpuUsage();
  loop.reset();
  return stats;
}

if (process.send) {
  process.on('message', (m: { type?: string; id?: number }) => {
    if (m?.type === 'probe:take') process.send!({ type: 'probe:stats', id: m.id, stats: take() });
    if (m?.type === 'probe:profile-start') {
      profileStart().then(
        () => process.send!({ type: 'probe:profile', id: m.id, summary: null }),
        (err: unknown) =>
          process.send!({
            type: 'probe:profile',
            id: m.id,
            summary: null,
            error: errorMessage(err),
          }),
      );
    }
    if (m?.type === 'probe:profile-stop') {
      profileStop().then(
        (summary) => process.send!({ type: 'probe:profile', id: m.id, summary }),
        (err: unknown) =>
          process.send!({
            type: 'probe:profile',
            id: m.id,
            summary: null,
            error: errorMessage(err),
          }),
      );
    }
  });
  process.channel?.unref();
}
