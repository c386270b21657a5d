import { outageProblems } from '../outage';
import type { FaultReport } from '../report';
import { componentFailover } from './componentFailover';
import type { ClusteredLogResult } from '../clusteredLog';
import { jetstreamNodeLost, type JetStreamNodeLostResult } from './jetstreamNodeLost';
import { logLeaderLost } from './logLeaderLost';
import { databaseRestart, type DatabaseRestartResult } from './databaseRestart';
import { logOutage, type LogOutageResult } from './logOutage';
import { longHistory, type LongHistoryResult } from './longHistory';
import { sessionsKilled, type SessionsKilledResult } from './sessionsKilled';
import { temporalKilled, type TemporalKilledResult } from './temporalKilled';

/** A fault scenario, and what must hold after it (each problem said in a sentence). */
export interface Scenario {
  name: string;
  run(): Promise<FaultReport>;
  check(report: FaultReport): string[];
}

/** What every scenario must show: each acknowledged write found once, and writes resumed. */
export function nothingLostOrDoubled(r: FaultReport): string[] {
  const problems: string[] = [];
  if (r.lost > 0) problems.push(`${r.lost} acknowledged writes lost`);
  if (r.doubled > 0) problems.push(`${r.doubled} writes doubled`);
  if (r.acknowledged === 0) problems.push('no write was acknowledged');
  if (r.recoverMs === null) problems.push('writes did not resume');
  return problems;
}

/** A node of the clustered log lost: besides the writes, no process exits and the node rejoins. */
function clusteredLogChecks(r: ClusteredLogResult): string[] {
  const problems = nothingLostOrDoubled(r);
  for (const p of r.exited)
    problems.push(`${p.process} exited (${p.code}): ${p.output.slice(-2_000)}`);
  // A write the log could not take meanwhile is told so: 503 with Retry-After, never a 500.
  const other = Object.keys(r.answers).filter((s) => !['201', '202', '503'].includes(s));
  if (other.length) problems.push(`answers other than 201, 202 or 503: ${other.join(', ')}`);
  if (r.withoutRetryAfter) problems.push(`${r.withoutRetryAfter} answers 503 without Retry-After`);
  if (r.electedAfterMs === null) problems.push('no new leader was elected');
  if (r.rejoinedAfterMs === null)
    problems.push('the killed node, started again, did not catch up within 30 s');
  if (r.settledAfterMs === null)
    problems.push('writers and projectors were not all held again within 30 s of the kill');
  return problems;
}

/** A JetStream node lost: as for NATS Streaming's cluster, and every group was replicated. */
function jetstreamClusterChecks(r: JetStreamNodeLostResult): string[] {
  const problems = clusteredLogChecks(r);
  if (r.fewestReplicas < 3)
    problems.push(`a stream or consumer had ${r.fewestReplicas} replicas, not 3`);
  return problems;
}

export const SCENARIOS: Scenario[] = [
  {
    name: 'log-outage',
    run: () => logOutage(),
    check(report) {
      const r = report as LogOutageResult;
      const problems = [...nothingLostOrDoubled(r), ...outageProblems(r)];
      if (r.notReadyAfterMs === null || r.notReadyAfterMs > 2_000)
        problems.push(`not ready ${r.notReadyAfterMs ?? 'never'} ms after the log went away`);
      if (r.readyAgainAfterMs === null || r.readyAgainAfterMs > 2_000)
        problems.push(`ready again ${r.readyAgainAfterMs ?? 'never'} ms after the log came back`);
      return problems;
    },
  },
  {
    name: 'component-failover',
    run: () => componentFailover(),
    check(r) {
      const problems = nothingLostOrDoubled(r);
      if (r.recoverMs !== null && r.recoverMs > 2_000)
        problems.push(`writes flowed again ${r.recoverMs} ms after the kill (target 2 s)`);
      return problems;
    },
  },
  {
    name: 'log-leader-lost',
    run: () => logLeaderLost(),
    check: (report) => clusteredLogChecks(report as ClusteredLogResult),
  },
  {
    name: 'log-follower-lost',
    run: () => logLeaderLost({ victim: 'follower' }),
    check: (report) => clusteredLogChecks(report as ClusteredLogResult),
  },
  {
    name: 'jetstream-node-lost',
    run: () => jetstreamNodeLost(),
    check: (report) => jetstreamClusterChecks(report as JetStreamNodeLostResult),
  },
  {
    name: 'jetstream-consumer-node-lost',
    run: () => jetstreamNodeLost({ victim: 'consumer-leader' }),
    check: (report) => jetstreamClusterChecks(report as JetStreamNodeLostResult),
  },
  {
    name: 'jetstream-meta-leader-lost',
    run: () => jetstreamNodeLost({ victim: 'meta-leader' }),
    check: (report) => jetstreamClusterChecks(report as JetStreamNodeLostResult),
  },
  {
    name: 'temporal-killed',
    run: () => temporalKilled(),
    check(report) {
      const r = report as TemporalKilledResult;
      const problems = nothingLostOrDoubled(r);
      if (r.acknowledged < r.sent)
        problems.push(`${r.sent - r.acknowledged} approvals never acknowledged`);
      for (const u of r.undecided) problems.push(`approval not decided: ${u}`);
      for (const [iid, n] of Object.entries(r.emailsNotOne))
        problems.push(`invoice ${iid} emailed ${n} times`);
      for (const eid of r.recordedTwice)
        problems.push(`estimate ${eid} approved or invoiced twice`);
      for (const p of r.exited) problems.push(`a process exited: ${p}`);
      if (r.sentWhileTemporalDown === 0 || r.sentAfterWorkerKill === 0)
        problems.push('the load did not span both faults');
      return problems;
    },
  },
  {
    name: 'long-history',
    run: () => longHistory({ events: Number(process.env.LONG_HISTORY_EVENTS ?? 500_000) }),
    check(report) {
      const r = report as LongHistoryResult;
      const problems: string[] = [];
      if (r.events < 500_000 && !process.env.LONG_HISTORY_EVENTS)
        problems.push(`only ${r.events} events were seeded`);
      if (r.readyAfterMs === null) problems.push('never became ready');
      if (r.lostLines.length) problems.push(`lost while catching up: ${r.lostLines.join(' | ')}`);
      if (r.restart === null) problems.push('no snapshot checkpoint was flushed after the replay');
      return problems;
    },
  },
  {
    name: 'sessions-killed',
    run: () => sessionsKilled(),
    check(report) {
      const r = report as SessionsKilledResult;
      const problems = nothingLostOrDoubled(r);
      if (r.processExited) problems.push('a process exited');
      const failed = Object.keys(r.statuses).filter((s) => Number(s) >= 500 && s !== '503');
      if (failed.length)
        problems.push(`answers that are neither success nor 503: ${failed.join(', ')}`);
      if (r.readyAgainAfterMs === null) problems.push('not ready again after the last kill');
      return problems;
    },
  },
  {
    name: 'database-restart',
    run: () => databaseRestart(),
    check(report) {
      const r = report as DatabaseRestartResult;
      const problems = [...nothingLostOrDoubled(r), ...outageProblems(r)];
      if (r.duringOutage.slowestMs > 5_000)
        problems.push(`an answer while down took ${r.duringOutage.slowestMs} ms`);
      if (r.readyAgainAfterMs === null) problems.push('not ready again after the server came back');
      return problems;
    },
  },
];
