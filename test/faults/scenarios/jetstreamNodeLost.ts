import {
  startJetStreamCluster,
  type ClusterStream,
  type JetStreamCluster,
  type JetStreamNode,
} from '../../support/jetstreamCluster';
import { startTestSystem } from '../../support/system';
import { nodeKilledUnderLoad, runNotes, waitFor, type ClusteredLogResult } from '../clusteredLog';

/** Which node is killed: see `jetstreamNodeLost`. */
export type JetStreamVictim = 'stream-leader' | 'consumer-leader' | 'meta-leader';

const LEADING: Record<JetStreamVictim, string> = {
  'stream-leader': 'busiest stream',
  'consumer-leader': 'busiest consumer',
  'meta-leader': 'meta group',
};

export interface JetStreamNodeLostResult extends ClusteredLogResult {
  victim: JetStreamVictim;
  /** The fewest peers any of the system's streams and consumers had before the kill (3: replicated). */
  fewestReplicas: number;
  /** The groups the killed node led when it was killed: streams, and consumers as `stream > name`. */
  groupsLed: string[];
  /** Whether it led the meta group (stream and consumer changes) too. */
  metaLeaderKilled: boolean;
}

/** Each stream's and consumer's group: its name, its leader ('' while it has none), its peers. */
const groups = (streams: ClusterStream[]) =>
  streams.flatMap((s) => [
    { name: s.name, leader: s.leader, replicas: s.replicas },
    ...s.consumers.map((c) => ({ ...c, name: `${s.name} > ${c.name}` })),
  ]);

/** The node to kill, by what it leads now (the meta leader when nothing else says). */
function pickVictim(
  victim: JetStreamVictim,
  nodes: JetStreamNode[],
  streams: ClusterStream[],
  meta: JetStreamNode,
): JetStreamNode {
  const byName = (name: string | undefined) => nodes.find((n) => n.name === name) ?? meta;
  if (victim === 'meta-leader') return meta;
  if (victim === 'stream-leader')
    return byName([...streams].sort((a, b) => b.messages - a.messages)[0]?.leader);
  // The consumer that has delivered the most: a projector's, reading the busiest events.
  const consumers = streams.flatMap((s) => s.consumers);
  return byName([...consumers].sort((a, b) => b.delivered - a.delivered)[0]?.leader);
}

/**
 * Starts a killed node again on its store: the time until its `/healthz` says every stream and
 * consumer it holds is current, and it stores as many messages as a node that stayed up.
 */
async function rejoin(cluster: JetStreamCluster, node: JetStreamNode): Promise<number | null> {
  const started = Date.now();
  await node.start();
  const other = cluster.nodes.find((n) => n !== node)!;
  const at = await waitFor(async () => {
    if (!(await node.healthy())) return false;
    const [mine, theirs] = await Promise.all([node.jsz(), other.jsz()]);
    return (
      mine !== null &&
      mine.streams === theirs?.streams &&
      mine.messages === theirs?.messages &&
      mine.meta_cluster?.leader !== undefined
    );
  }, 30_000);
  return at === null ? null : at - started;
}

/**
 * JetStream clustered on three nodes, its streams replicated on all three
 * (NATS_STREAM_REPLICAS=3), as production runs it; two processes, each with an instance of every
 * identity and projects role, so each single writer and projector has a standby; a write load
 * through both apps. Mid-load one node is killed (kill -9): the leader of the busiest stream
 * (the one the load appends to most), of the busiest consumer (what the projector reads
 * through), or of the meta group. Clients on it reconnect to another node; every group it led
 * must elect a new leader among the two left. Afterwards the node is started again on its store
 * and must catch up.
 */
export async function jetstreamNodeLost(
  o: { total?: number; clients?: number; victim?: JetStreamVictim } = {},
): Promise<JetStreamNodeLostResult> {
  const victim = o.victim ?? 'stream-leader';
  const cluster = await startJetStreamCluster('devpie-node-lost');
  const sys = await startTestSystem();
  try {
    let before: ClusterStream[] = [];
    let led: string[] = [];
    let wasMetaLeader = false;
    let clientsOnIt: number | null = null;
    const run = await nodeKilledUnderLoad(sys, {
      total: o.total,
      clients: o.clients,
      // A stalled projector answers each write 202 after the apps' wait: ends the load in bounds.
      sendForMs: 60_000,
      firstNodes: [cluster.nodes[0]!, cluster.nodes[1]!],
      env: (first) => ({
        // JetStream's cluster whatever the run's log: logLeaderLost is NATS Streaming's.
        EVENT_LOG: 'jetstream',
        NATS_URL: cluster.urlFrom(first),
        NATS_STREAM_REPLICAS: '3',
      }),
      choose: async () => {
        const meta = await cluster.metaLeader();
        before = await cluster.streams();
        const node = pickVictim(victim, cluster.nodes, before, meta);
        led = groups(before)
          .filter((g) => g.leader === node.name)
          .map((g) => g.name);
        wasMetaLeader = node === meta;
        clientsOnIt = await node.connections();
        return node;
      },
      // Every group it led has a leader again (one that vanished has not), and so has the meta
      // group if it led that.
      elected: (killed) =>
        waitFor(async () => {
          const now = new Map(groups(await cluster.streams()).map((g) => [g.name, g.leader]));
          if (led.some((g) => !now.get(g) || now.get(g) === killed.name)) return false;
          return !wasMetaLeader || (await cluster.metaLeader(1_000).catch(() => null)) !== null;
        }, 30_000),
      rejoin: (killed) => rejoin(cluster, killed),
    });
    const all = groups(before);
    const result: JetStreamNodeLostResult = {
      ...run.result,
      fault: `JetStream node leading the ${LEADING[victim]} killed (3 nodes)`,
      victim,
      fewestReplicas: Math.min(...all.map((g) => g.replicas)),
      groupsLed: led,
      metaLeaderKilled: wasMetaLeader,
    };
    // Groups of one peer: what a single node takes with it.
    const single = all.filter((g) => g.replicas === 1).map((g) => g.name);
    result.notes = {
      'killed node': `${run.killed.name} (leader of ${led.length} of ${all.length} streams and consumers${
        wasMetaLeader ? ', and of the meta group' : ''
      }; ${clientsOnIt ?? '?'} client connections on it)`,
      'groups it led': led.join(', '),
      'groups of one peer': single.join(', ') || 'none',
      'new leaders after (ms)': result.electedAfterMs,
      ...runNotes(result, run),
    };
    return result;
  } finally {
    await sys.stop();
    await cluster.remove();
  }
}
