import { readFileSync } from 'node:fs';
import { seedProjectEvents } from '../../../bench/projectSeed';
import { startPrivateStan } from '../../support/stanServer';
import { startTestSystem } from '../../support/system';
import type { FaultReport } from '../report';
import { watchReadiness } from '../readiness';

/** What the restart on a long history showed, besides the table row. */
export interface LongHistoryResult extends FaultReport {
  events: number;
  readyAfterMs: number | null;
  /** Resident memory of the process when it was ready, and at its peak (MiB). */
  rssMiB: number;
  peakRssMiB: number;
  /** Log lines that say a lease or a connection was lost while it caught up. */
  lostLines: string[];
  sawCatchingUp: boolean;
  /** The same roles started again once the component flushed its snapshots (null: no checkpoint came). */
  restart: { readyAfterMs: number; rssMiB: number; peakRssMiB: number } | null;
}

const memoryOf = (pid: number | undefined): { rss: number; peak: number } => {
  if (pid === undefined) return { rss: 0, peak: 0 };
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0);
  return { rss: Math.round(kib('VmRSS') / 1024), peak: Math.round(kib('VmHWM') / 1024) };
};

/**
 * The projects roles started on a log that already holds `events` board events (written by the
 * product's own decider through the category's writer): how long until the component takes
 * commands, how much memory that took, and whether any lease or connection was lost meanwhile.
 */
export async function longHistory(o: { events?: number } = {}): Promise<LongHistoryResult> {
  const events = o.events ?? 500_000;
  const stan = await startPrivateStan('devpie-long');
  const sys = await startTestSystem();
  try {
    const seeded = await seedProjectEvents({
      stanUrl: stan.url,
      clusterId: stan.clusterId,
      prefix: sys.prefix,
      databaseUrl: sys.db.url,
      events,
      boards: Math.max(1, Math.round(events / 130)),
      window: 512,
      owner: 'auth0|long-history',
    });
    const env = { STAN_URL: stan.url, STAN_CLUSTER_ID: stan.clusterId, LOG_LEVEL: 'info' };
    const startRoles = async () => {
      const started = Date.now();
      const proc = await sys.start(['projects-component', 'projects-projector'], env);
      const watch = watchReadiness(proc.port, 250);
      let peak = 0;
      const sampler = setInterval(() => {
        peak = Math.max(peak, memoryOf(proc.child.pid).peak);
      }, 500);
      try {
        await proc.waitReady(600_000);
      } finally {
        clearInterval(sampler);
        await watch.stop();
      }
      const readyAfterMs = Date.now() - started;
      const memory = memoryOf(proc.child.pid);
      return { proc, watch, readyAfterMs, memory, peak: Math.max(peak, memory.peak) };
    };
    const first = await startRoles();
    const { proc, watch, readyAfterMs, memory, peak } = first;
    const lostLines = proc
      .output()
      .split('\n')
      .filter((l) => /lost|cannot go on|heartbeat failed|restarting it in place/.test(l));
    // The component flushes what the replay folded (snapshots, handled ids, a checkpoint) in the
    // background once it takes commands; then a restart replays only what came after.
    const checkpointed = async (): Promise<boolean> => {
      const { rows } = await sys.db.pool.query(
        'SELECT 1 FROM platform.snapshot_checkpoints WHERE category = $1',
        [`${sys.prefix}project`],
      );
      return rows.length > 0;
    };
    const flushStarted = Date.now();
    let flushedAfterMs: number | null = null;
    while (Date.now() - flushStarted < 300_000) {
      if (await checkpointed()) {
        flushedAfterMs = Date.now() - flushStarted;
        break;
      }
      await new Promise((r) => setTimeout(r, 500));
    }
    let restart: LongHistoryResult['restart'] = null;
    if (flushedAfterMs !== null) {
      await proc.kill('SIGTERM');
      const again = await startRoles();
      restart = {
        readyAfterMs: again.readyAfterMs,
        rssMiB: again.memory.rss,
        peakRssMiB: again.peak,
      };
    }
    const perHundredK = (mib: number) => Math.round((mib * 100_000) / seeded.events);
    return {
      fault: `restart on a log of ${seeded.events} events`,
      sent: 0,
      acknowledged: 0,
      found: 0,
      lost: 0,
      doubled: 0,
      recoverMs: readyAfterMs,
      events: seeded.events,
      readyAfterMs,
      rssMiB: memory.rss,
      peakRssMiB: peak,
      lostLines,
      sawCatchingUp: watch.sawStatus('catching up'),
      restart,
      notes: {
        'events in the log': seeded.events,
        boards: seeded.boards,
        'seeded in (s)': seeded.seconds,
        'ready after (ms)': readyAfterMs,
        'memory when ready (MiB)': memory.rss,
        'peak memory (MiB)': peak,
        'memory per 100k events (MiB)': perHundredK(memory.rss),
        'said catching up': watch.sawStatus('catching up'),
        'leases or connections lost': lostLines.length,
        'first flush done after ready (ms)': flushedAfterMs ?? 'none',
        'restart from the checkpoint: ready after (ms)': restart?.readyAfterMs ?? 'none',
        'restart from the checkpoint: memory when ready (MiB)': restart?.rssMiB ?? 'none',
        'restart from the checkpoint: peak memory (MiB)': restart?.peakRssMiB ?? 'none',
      },
    };
  } finally {
    await sys.stop();
    await stan.remove();
  }
}
