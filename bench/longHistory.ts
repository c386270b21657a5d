/**
 * The projects roles started on a log that already holds a long history: how long until the
 * component takes commands, and how much memory that took. Shared by the bench (`history` stage)
 * and the fault scenario `long-history` (test/faults/scenarios/longHistory.ts), which start the
 * roles their own way.
 */
import { readFileSync } from 'node:fs';
import { Client } from 'pg';
import { seedProjectEvents } from './projectSeed';
import { stanLog } from './logs';

/** A process running the roles, however its caller starts it. */
export interface HistoryProcess {
  pid: number | undefined;
  port: number;
  output(): string;
  waitReady(timeoutMs: number): Promise<void>;
  /** Stops it (SIGTERM) and resolves once it has exited. */
  stop(): Promise<void>;
}

export interface LongHistoryRestart {
  events: number;
  boards: number;
  seedSeconds: number;
  readyAfterMs: number;
  /** Resident memory of the process when it was ready, at its peak, and per 100,000 events (MiB). */
  rssMiB: number;
  peakRssMiB: number;
  mibPer100kEvents: number;
  /** Log lines that say a lease or a connection was lost while it caught up. */
  lostLines: string[];
  sawCatchingUp: boolean;
  /** When the component's first flush (snapshots, handled ids, checkpoint) was done, after ready. */
  flushedAfterMs: number | null;
  /** The same roles started again from that checkpoint (null: no checkpoint came). */
  fromCheckpoint: { readyAfterMs: number; rssMiB: number; peakRssMiB: number } | null;
}

/** The roles a restart replays the history into: the category's writer and its views. */
export const LONG_HISTORY_ROLES = ['projects-component', 'projects-projector'];

export function memoryOf(pid: number | undefined): { rss: number; peak: number } {
  if (pid === undefined) return { rss: 0, peak: 0 };
  let status: string;
  try {
    status = readFileSync(`/proc/${pid}/status`, 'utf8');
  } catch {
    return { rss: 0, peak: 0 };
  }
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
}

/** Whether `/readyz` says `catching up` (the replay reports its position meanwhile). */
async function catchingUp(port: number): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(3000),
    });
    return ((await res.json()) as { status?: string }).status === 'catching up';
  } catch {
    return false;
  }
}

/**
 * Seeds `events` board events (the product's own decider, through the category's writer) on the
 * channels of `prefix`, then starts the projects roles with `start` and waits for them to be ready.
 */
export async function restartOnLongHistory(o: {
  stan: { url: string; clusterId: string };
  prefix: string;
  databaseUrl: string;
  events: number;
  start(roles: string[], env: Record<string, string>): Promise<HistoryProcess>;
  /** Called between seeding and the restart (the bench waits there for a quiet machine). */
  beforeRestart?: () => Promise<void>;
  readyWithinMs?: number;
}): Promise<LongHistoryRestart> {
  const seeded = await seedProjectEvents({
    log: stanLog(o.stan),
    prefix: o.prefix,
    databaseUrl: o.databaseUrl,
    events: o.events,
    // About the size of the boards the HTTP workload grows: a few columns, a hundred-odd tasks.
    boards: Math.max(1, Math.round(o.events / 130)),
    window: 512,
    owner: 'auth0|long-history',
  });
  await o.beforeRestart?.();
  const env = {
    STAN_URL: o.stan.url,
    STAN_CLUSTER_ID: o.stan.clusterId,
    // info: the lines that say a lease or a connection was lost are what is looked for.
    LOG_LEVEL: 'info',
  };
  const first = await startAndWatch(o, env);
  const { proc, readyAfterMs, memory, peak, sawCatchingUp } = first;
  const lostLines = proc
    .output()
    .split('\n')
    .filter((l) => /lost|cannot go on|heartbeat failed|restarting it in place/.test(l));
  // The component flushes what the replay folded in the background once it takes commands; a
  // restart after that replays only what came after its checkpoint.
  const flushedAfterMs = await checkpointWithin(o.databaseUrl, `${o.prefix}project`, 300_000);
  await proc.stop();
  let fromCheckpoint: LongHistoryRestart['fromCheckpoint'] = null;
  if (flushedAfterMs !== null) {
    const again = await startAndWatch(o, env);
    await again.proc.stop();
    fromCheckpoint = {
      readyAfterMs: again.readyAfterMs,
      rssMiB: again.memory.rss,
      peakRssMiB: again.peak,
    };
  }
  return {
    events: seeded.events,
    boards: seeded.boards,
    seedSeconds: seeded.seconds,
    readyAfterMs,
    rssMiB: memory.rss,
    peakRssMiB: Math.max(peak, memory.peak),
    mibPer100kEvents: Math.round((memory.rss * 100_000) / seeded.events),
    lostLines,
    sawCatchingUp,
    flushedAfterMs,
    fromCheckpoint,
  };
}

/** Starts the roles and waits for them to be ready, sampling memory and `/readyz` meanwhile. */
async function startAndWatch(
  o: {
    start(roles: string[], env: Record<string, string>): Promise<HistoryProcess>;
    readyWithinMs?: number;
  },
  env: Record<string, string>,
) {
  const started = Date.now();
  const proc = await o.start(LONG_HISTORY_ROLES, env);
  let peak = 0;
  let sawCatchingUp = false;
  let watching = true;
  const watch = (async () => {
    while (watching) {
      peak = Math.max(peak, memoryOf(proc.pid).peak);
      if (!sawCatchingUp) sawCatchingUp = await catchingUp(proc.port);
      await new Promise((r) => setTimeout(r, 250));
    }
  })();
  try {
    await proc.waitReady(o.readyWithinMs ?? 600_000);
  } finally {
    watching = false;
    await watch;
  }
  const readyAfterMs = Date.now() - started;
  const memory = memoryOf(proc.pid);
  return { proc, readyAfterMs, memory, peak: Math.max(peak, memory.peak), sawCatchingUp };
}

/** Waits for the category's first snapshot checkpoint; how long it took, or null. */
async function checkpointWithin(
  databaseUrl: string,
  category: string,
  timeoutMs: number,
): Promise<number | null> {
  const db = new Client({ connectionString: databaseUrl });
  await db.connect();
  try {
    const started = Date.now();
    while (Date.now() - started < timeoutMs) {
      const { rows } = await db.query(
        'SELECT 1 FROM platform.snapshot_checkpoints WHERE category = $1',
        [category],
      );
      if (rows.length > 0) return Date.now() - started;
      await new Promise((r) => setTimeout(r, 500));
    }
    return null;
  } finally {
    await db.end();
  }
}
