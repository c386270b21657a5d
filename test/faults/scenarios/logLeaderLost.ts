import { writeFileSync } from 'node:fs';
import { startStanCluster, type StanCluster, type StanNode } from '../../support/stanCluster';
import type { RoleProcess } from '../../support/processes';
import { startTestSystem } from '../../support/system';
import {
  firstNewWriteAckedAfter,
  settled,
  waitFor,
  type ClusteredLogResult,
} from '../clusteredLog';
import {
  boardToLoad,
  countStatuses,
  firstAckAfter,
  runWriteLoad,
  settledCount,
} from '../writeLoad';
import { LOG_OUTAGE_ROLES } from './logOutage';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export type LogLeaderLostResult = ClusteredLogResult;

/**
 * Starts a killed node again on its own store and RAFT log: the time until it follows the leader
 * and holds as many messages as the leader does (the load is over, so that number stays put).
 */
async function rejoin(cluster: StanCluster, node: StanNode): Promise<number | null> {
  const started = Date.now();
  await node.start();
  const at = await waitFor(async () => {
    const leader = await cluster.leader(5_000).catch(() => null);
    if (!leader || leader === node) return false;
    const [mine, theirs] = await Promise.all([node.serverz(), leader.serverz()]);
    return mine?.role === 'Follower' && mine.total_msgs === theirs?.total_msgs;
  }, 30_000);
  return at === null ? null : at - started;
}

/**
 * NATS Streaming clustered on three nodes (RAFT), as production runs it; two processes, each with
 * an instance of every identity and projects role, so each single writer and projector has a
 * standby; a write load through both apps. The cluster's leader is killed (kill -9) mid-load.
 * The first process's log sessions are on the leader (they lose their node and move to another),
 * the second's on a follower (they keep their node while the cluster elects a new leader).
 * `victim: 'follower'` kills the second process's node instead: no election, only moved sessions.
 * Afterwards the killed node is started again on its store and must catch up.
 */
export async function logLeaderLost(
  o: { total?: number; clients?: number; victim?: 'leader' | 'follower' } = {},
): Promise<LogLeaderLostResult> {
  const victim = o.victim ?? 'leader';
  const cluster = await startStanCluster('devpie-leader-lost');
  const sys = await startTestSystem();
  const processes: RoleProcess[] = [];
  try {
    const leader = await cluster.leader();
    const follower = cluster.nodes.find((n) => n !== leader)!;
    const env = (first: typeof leader) => ({
      // NATS Streaming's cluster whatever the run's log: jetstreamNodeLost is JetStream's.
      EVENT_LOG: 'stan',
      STAN_URL: cluster.urlFrom(first),
      STAN_CLUSTER_ID: cluster.clusterId,
    });
    // Started one after the other, so that the first holds every lease and the second stands by.
    const onLeader = await sys.start(LOG_OUTAGE_ROLES, env(leader));
    processes.push(onLeader);
    await onLeader.waitReady(60_000);
    const onFollower = await sys.start(LOG_OUTAGE_ROLES, env(follower));
    processes.push(onFollower);
    if ((await waitFor(() => settled(processes), 60_000)) === null)
      throw new Error(`the second process did not come up:\n${onFollower.output()}`);
    const { owner, pid, columnId } = await boardToLoad(sys);

    let turn = 0;
    let killedAt = 0;
    let killed = leader;
    const loadDone = runWriteLoad({
      // Each attempt to the other app: a retry may well land on the other process.
      api: () => sys.api(processes[turn++ % processes.length]!.port),
      token: owner.token,
      projectId: pid,
      columnId,
      clients: o.clients ?? 4,
      total: o.total ?? 300,
      paceMs: 25,
    });
    const fault = (async () => {
      await sleep(1_500);
      // Whoever leads now: a leader may have changed since the processes were started.
      const leading = await cluster.leader();
      killed =
        victim === 'leader'
          ? leading
          : follower !== leading
            ? follower
            : cluster.nodes.find((n) => n !== leading)!;
      killedAt = Date.now();
      await killed.kill();
      const elected = await cluster.leader(30_000).then(
        () => Date.now(),
        () => null,
      );
      return elected;
    })();
    const [load, electedAt] = await Promise.all([loadDone, fault]);
    const settledAt = await waitFor(() => settled(processes), 30_000);
    const counted = await settledCount(sys.db.pool, pid, load);
    const rejoinedAt = await rejoin(cluster, killed);
    if (process.env.FAULTS_LOG)
      writeFileSync(
        process.env.FAULTS_LOG,
        processes.map((p, i) => `--- process ${i + 1}\n${p.output()}`).join('\n'),
      );

    const recovered = firstNewWriteAckedAfter(load, killedAt);
    // A retry sent after the kill too: the clients of the load are busy with writes the log left
    // unanswered until then, so this says sooner when the system could take writes again.
    const anyAttempt = firstAckAfter(load, killedAt, 'sentAfter');
    const statuses = countStatuses(load.attempts);
    const exited = processes
      .map((p, i) => ({ process: `process ${i + 1}`, code: p.child.exitCode, output: p.output() }))
      .filter((p) => p.code !== null);
    const result: LogLeaderLostResult = {
      fault: `${victim} of a 3-node log cluster killed`,
      sent: load.sent,
      acknowledged: load.acknowledged.length,
      ...counted,
      recoverMs: recovered === null ? null : recovered - killedAt,
      exited,
      answers: statuses,
      withoutRetryAfter: load.attempts.filter((a) => a.status === 503 && !a.retryAfter).length,
      electedAfterMs: electedAt === null ? null : electedAt - killedAt,
      settledAfterMs: settledAt === null ? null : settledAt - killedAt,
      rejoinedAfterMs: rejoinedAt,
      notes: {},
    };
    result.notes = {
      'killed node': `${killed.id} (first node of ${
        [leader, follower]
          .flatMap((n, i) => (n === killed ? [`process ${i + 1}`] : []))
          .join(', ') || 'neither process'
      })`,
      'new leader after (ms)': result.electedAfterMs,
      'first attempt sent after the kill acknowledged after (ms)':
        anyAttempt === null ? null : anyAttempt - killedAt,
      'every writer and projector held again after (ms)': result.settledAfterMs,
      'killed node restarted, caught up after (ms)': result.rejoinedAfterMs,
      'slowest write (ms)': Math.max(0, ...load.attempts.map((a) => a.ms)),
      answers: JSON.stringify(statuses),
      'processes exited': exited.length,
    };
    return result;
  } finally {
    await sys.stop();
    await cluster.remove();
  }
}
