import { writeFileSync } from 'node:fs';
import { startPrivatePostgres } from '../../support/privatePostgres';
import { startPrivateStan } from '../../support/stanServer';
import { startTestSystem, type TestSystem } from '../../support/system';
import type { FaultReport } from '../report';
import { watchReadiness } from '../readiness';
import { boardToLoad, firstAckAfter, runWriteLoad, settledCount } from '../writeLoad';
import { LOG_OUTAGE_ROLES } from './logOutage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface DatabaseRestartResult extends FaultReport {
  /** Whether the process kept running through the restart (it must). */
  processExited: boolean;
  /** Answers given while the server was down: status counts, the slowest, any without Retry-After. */
  duringOutage: { statuses: Record<string, number>; slowestMs: number; withoutRetryAfter: number };
  notReadyAfterMs: number | null;
  readyAgainAfterMs: number | null;
}

/**
 * The Postgres server is stopped (`pg_ctl stop -m fast`: every session ended, a clean shutdown) in
 * the middle of a write load and started again `downMs` later. It is a server of the scenario's
 * own (initdb, pg_ctl, its own port), so the shared test server is never touched. One process
 * runs the identity and projects roles, as in the log outage (or `roles`: `['all']` for every one).
 */
export async function databaseRestart(
  o: { downMs?: number; total?: number; clients?: number; roles?: string[] } = {},
): Promise<DatabaseRestartResult> {
  const downMs = o.downMs ?? 3_000;
  const pg = await startPrivatePostgres();
  let stan: Awaited<ReturnType<typeof startPrivateStan>> | null = null;
  let sys: TestSystem | null = null;
  try {
    stan = await startPrivateStan('devpie-db-restart');
    sys = await startTestSystem({ adminUrl: pg.url });
    const proc = await sys.start(o.roles ?? LOG_OUTAGE_ROLES, {
      STAN_URL: stan.url,
      STAN_CLUSTER_ID: stan.clusterId,
      WRITE_WAIT_MS: '3000',
    });
    await proc.waitReady(60_000);
    const { owner, pid, columnId } = await boardToLoad(sys);
    const api = sys.api(proc.port);

    const watch = watchReadiness(proc.port);
    let stoppedAt = 0;
    let downAt = 0;
    let startAt = 0;
    let backAt = 0;
    const loadDone = runWriteLoad({
      api: () => api,
      token: owner.token,
      projectId: pid,
      columnId,
      clients: o.clients ?? 4,
      total: o.total ?? 400,
      paceMs: 25,
    });
    const fault = (async () => {
      await sleep(1_500);
      stoppedAt = Date.now();
      await pg.stop('fast');
      downAt = Date.now();
      await sleep(downMs);
      startAt = Date.now();
      await pg.start();
      backAt = Date.now();
    })();
    const [load] = await Promise.all([loadDone, fault]);
    await proc.waitReady(30_000).catch(() => undefined);
    await watch.stop();
    if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, proc.output());

    // Sent once the stop was under way, answered before the server was back.
    const outage = load.attempts.filter((a) => a.at >= stoppedAt + 200 && a.at + a.ms <= backAt);
    const statuses: Record<string, number> = {};
    for (const a of outage) statuses[a.status] = (statuses[a.status] ?? 0) + 1;
    const counted = await settledCount(sys.db.pool, pid, load);
    const recovered = firstAckAfter(load, backAt);
    const notReady = watch.firstAfter(stoppedAt, false);
    const readyAgain = watch.firstAfter(backAt, true);
    const result: DatabaseRestartResult = {
      fault: `Postgres stopped (fast), back after ${downMs / 1000} s`,
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
      notReadyAfterMs: notReady === null ? null : notReady - stoppedAt,
      readyAgainAfterMs: readyAgain === null ? null : readyAgain - backAt,
      notes: {},
    };
    result.notes = {
      'stop took (ms)': downAt - stoppedAt,
      'start took (ms)': backAt - startAt,
      'not ready after (ms)': result.notReadyAfterMs,
      'ready again after (ms)': result.readyAgainAfterMs,
      'slowest answer while down (ms)': result.duringOutage.slowestMs,
      'answers while down': JSON.stringify(statuses),
      'answers in all': JSON.stringify(
        load.attempts.reduce<Record<number, number>>((m, a) => {
          m[a.status] = (m[a.status] ?? 0) + 1;
          return m;
        }, {}),
      ),
      'process exited': result.processExited,
      'last to be ready': watch.lastFailing.join(' '),
    };
    return result;
  } finally {
    await sys?.stop();
    await stan?.remove();
    await pg.remove();
  }
}
