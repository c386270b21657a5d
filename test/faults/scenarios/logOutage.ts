import { writeFileSync } from 'node:fs';
import { startPrivateLog } from '../privateLog';
import { startTestSystem } from '../../support/system';
import { outageResult, type OutageResult } from '../outage';
import { watchReadiness } from '../readiness';
import { boardToLoad, runWriteLoad } from '../writeLoad';

export const LOG_OUTAGE_ROLES = [
  'identity-app',
  'identity-component',
  'identity-projector',
  'projects-app',
  'projects-component',
  'projects-projector',
];

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LogOutageResult = OutageResult;

/**
 * The log's server is killed (kill -9) in the middle of a write load and started again on the
 * same store `outageMs` later. One process runs the identity and projects roles, as `npm start`
 * runs them all. The server is of the run's log: NATS Streaming, or a single JetStream server.
 */
export async function logOutage(
  o: { outageMs?: number; total?: number; clients?: number } = {},
): Promise<LogOutageResult> {
  const outageMs = o.outageMs ?? 5_000;
  const log = await startPrivateLog('devpie-outage');
  const sys = await startTestSystem();
  try {
    const proc = await sys.start(LOG_OUTAGE_ROLES, {
      ...log.env,
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
      await log.kill();
      await sleep(outageMs);
      await log.start();
      backAt = Date.now();
    })();
    const [load] = await Promise.all([loadDone, fault]);
    await proc.waitReady(30_000);
    await watch.stop();
    if (process.env.FAULTS_LOG) writeFileSync(process.env.FAULTS_LOG, proc.output());

    return await outageResult({
      fault: `log server killed, back after ${outageMs / 1000} s`,
      sys,
      projectId: pid,
      proc,
      load,
      watch,
      downAt: killedAt,
      backAt,
    });
  } finally {
    await sys.stop();
    await log.remove();
  }
}
