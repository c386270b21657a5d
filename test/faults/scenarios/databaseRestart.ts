import { writeFileSync } from 'node:fs';
import { startPrivatePostgres } from '../../support/privatePostgres';
import { startPrivateLog, type PrivateLog } from '../privateLog';
import { startTestSystem, type TestSystem } from '../../support/system';
import { outageResult, type OutageResult } from '../outage';
import { watchReadiness } from '../readiness';
import { boardToLoad, runWriteLoad } from '../writeLoad';
import { LOG_OUTAGE_ROLES } from './logOutage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type DatabaseRestartResult = OutageResult;

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
  let log: PrivateLog | null = null;
  let sys: TestSystem | null = null;
  try {
    log = await startPrivateLog('devpie-db-restart');
    sys = await startTestSystem({ adminUrl: pg.url });
    const proc = await sys.start(o.roles ?? LOG_OUTAGE_ROLES, {
      ...log.env,
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

    return await outageResult({
      fault: `Postgres stopped (fast), back after ${downMs / 1000} s`,
      sys,
      projectId: pid,
      proc,
      load,
      watch,
      downAt: stoppedAt,
      backAt,
      notes: { 'stop took (ms)': downAt - stoppedAt, 'start took (ms)': backAt - startAt },
    });
  } finally {
    await sys?.stop();
    await log?.remove();
    await pg.remove();
  }
}
