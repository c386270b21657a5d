import type { RoleProcess } from '../support/processes';
import type { FaultReport } from './report';
import type { ReadinessWatch } from './readiness';
import { countStatuses, firstAckAfter, settledCount, type WriteLoadResult } from './writeLoad';
import type { TestSystem } from '../support/system';

/** A server that went away for a while under a write load, and what callers were told meanwhile. */
export interface OutageResult extends FaultReport {
  /** Whether the process kept running through the outage (it must). */
  processExited: boolean;
  /** Answers given while the server was down: status counts, the slowest, any without Retry-After. */
  duringOutage: { statuses: Record<string, number>; slowestMs: number; withoutRetryAfter: number };
  notReadyAfterMs: number | null;
  readyAgainAfterMs: number | null;
}

/**
 * The row of an outage from `downAt` (the server going) to `backAt` (it answering again): the
 * answers sent once it was gone and received before it was back, readiness both ways, and the
 * first write acknowledged after it.
 */
export async function outageResult(o: {
  fault: string;
  sys: TestSystem;
  projectId: string;
  proc: RoleProcess;
  load: WriteLoadResult;
  watch: ReadinessWatch;
  downAt: number;
  backAt: number;
  notes?: FaultReport['notes'];
}): Promise<OutageResult> {
  const { load, watch, downAt, backAt } = o;
  const outage = load.attempts.filter((a) => a.at >= downAt + 200 && a.at + a.ms <= backAt);
  const statuses = countStatuses(outage);
  const counted = await settledCount(o.sys.db.pool, o.projectId, load);
  const recovered = firstAckAfter(load, backAt);
  const notReady = watch.firstAfter(downAt, false);
  const readyAgain = watch.firstAfter(backAt, true);
  const result: OutageResult = {
    fault: o.fault,
    sent: load.sent,
    acknowledged: load.acknowledged.length,
    ...counted,
    recoverMs: recovered === null ? null : recovered - backAt,
    processExited: o.proc.child.exitCode !== null,
    duringOutage: {
      statuses,
      slowestMs: Math.max(0, ...outage.map((a) => a.ms)),
      withoutRetryAfter: outage.filter((a) => a.status === 503 && !a.retryAfter).length,
    },
    notReadyAfterMs: notReady === null ? null : notReady - downAt,
    readyAgainAfterMs: readyAgain === null ? null : readyAgain - backAt,
    notes: {},
  };
  result.notes = {
    ...o.notes,
    'not ready after (ms)': result.notReadyAfterMs,
    'ready again after (ms)': result.readyAgainAfterMs,
    'slowest answer while down (ms)': result.duringOutage.slowestMs,
    'answers while down': JSON.stringify(statuses),
    'answers in all': JSON.stringify(countStatuses(load.attempts)),
    'process exited': result.processExited,
    'last to be ready': watch.lastFailing.join(' '),
  };
  return result;
}

/** What an outage must show: the process rode it out, and every answer meanwhile was an honest 503. */
export function outageProblems(r: OutageResult): string[] {
  const problems: string[] = [];
  if (r.processExited) problems.push('the process exited');
  const other = Object.keys(r.duringOutage.statuses).filter((s) => s !== '503');
  if (other.length) problems.push(`answers other than 503 while down: ${other.join(', ')}`);
  if (r.duringOutage.withoutRetryAfter) problems.push('503 without Retry-After');
  return problems;
}
