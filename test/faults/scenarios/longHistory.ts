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
    const started = Date.now();
    const proc = await sys.start(['projects-component', 'projects-projector'], {
      STAN_URL: stan.url,
      STAN_CLUSTER_ID: stan.clusterId,
      LOG_LEVEL: 'info',
    });
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
    const lostLines = proc
      .output()
      .split('\n')
      .filter((l) => /lost|cannot go on|heartbeat failed|restarting it in place/.test(l));
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
      peakRssMiB: Math.max(peak, memory.peak),
      lostLines,
      sawCatchingUp: watch.sawStatus('catching up'),
      notes: {
        'events in the log': seeded.events,
        boards: seeded.boards,
        'seeded in (s)': seeded.seconds,
        'ready after (ms)': readyAfterMs,
        'memory when ready (MiB)': memory.rss,
        'peak memory (MiB)': Math.max(peak, memory.peak),
        'memory per 100k events (MiB)': perHundredK(memory.rss),
        'said catching up': watch.sawStatus('catching up'),
        'leases or connections lost': lostLines.length,
      },
    };
  } finally {
    await sys.stop();
    await stan.remove();
  }
}
