import { startStanCluster, type StanCluster, type StanNode } from '../../support/stanCluster';
import { startTestSystem } from '../../support/system';
import { nodeKilledUnderLoad, runNotes, waitFor, type ClusteredLogResult } from '../clusteredLog';

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
  try {
    const leader = await cluster.leader();
    const follower = cluster.nodes.find((n) => n !== leader)!;
    const run = await nodeKilledUnderLoad(sys, {
      ...o,
      firstNodes: [leader, follower],
      env: (first) => ({
        // NATS Streaming's cluster whatever the run's log: jetstreamNodeLost is JetStream's.
        EVENT_LOG: 'stan',
        STAN_URL: cluster.urlFrom(first),
        STAN_CLUSTER_ID: cluster.clusterId,
      }),
      choose: async () => {
        // Whoever leads now: a leader may have changed since the processes were started.
        const leading = await cluster.leader();
        if (victim === 'leader') return leading;
        return follower !== leading ? follower : cluster.nodes.find((n) => n !== leading)!;
      },
      elected: () =>
        cluster.leader(30_000).then(
          () => Date.now(),
          () => null,
        ),
      rejoin: (killed) => rejoin(cluster, killed),
    });
    const { result, killed } = run;
    result.fault = `${victim} of a 3-node log cluster killed`;
    result.notes = {
      'killed node': `${killed.id} (first node of ${
        [leader, follower]
          .flatMap((n, i) => (n === killed ? [`process ${i + 1}`] : []))
          .join(', ') || 'neither process'
      })`,
      'new leader after (ms)': result.electedAfterMs,
      ...runNotes(result, run),
    };
    return result;
  } finally {
    await sys.stop();
    await cluster.remove();
  }
}
