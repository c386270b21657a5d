import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
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
import { NATS_SERVER_BINARY, natsServerBinaryPresent } from './natsServer';

/** A raft group (a stream's, a consumer's) as `/jsz` shows it: its leader and the other peers. */
interface JszGroup {
  leader?: string;
  replicas?: Array<{ name: string; current?: boolean }>;
}

/** One stream as a node's `/jsz?streams=true&consumers=true` shows it (the fields the tests read). */
export interface JszStream {
  name: string;
  cluster?: JszGroup;
  state?: { messages?: number; last_seq?: number };
  consumer_detail?: Array<{
    name: string;
    cluster?: JszGroup;
    delivered?: { stream_seq?: number };
  }>;
}

/** A node's `/jsz` (accounts, streams, consumers): what it stores, and the meta group as it sees it. */
export interface Jsz {
  streams?: number;
  messages?: number;
  meta_cluster?: { leader?: string; cluster_size?: number };
  account_details?: Array<{ stream_detail?: JszStream[] }>;
}

/** A stream of the cluster: its leader's name ('' while it has none), its peers, its messages. */
export interface ClusterStream {
  name: string;
  leader: string;
  /** Every peer of its group, the leader included. */
  replicas: number;
  messages: number;
  /** Its consumers, each with its leader, its peers and how far it has delivered. */
  consumers: Array<{ name: string; leader: string; replicas: number; delivered: number }>;
}

/** One node of a private JetStream cluster. */
export interface JetStreamNode extends ClusterNodeProcess {
  /** Its server name, as the cluster's leaders are named. */
  name: string;
  /** Its monitoring endpoint's `/jsz` with every stream and consumer; null when it does not answer. */
  jsz: () => Promise<Jsz | null>;
  /**
   * `/healthz`: 200 once it runs JetStream and every stream and consumer it holds is current
   * with its group; false while it catches up, or when it does not answer.
   */
  healthy: () => Promise<boolean>;
  /** How many clients are connected to it (`/connz`); null when it does not answer. */
  connections: () => Promise<number | null>;
}

/**
 * JetStream clustered as production runs it (NATS_STREAM_REPLICAS=3): three nats-server nodes,
 * each with a server name and a file store of its own, joined by routes, on loopback ports of
 * their own. The stores are in a temporary folder that `remove` deletes.
 */
export interface JetStreamCluster {
  name: string;
  nodes: JetStreamNode[];
  /** Every node's client URL, comma-separated: NATS_URL for the roles. */
  url: string;
  /** The same, with `first` first (the client shuffles them; the order says which it may pick). */
  urlFrom(first: JetStreamNode): string;
  /** The node that leads the meta group now, once one does and every running node agrees. */
  metaLeader(timeoutMs?: number): Promise<JetStreamNode>;
  /** Each stream whose name starts with `prefix`, and its consumers, as the running nodes see them. */
  streams(prefix?: string): Promise<ClusterStream[]>;
  /** Stops every node and removes their stores. */
  remove(): Promise<void>;
}

/** A group's peers, the leader included. */
const peers = (g: JszGroup | undefined): number => (g?.replicas?.length ?? 0) + (g?.leader ? 1 : 0);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** A node's configuration: what `-js -sd` says, plus the cluster block that has no flags of note. */
function config(o: {
  name: string;
  cluster: string;
  port: number;
  monitor: number;
  route: number;
  routes: number[];
  store: string;
}): string {
  return `${[
    `server_name: "${o.name}"`,
    `listen: "127.0.0.1:${o.port}"`,
    `http: "127.0.0.1:${o.monitor}"`,
    // Bounded, on a machine shared with other suites: the tests store a few megabytes.
    `jetstream { store_dir: "${o.store}", max_memory_store: 64MB, max_file_store: 1GB }`,
    `cluster {`,
    `  name: "${o.cluster}"`,
    `  listen: "127.0.0.1:${o.route}"`,
    `  routes: [${o.routes.map((r) => `"nats://127.0.0.1:${r}"`).join(', ')}]`,
    `}`,
  ].join('\n')}\n`;
}

export async function startJetStreamCluster(
  name = 'devpie-js-cluster',
  size = 3,
): Promise<JetStreamCluster> {
  if (!natsServerBinaryPresent())
    throw new Error(`${NATS_SERVER_BINARY} is missing: run \`bash scripts/dev-stack.sh tools\``);
  const dir = mkdtempSync(join(tmpdir(), 'devpie-js-cluster-'));
  const ports = await clusterPorts(size);
  const nodes = ports.map(({ port, monitor, route }, i) => {
    const nodeName = `n${i + 1}`;
    const file = join(dir, `${nodeName}.conf`);
    writeFileSync(
      file,
      config({
        name: nodeName,
        cluster: name,
        port,
        monitor,
        route,
        routes: ports.filter((_, j) => j !== i).map((p) => p.route),
        store: join(dir, nodeName),
      }),
    );
    return node(nodeName, ports[i]!, file);
  });
  const running = () => nodes.filter((n) => n.running());
  const cluster: JetStreamCluster = {
    name,
    nodes,
    ...clusterUrls(nodes),
    async metaLeader(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const seen = await Promise.all(running().map((n) => n.jsz()));
        const leaders = new Set(seen.map((j) => j?.meta_cluster?.leader ?? ''));
        const leader = nodes.find((n) => leaders.size === 1 && leaders.has(n.name));
        if (leader?.running()) return leader;
        if (Date.now() > deadline)
          throw new Error(
            `no meta leader all agree on after ${timeoutMs} ms: ${[...leaders].join(', ')}`,
          );
        await sleep(100);
      }
    },
    async streams(prefix = '') {
      // Every node lists the groups it is a peer of: a consumer of one peer only on its node.
      const views = (
        await Promise.all(running().map(async (n) => ({ node: n.name, jsz: await n.jsz() })))
      ).flatMap(({ node, jsz }) =>
        (jsz?.account_details ?? [])
          .flatMap((a) => a.stream_detail ?? [])
          .filter((s) => s.name.startsWith(prefix))
          .map((s) => ({ node, s })),
      );
      const found = new Map<string, ClusterStream>();
      // A group as its leader says it when it answers (it knows its peers best), else as a peer does.
      for (const { s } of [...views].sort(
        (x, y) => Number(x.node !== x.s.cluster?.leader) - Number(y.node !== y.s.cluster?.leader),
      ))
        if (!found.has(s.name))
          found.set(s.name, {
            name: s.name,
            leader: s.cluster?.leader ?? '',
            replicas: peers(s.cluster),
            messages: s.state?.messages ?? 0,
            consumers: [],
          });
      const consumers = views.flatMap(({ node, s }) =>
        (s.consumer_detail ?? []).map((c) => ({ node, stream: s.name, c })),
      );
      const taken = new Set<string>();
      for (const { stream, c } of consumers.sort(
        (x, y) => Number(x.node !== x.c.cluster?.leader) - Number(y.node !== y.c.cluster?.leader),
      )) {
        if (taken.has(`${stream} > ${c.name}`)) continue;
        taken.add(`${stream} > ${c.name}`);
        found.get(stream)?.consumers.push({
          name: c.name,
          leader: c.cluster?.leader ?? '',
          replicas: peers(c.cluster),
          delivered: c.delivered?.stream_seq ?? 0,
        });
      }
      return [...found.values()];
    },
    async remove() {
      await Promise.all(nodes.map((n) => n.kill()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
  // A node waits for its peers' routes before the meta group elects anyone.
  return startTogether(
    cluster,
    nodes,
    nodes.map((n) => n.name),
    async () => {
      await cluster.metaLeader();
      const deadline = Date.now() + 30_000;
      while (!(await Promise.all(nodes.map((n) => n.healthy()))).every(Boolean)) {
        if (Date.now() > deadline) throw new Error('not every node was healthy within 30 s');
        await sleep(100);
      }
    },
  );
}

function node(name: string, ports: NodePorts, configFile: string): JetStreamNode {
  const monitor = `http://127.0.0.1:${ports.monitor}`;
  return {
    ...clusterNodeProcess(NATS_SERVER_BINARY, ['-c', configFile], ports),
    name,
    jsz: () => monitorJson<Jsz>(`${monitor}/jsz?accounts=true&streams=true&consumers=true`),
    connections: async () =>
      (await monitorJson<{ num_connections?: number }>(`${monitor}/connz`))?.num_connections ??
      null,
    healthy: async () => (await monitorJson<{ status?: string }>(`${monitor}/healthz`)) !== null,
  };
}
