import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  clusterNodeProcess,
  clusterPorts,
  clusterUrls,
  monitorJson,
  startTogether,
  type ClusterNodeProcess,
  type NodePorts,
} from './clusterNodes';
import { STAN_BINARY, STAN_FLAGS, stanBinaryPresent } from './stanServer';

/** What a node's monitoring endpoint says of it (the fields the tests read). */
export interface Serverz {
  role?: string;
  total_msgs?: number;
  channels?: number;
}

/** One node of a private NATS Streaming cluster. */
export interface StanNode extends ClusterNodeProcess {
  id: string;
  /** Leader, Follower or Candidate, as its monitoring endpoint says; null when it does not answer. */
  role(): Promise<string | null>;
  /** Its monitoring endpoint's `/streaming/serverz`; null when it does not answer. */
  serverz(): Promise<Serverz | null>;
}

/**
 * NATS Streaming clustered as production runs it: RAFT between nodes (`--clustered`), each with its
 * own file store and replication log, joined by NATS routes, on loopback ports of their own.
 */
export interface StanCluster {
  clusterId: string;
  nodes: StanNode[];
  /** Every node's client URL, comma-separated: STAN_URL for the roles. */
  url: string;
  /** The same, with `first` tried first (a client connects to the first it can reach). */
  urlFrom(first: StanNode): string;
  /** The node that is leader now, once one is (a bounded wait). */
  leader(timeoutMs?: number): Promise<StanNode>;
  /** Stops every node and removes their stores. */
  remove(): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export async function startStanCluster(
  clusterId = 'devpie-cluster',
  size = 3,
): Promise<StanCluster> {
  if (!stanBinaryPresent())
    throw new Error(`${STAN_BINARY} is missing: run \`bash scripts/dev-stack.sh tools\``);
  const dir = mkdtempSync(join(tmpdir(), 'devpie-stan-cluster-'));
  const ids = Array.from({ length: size }, (_, i) => `node${i + 1}`);
  const ports = await clusterPorts(size);
  const nodes = ids.map((id, i) => {
    const { port, monitor, route } = ports[i]!;
    const routes = ports
      .filter((_, j) => j !== i)
      .map((p) => `nats://127.0.0.1:${p.route}`)
      .join(',');
    const args = [
      ...['-a', '127.0.0.1', '-p', String(port), '-m', String(monitor)],
      ...['-cid', clusterId, '-st', 'FILE', '--dir', join(dir, id, 'store')],
      ...['--clustered', '--cluster_node_id', id, '--cluster_peers', ids.join(',')],
      ...['--cluster_log_path', join(dir, id, 'raft')],
      ...['--cluster', `nats://127.0.0.1:${route}`, '--routes', routes],
      ...STAN_FLAGS,
    ];
    return node(id, ports[i]!, args);
  });
  const cluster: StanCluster = {
    clusterId,
    nodes,
    ...clusterUrls(nodes),
    async leader(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const roles = await Promise.all(
          nodes.map((n) => (n.running() ? n.role() : Promise.resolve(null))),
        );
        const leaders = nodes.filter((_, i) => roles[i] === 'Leader');
        if (leaders.length === 1) return leaders[0]!;
        if (Date.now() > deadline)
          throw new Error(
            `no single leader after ${timeoutMs} ms: ${nodes.map((n, i) => `${n.id} ${roles[i] ?? 'down'}`).join(', ')}`,
          );
        await sleep(100);
      }
    },
    async remove() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // A node waits for its peers' routes and votes before it elects anyone.
  return startTogether(cluster, nodes, ids, () => cluster.leader());
}

function node(id: string, ports: NodePorts, args: string[]): StanNode {
  const serverz = () => monitorJson<Serverz>(`http://127.0.0.1:${ports.monitor}/streaming/serverz`);
  return {
    ...clusterNodeProcess(STAN_BINARY, args, ports),
    id,
    serverz,
    role: async () => (await serverz())?.role ?? null,
  };
}
