import type { PoolClient } from 'pg';
import { MIGRATIONS } from '../main';
import { identityProjection } from '../projectors/identity';
import { decodeEntry } from '../platform/eventlog/entries';
import type { Delivery, EventLog } from '../platform/eventlog/port';
import { ProjectorHost, type Applier, type Projection } from '../platform/hosts/projectorHost';
import { migrate } from '../platform/postgres/migrate';
import { PostgresLeases } from '../platform/postgres/lease';
import { createPool } from '../platform/postgres/pool';
import { coresUsed, cpuSnapshot } from './cpu';
import { openLog, type BenchLog } from './logs';
import { profileStart, profileStop, type ProfileSummary } from './profile';
import { dropDatabase, freshDatabase, log, now, round, statementKind } from './util';

export interface RebuildOptions {
  label: string;
  /** The log the channel is on. */
  log: BenchLog;
  prefix: string;
  endPosition: number;
  baseDatabaseUrl: string;
  database: string;
  batchSize: number;
  maxInFlight: number;
  timeoutMs: number;
  /** The projection to rebuild; identity's by default. */
  projection?: Projection;
  /** View tables to count rows of afterwards (schema-qualified); identity.users by default. */
  viewTables?: string[];
  /** Profile this process's CPU while replaying (slows the replay a little). */
  profile?: boolean;
}

export interface RebuildResult {
  label: string;
  channel: string;
  entries: number;
  events: number;
  seconds: number;
  eventsPerSec: number;
  batches: number;
  eventsPerBatch: number;
  usersInView: number;
  /** Rows in each view table after the rebuild. */
  viewRows: Record<string, number>;
  /** Time inside the projection's applier (fold + diff in Node, plus its own statements). */
  applier: { totalMs: number; postgresMs: number; nodeMs: number };
  /** Time the projector spent waiting on Postgres, per statement kind (sum of round trips). */
  postgres: {
    totalMs: number;
    share: number;
    byStatement: Record<string, { count: number; ms: number }>;
  };
  /** Parsing and validating every entry once, measured apart: the projector's JSON cost. */
  decodeMs: number;
  /** Cores busy while replaying, by process group (this process runs the projector). */
  cpuCores: Record<string, number>;
  /** When the last entry had been delivered by the log (deliveries wait for acks after commits). */
  lastDeliveryAtMs: number;
  /** Where this process's CPU went while replaying, when asked for. */
  profile: ProfileSummary | null;
}

/**
 * Replays a channel from zero into empty views: a fresh database, the product's migrations, the
 * product's ProjectorHost (its own lease: leases are advisory locks, per database), timed until
 * its checkpoint reaches the channel's end.
 */
export async function rebuild(o: RebuildOptions): Promise<RebuildResult> {
  const url = await freshDatabase(o.baseDatabaseUrl, o.database);
  await migrate(url, MIGRATIONS);
  const pool = createPool(url, 4);
  const projection = o.projection ?? identityProjection;
  const viewTables = o.viewTables ?? ['identity.users'];
  const byStatement: Record<string, { count: number; ms: number }> = {};
  // Statements the applier sends (its reads and writes of the views) are also summed apart.
  let inApply = false;
  let applyPgMs = 0;
  let applyMs = 0;
  pool.on('connect', (client: PoolClient) => {
    const query = client.query.bind(client) as (...args: unknown[]) => unknown;
    (client as unknown as { query: (...args: unknown[]) => unknown }).query = (
      ...args: unknown[]
    ) => {
      const text =
        typeof args[0] === 'string' ? args[0] : ((args[0] as { text?: string })?.text ?? '?');
      const t = now();
      const applying = inApply;
      const result = query(...args);
      if (result && typeof (result as Promise<unknown>).then === 'function') {
        const done = () => {
          const k = statementKind(text);
          const s = (byStatement[k] ??= { count: 0, ms: 0 });
          s.count++;
          s.ms += now() - t;
          if (applying) applyPgMs += now() - t;
        };
        (result as Promise<unknown>).then(done, done);
      }
      return result;
    };
  });
  const leases = new PostgresLeases(url);
  const eventLog = await openLog(o.log, {
    prefix: o.prefix,
    name: `${o.prefix}rebuild-${o.label}`,
    leases,
  });

  // Watches deliveries on their way to the projector, without changing them.
  const bodies: Array<{ position: number; body: string }> = [];
  let lastDelivery = 0;
  const tap: EventLog = Object.create(eventLog) as EventLog;
  tap.subscribe = (category, kindName, options, handler) =>
    eventLog.subscribe(category, kindName, options, (d: Delivery) => {
      if (d.position <= o.endPosition && !d.redelivered) {
        bodies.push({ position: d.position, body: d.body });
        if (d.position === o.endPosition) lastDelivery = now();
      }
      handler(d);
    });

  let fatal: ((err: Error) => void) | undefined;
  const failed = new Promise<never>((_, reject) => (fatal = reject));
  // The product's applier, timed from outside.
  const timed: Projection = {
    ...projection,
    applier: (schema) => {
      const inner: Applier = projection.applier(schema);
      return {
        async apply(tx, events) {
          const t = now();
          inApply = true;
          try {
            await inner.apply(tx, events);
          } finally {
            inApply = false;
            applyMs += now() - t;
          }
        },
        committed: () => inner.committed?.(),
        discarded: () => inner.discarded?.(),
      };
    },
  };
  const host = new ProjectorHost(tap, pool, leases, timed, {
    batchSize: o.batchSize,
    maxInFlight: o.maxInFlight,
    onFatal: (err) => fatal?.(err),
  });
  const named = { [String(process.pid)]: 'benchProjector' };
  const cpu0 = cpuSnapshot(named);
  if (o.profile) await profileStart();
  const t0 = now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      (async () => {
        await host.start();
        await host.waitFor(o.endPosition);
      })(),
      failed,
      new Promise<never>(
        (_, reject) =>
          (timer = setTimeout(
            () =>
              reject(
                new Error(
                  `rebuild ${o.label} did not reach ${o.endPosition} in ${o.timeoutMs} ms (at ${host.position})`,
                ),
              ),
            o.timeoutMs,
          )),
      ),
    ]);
  } finally {
    clearTimeout(timer);
  }
  const elapsed = now() - t0;
  const cpuCores = coresUsed(cpu0, cpuSnapshot(named));
  const profile = o.profile ? await profileStop() : null;
  const stats = { ...host.stats };
  await host.stop();
  await eventLog.close();
  const viewRows: Record<string, number> = {};
  for (const table of viewTables) {
    const { rows } = await pool.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`);
    viewRows[table] = Number(rows[0]!.n);
  }
  await pool.end();
  await dropDatabase(o.baseDatabaseUrl, o.database);

  const td = now();
  for (const b of bodies) decodeEntry(projection.category, b.position, b.body);
  const decodeMs = now() - td;

  const pgMs = Object.values(byStatement).reduce((n, s) => n + s.ms, 0);
  const result: RebuildResult = {
    label: o.label,
    channel: `${o.prefix}${projection.category}.event`,
    entries: stats.entries,
    events: stats.events,
    seconds: round(elapsed / 1000, 3),
    eventsPerSec: Math.round((stats.events * 1000) / elapsed),
    batches: stats.batches,
    eventsPerBatch: stats.batches ? round(stats.events / stats.batches, 1) : 0,
    usersInView: viewRows['identity.users'] ?? 0,
    viewRows,
    applier: {
      totalMs: Math.round(applyMs),
      postgresMs: Math.round(applyPgMs),
      nodeMs: Math.round(applyMs - applyPgMs),
    },
    postgres: {
      totalMs: Math.round(pgMs),
      share: round(pgMs / elapsed, 3),
      byStatement: Object.fromEntries(
        Object.entries(byStatement)
          .sort((x, y) => y[1].ms - x[1].ms)
          .map(([k, s]) => [k, { count: s.count, ms: Math.round(s.ms) }]),
      ),
    },
    decodeMs: Math.round(decodeMs),
    cpuCores,
    lastDeliveryAtMs: lastDelivery ? Math.round(lastDelivery - t0) : -1,
    profile,
  };
  log('rebuild', {
    label: o.label,
    events: result.events,
    eventsPerSec: result.eventsPerSec,
    seconds: result.seconds,
  });
  return result;
}
