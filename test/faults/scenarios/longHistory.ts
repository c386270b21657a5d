import { restartOnLongHistory } from '../../../bench/longHistory';
import { startPrivateStan } from '../../support/stanServer';
import { startTestSystem } from '../../support/system';
import type { FaultReport } from '../report';

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

/**
 * The projects roles started on a log that already holds `events` board events (written by the
 * product's own decider through the category's writer): how long until the component takes
 * commands, how much memory that took, and whether any lease or connection was lost meanwhile.
 * The measurement is the bench's `history` stage's (bench/longHistory.ts), on servers of its own.
 */
export async function longHistory(o: { events?: number } = {}): Promise<LongHistoryResult> {
  const stan = await startPrivateStan('devpie-long');
  const sys = await startTestSystem();
  try {
    const r = await restartOnLongHistory({
      stan,
      prefix: sys.prefix,
      databaseUrl: sys.db.url,
      events: o.events ?? 500_000,
      start: async (roles, env) => {
        // The bench seeds NATS Streaming: the roles read it whatever the run's log.
        const proc = await sys.start(roles, { ...env, EVENT_LOG: 'stan' });
        return {
          ...proc,
          pid: proc.child.pid,
          stop: async () => {
            await proc.kill('SIGTERM');
          },
        };
      },
    });
    return {
      fault: `restart on a log of ${r.events} events`,
      sent: 0,
      acknowledged: 0,
      found: 0,
      lost: 0,
      doubled: 0,
      recoverMs: r.readyAfterMs,
      events: r.events,
      readyAfterMs: r.readyAfterMs,
      rssMiB: r.rssMiB,
      peakRssMiB: r.peakRssMiB,
      lostLines: r.lostLines,
      sawCatchingUp: r.sawCatchingUp,
      restart: r.fromCheckpoint,
      notes: {
        'events in the log': r.events,
        boards: r.boards,
        'seeded in (s)': r.seedSeconds,
        'ready after (ms)': r.readyAfterMs,
        'memory when ready (MiB)': r.rssMiB,
        'peak memory (MiB)': r.peakRssMiB,
        'memory per 100k events (MiB)': r.mibPer100kEvents,
        'said catching up': r.sawCatchingUp,
        'leases or connections lost': r.lostLines.length,
        'first flush done after ready (ms)': r.flushedAfterMs ?? 'none',
        'restart from the checkpoint: ready after (ms)': r.fromCheckpoint?.readyAfterMs ?? 'none',
        'restart from the checkpoint: memory when ready (MiB)': r.fromCheckpoint?.rssMiB ?? 'none',
        'restart from the checkpoint: peak memory (MiB)': r.fromCheckpoint?.peakRssMiB ?? 'none',
      },
    };
  } finally {
    await sys.stop();
    await stan.remove();
  }
}
