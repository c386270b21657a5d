import { writeFileSync } from 'node:fs';
import { startPrivateLog } from '../privateLog';
import { startTestSystem } from '../../support/system';
import type { FaultReport } from '../report';
import { watchReadiness } from '../readiness';
import {
  boardToLoad,
  countStatuses,
  firstAckAfter,
  runWriteLoad,
  settledCount,
} from '../writeLoad';
import { LOG_OUTAGE_ROLES } from './logOutage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface SessionsKilledResult extends FaultReport {
  /** Whether the process exited (it must not). */
  processExited: boolean;
  /** Every answer the load got, by status. */
  statuses: Record<string, number>;
  readyAgainAfterMs: number | null;
}

/**
 * Every session of the system's database (leases, pools, the outcome listener) is ended with
 * pg_terminate_backend, `rounds` times, `everyMs` apart, in the middle of a write load. One
 * process runs the identity and projects roles, so its writers lose their leases and take them
 * again (two writers taking turns are platform/postgres/leaseFencing.int.test.ts's). Runs on the
 * shared test server, in its own database: only that database's sessions are ended.
 */
export async function sessionsKilled(
  o: { rounds?: number; everyMs?: number; total?: number; clients?: number } = {},
): Promise<SessionsKilledResult> {
  const rounds = o.rounds ?? 4;
  const everyMs = o.everyMs ?? 1_500;
  const log = await startPrivateLog('devpie-sessions-killed');
  const sys = await startTestSystem();
  const env = { ...log.env, WRITE_WAIT_MS: '3000' };
  try {
    const proc = await sys.start(LOG_OUTAGE_ROLES, env);
    await proc.waitReady(60_000);
    const { owner, pid, columnId } = await boardToLoad(sys);
    const api = sys.api(proc.port);

    const watch = watchReadiness(proc.port);
    const kills: Array<{ at: number; sessions: number }> = [];
    const loadDone = runWriteLoad({
      api: () => api,
      token: owner.token,
      projectId: pid,
      columnId,
      clients: o.clients ?? 4,
      total: o.total ?? 600,
      paceMs: 25,
    });
    const fault = (async () => {
      await sleep(1_500);
      for (let i = 0; i < rounds; i++) {
        const at = Date.now();
        const { rowCount } = await sys.db.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND pid <> pg_backend_pid()`,
        );
        kills.push({ at, sessions: rowCount ?? 0 });
        await sleep(everyMs);
      }
    })();
    const [load] = await Promise.all([loadDone, fault]);
    await proc.waitReady(30_000).catch(() => undefined);
    await watch.stop();
    if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, proc.output());

    const statuses = countStatuses(load.attempts);
    const counted = await settledCount(sys.db.pool, pid, load);
    const lastKill = kills[kills.length - 1]?.at ?? 0;
    const recovered = firstAckAfter(load, lastKill);
    const readyAgain = watch.firstAfter(lastKill, true);
    const result: SessionsKilledResult = {
      fault: `every database session killed, ${rounds} times ${everyMs / 1000} s apart`,
      sent: load.sent,
      acknowledged: load.acknowledged.length,
      ...counted,
      recoverMs: recovered === null ? null : recovered - lastKill,
      processExited: proc.child.exitCode !== null,
      statuses,
      readyAgainAfterMs: readyAgain === null ? null : readyAgain - lastKill,
      notes: {},
    };
    result.notes = {
      'sessions killed per round': kills.map((k) => k.sessions).join(' '),
      answers: JSON.stringify(statuses),
      'slowest write (ms)': Math.max(0, ...load.attempts.map((a) => a.ms)),
      'load lasted (ms)':
        Math.max(0, ...load.attempts.map((a) => a.at + a.ms)) -
        Math.min(...load.attempts.map((a) => a.at)),
      'last kill after (ms)': lastKill - Math.min(...load.attempts.map((a) => a.at)),
      'ready again after the last kill (ms)': result.readyAgainAfterMs,
      'process exited': result.processExited,
    };
    return result;
  } finally {
    await sys.stop();
    await log.remove();
  }
}
