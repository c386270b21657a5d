import { writeFileSync } from 'node:fs';
import type { RoleProcess } from '../support/processes';
import type { TestSystem } from '../support/system';
import type { FaultReport } from './report';
import { LOG_OUTAGE_ROLES } from './scenarios/logOutage';
import {
  boardToLoad,
  countStatuses,
  firstAckAfter,
  runWriteLoad,
  settledCount,
  type WriteLoadResult,
} from './writeLoad';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A node of a clustered log killed under a write load through two processes (each with an
 * instance of every role): what the scenarios on NATS Streaming's cluster and on JetStream's
 * both measure, and `clusteredLogChecks` (scenarios/index.ts) holds them to.
 */
export interface ClusteredLogResult extends FaultReport {
  /** The role processes that exited (they must not), each with what it printed. */
  exited: Array<{ process: string; code: number | null; output: string }>;
  /**
   * From the kill until a surviving node called itself leader (a follower killed: the first look;
   * on JetStream, of every group the killed node led).
   */
  electedAfterMs: number | null;
  /** From the killed node's restart until it was a follower again, holding every message. */
  rejoinedAfterMs: number | null;
  /** How many attempts got each answer (0: no answer at all). */
  answers: Record<string, number>;
  /** 503 answers that did not say when to try again. */
  withoutRetryAfter: number;
  /** From the kill until every category had one active writer and projector again, and nothing else was down. */
  settledAfterMs: number | null;
}

/** The first acknowledgement of a write whose first attempt was sent at or after `t`. */
export function firstNewWriteAckedAfter(load: WriteLoadResult, t: number): number | null {
  const firstSent = new Map<number, number>();
  for (const a of load.attempts)
    firstSent.set(a.write, Math.min(a.at, firstSent.get(a.write) ?? a.at));
  const acks = load.attempts.filter(
    (a) => (firstSent.get(a.write) ?? 0) >= t && (a.status === 201 || a.status === 202),
  );
  return acks.length ? Math.min(...acks.map((a) => a.at + a.ms)) : null;
}

async function readiness(port: number): Promise<Record<string, boolean> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(3000),
    });
    return ((await res.json()) as { checks?: Record<string, boolean> }).checks ?? null;
  } catch {
    return null;
  }
}

/** A single writer or projector: one of the processes holds it, the other stands by. */
const heldByOne = (name: string) => name.endsWith('.writer') || name.endsWith('.projector');

/**
 * Both processes up, and each lease held by exactly one of them: the system as it was before the
 * fault. A standby process is never "ready" (its writers wait), so its other checks are read.
 */
export async function settled(processes: RoleProcess[]): Promise<boolean> {
  const all = await Promise.all(processes.map((p) => readiness(p.port)));
  if (all.some((c) => c === null)) return false;
  const checks = all as Array<Record<string, boolean>>;
  const names = Object.keys(checks[0] ?? {});
  return names.every((n) =>
    heldByOne(n) ? checks.filter((c) => c[n]).length === 1 : checks.every((c) => c[n]),
  );
}

/** When `what` first held, polled every 100 ms; null if it did not within `timeoutMs`. */
export async function waitFor(
  what: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await what()) return Date.now();
    await sleep(100);
  }
  return null;
}

/** A node of a log cluster, as the scenarios start and kill it. */
interface ClusterNode {
  kill(): Promise<void>;
}

/** What a scenario tells `nodeKilledUnderLoad` about its log. */
export interface NodeKill<N extends ClusterNode> {
  /** The nodes the two processes reach their log through first. */
  firstNodes: [N, N];
  /** The environment that points a process at the cluster, through `first`. */
  env: (first: N) => Record<string, string>;
  /** The node to kill, chosen once the load runs. */
  choose: () => Promise<N>;
  /** When the cluster had its leaders again after the kill (null: not within its wait). */
  elected: (killed: N) => Promise<number | null>;
  /** Starts the killed node again: how long until it caught up (null: not within its wait). */
  rejoin: (killed: N) => Promise<number | null>;
  total?: number;
  clients?: number;
  /** Ends the load in bounds when a stalled projector answers each write 202 after the wait. */
  sendForMs?: number;
}

/**
 * The shared course of a node lost under load, whichever log is clustered: two processes, each
 * with an instance of every identity and projects role, started one after the other (so the first
 * holds every lease and the second stands by); a write load through both apps, each attempt to
 * the other (a retry may land on the other process); 1.5 s in, the chosen node killed (kill -9);
 * then the system settled, the writes counted and the node restarted. Returns what both
 * scenarios report, and what each needs for its notes.
 */
export async function nodeKilledUnderLoad<N extends ClusterNode>(
  sys: TestSystem,
  o: NodeKill<N>,
): Promise<{
  result: ClusteredLogResult;
  killed: N;
  /** From the kill until an attempt sent after it was acknowledged (ms). */
  anyAttemptAfterMs: number | null;
  slowestMs: number;
}> {
  const processes: RoleProcess[] = [];
  const first = await sys.start(LOG_OUTAGE_ROLES, o.env(o.firstNodes[0]));
  processes.push(first);
  await first.waitReady(60_000);
  const second = await sys.start(LOG_OUTAGE_ROLES, o.env(o.firstNodes[1]));
  processes.push(second);
  if ((await waitFor(() => settled(processes), 60_000)) === null) {
    // What each says of itself: a lease held by both or by neither, or a check that stays false.
    const checks = await Promise.all(processes.map((p) => readiness(p.port)));
    throw new Error(
      `the second process did not come up: /readyz checks ${JSON.stringify(checks)}\n` +
        `first:\n${first.output()}\nsecond:\n${second.output()}`,
    );
  }
  const { owner, pid, columnId } = await boardToLoad(sys);

  let turn = 0;
  let killedAt = 0;
  const loadDone = runWriteLoad({
    api: () => sys.api(processes[turn++ % processes.length]!.port),
    token: owner.token,
    projectId: pid,
    columnId,
    clients: o.clients ?? 4,
    total: o.total ?? 300,
    paceMs: 25,
    ...(o.sendForMs === undefined ? {} : { sendForMs: o.sendForMs }),
  });
  const fault = (async () => {
    await sleep(1_500);
    const node = await o.choose();
    killedAt = Date.now();
    await node.kill();
    return { node, electedAt: await o.elected(node) };
  })();
  const [load, { node: killed, electedAt }] = await Promise.all([loadDone, fault]);
  const settledAt = await waitFor(() => settled(processes), 30_000);
  const counted = await settledCount(sys.db.pool, pid, load);
  const rejoinedAt = await o.rejoin(killed);
  if (process.env.FAULTS_LOG)
    writeFileSync(
      process.env.FAULTS_LOG,
      processes.map((p, i) => `--- process ${i + 1}\n${p.output()}`).join('\n'),
    );

  const recovered = firstNewWriteAckedAfter(load, killedAt);
  // A retry sent after the kill too: the clients of the load are busy with writes the log left
  // unanswered until then, so this says sooner when the system could take writes again.
  const anyAttempt = firstAckAfter(load, killedAt, 'sentAfter');
  return {
    result: {
      fault: '',
      sent: load.sent,
      acknowledged: load.acknowledged.length,
      ...counted,
      recoverMs: recovered === null ? null : recovered - killedAt,
      exited: processes
        .map((p, i) => ({
          process: `process ${i + 1}`,
          code: p.child.exitCode,
          output: p.output(),
        }))
        .filter((p) => p.code !== null),
      answers: countStatuses(load.attempts),
      withoutRetryAfter: load.attempts.filter((a) => a.status === 503 && !a.retryAfter).length,
      electedAfterMs: electedAt === null ? null : electedAt - killedAt,
      settledAfterMs: settledAt === null ? null : settledAt - killedAt,
      rejoinedAfterMs: rejoinedAt,
      notes: {},
    },
    killed,
    anyAttemptAfterMs: anyAttempt === null ? null : anyAttempt - killedAt,
    slowestMs: Math.max(0, ...load.attempts.map((a) => a.ms)),
  };
}

/** The notes both node-lost scenarios end with. */
export const runNotes = (
  r: ClusteredLogResult,
  run: { anyAttemptAfterMs: number | null; slowestMs: number },
): Record<string, string | number | null> => ({
  'first attempt sent after the kill acknowledged after (ms)': run.anyAttemptAfterMs,
  'every writer and projector held again after (ms)': r.settledAfterMs,
  'killed node restarted, caught up after (ms)': r.rejoinedAfterMs,
  'slowest write (ms)': run.slowestMs,
  answers: JSON.stringify(r.answers),
  'processes exited': r.exited.length,
});
