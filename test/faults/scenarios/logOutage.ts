import { writeFileSync } from 'node:fs';
import { startPrivateStan } from '../../support/stanServer';
import { startTestSystem } from '../../support/system';
import type { FaultReport } from '../report';
import { watchReadiness } from '../readiness';
import { boardToLoad, firstAckAfter, runWriteLoad, settledCount } from '../writeLoad';

export const LOG_OUTAGE_ROLES = [
  'identity-app',
  'identity-component',
  'identity-projector',
  'projects-app',
  'projects-component',
  'projects-projector',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface LogOutageResult extends FaultReport {
  /** Whether the process kept running through the outage (it must). */
  processExited: boolean;
  /** Answers given while the log was down: status counts, the slowest, and any without Retry-After. */
  duringOutage: { statuses: Record<string, number>; slowestMs: number; withoutRetryAfter: number };
  notReadyAfterMs: number | null;
  readyAgainAfterMs: number | null;
}

/**
 * The log's server is killed (kill -9) in the middle of a write load and started again on the
 * same store `outageMs` later. One process runs the identity and projects roles, as `npm start`
 * runs them all.
 */
export async function logOutage(
  o: { outageMs?: number; total?: number; clients?: number } = {},
): Promise<LogOutageResult> {
  const outageMs = o.outageMs ?? 5_000;
  const stan = await startPrivateStan('devpie-outage');
  const sys = await startTestSystem();
  try {
    const proc = await sys.start(LOG_OUTAGE_ROLES, {
      STAN_URL: stan.url,
      STAN_CLUSTER_ID: stan.clusterId,
      WRITE_WAIT_MS: '3000',
    });
    await proc.waitReady(60_000);
    const { owner, pid, columnId } = await boardToLoad(sys);

    const watch = watchReadiness(proc.port);
    let killedAt = 0;
    let backAt = 0;
    const loadDone = runWriteLoad({
      api: () => sys.api(proc.port),
      token: owner.token,
      projectId: pid,
      columnId,
      clients: o.clients ?? 4,
      total: o.total ?? 400,
      paceMs: 25,
    });
    const fault = (async () => {
      await sleep(1_500);
      killedAt = Date.now();
      await stan.kill();
      await sleep(outageMs);
      await stan.start();
      backAt = Date.now();
    })();
    const [load] = await Promise.all([loadDone, fault]);
    await proc.waitReady(30_000);
    await watch.stop();
    if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, proc.output());

    const outage = load.attempts.filter((a) => a.at >= killedAt + 200 && a.at + a.ms <= backAt);
    const statuses: Record<string, number> = {};
    for (const a of outage) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const counted = await settledCount(sys.db.pool, pid, load);
    const recovered = firstAckAfter(load, backAt);
    const notReady = watch.firstAfter(killedAt, false);
    const readyAgain = watch.firstAfter(backAt, true);
    const result: LogOutageResult = {
      fault: `log server killed, back after ${outageMs / 1000} s`,
      sent: load.sent,
      acknowledged: load.acknowledged.length,
      ...counted,
      recoverMs: recovered === null ? null : recovered - backAt,
      processExited: proc.child.exitCode !== null,
      duringOutage: {
        statuses,
        slowestMs: Math.max(0, ...outage.map((a) => a.ms)),
        withoutRetryAfter: outage.filter((a) => a.status === 503 && !a.retryAfter).length,
      },
      notReadyAfterMs: notReady === null ? null : notReady - killedAt,
      readyAgainAfterMs: readyAgain === null ? null : readyAgain - backAt,
      notes: {},
    };
    result.notes = {
      'not ready after (ms)': result.notReadyAfterMs,
      'ready again after (ms)': result.readyAgainAfterMs,
      'slowest answer while down (ms)': result.duringOutage.slowestMs,
      'answers while down': JSON.stringify(statuses),
      'process exited': result.processExited,
      'last to be ready': watch.lastFailing.join(' '),
    };
    return result;
  } finally {
    await sys.stop();
    await stan.remove();
  }
}
