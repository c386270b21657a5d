import { freePort } from './ports';
import { serverProcess } from './serverProcess';

/**
 * What the private log clusters of the fault suite (NATS Streaming's, JetStream's) have in
 * common: three loopback ports a node, a server process each that can be killed and started
 * again on its store, the client URLs, and a start that tears everything down when it fails.
 */
export interface NodePorts {
  port: number;
  monitor: number;
  route: number;
}

/** A node's ports, one node after the other: ports asked for at the same moment could come back the same. */
export async function clusterPorts(size: number): Promise<NodePorts[]> {
  const ports: NodePorts[] = [];
  for (let i = 0; i < size; i++)
    ports.push({ port: await freePort(), monitor: await freePort(), route: await freePort() });
  return ports;
}

/** A node's process and addresses. */
export interface ClusterNodeProcess {
  url: string;
  port: number;
  monitorPort: number;
  routePort: number;
  /** Whether its process is running (false once killed). */
  running: () => boolean;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill: () => Promise<void>;
  /** Starts it again on its ports and its own store. */
  start: () => Promise<void>;
  output: () => string;
}

export function clusterNodeProcess(
  binary: string,
  args: string[],
  ports: NodePorts,
): ClusterNodeProcess {
  const proc = serverProcess(binary, args, ports.port);
  return {
    url: `nats://127.0.0.1:${ports.port}`,
    port: ports.port,
    monitorPort: ports.monitor,
    routePort: ports.route,
    running: proc.running,
    output: proc.output,
    start: proc.start,
    kill: proc.kill,
  };
}

/** Every node's client URL, comma-separated; and the same with `first` first. */
export function clusterUrls<N extends { url: string }>(
  nodes: N[],
): { url: string; urlFrom: (first: N) => string } {
  return {
    url: nodes.map((n) => n.url).join(','),
    urlFrom: (first) => [first, ...nodes.filter((n) => n !== first)].map((n) => n.url).join(','),
  };
}

/**
 * Starts every node at once (a node waits for its peers' routes before anyone is elected), then
 * waits for `ready`; on failure removes the cluster and says what each node printed.
 */
export async function startTogether<C extends { remove(): Promise<void> }>(
  cluster: C,
  nodes: Array<{ start(): Promise<void>; output(): string }>,
  names: string[],
  ready: () => Promise<unknown>,
): Promise<C> {
  try {
    await Promise.all(nodes.map((n) => n.start()));
    await ready();
  } catch (err) {
    const said = nodes.map((n, i) => `--- ${names[i]}\n${n.output()}`).join('\n');
    await cluster.remove();
    throw new Error(`the cluster did not start: ${(err as Error).message}\n${said}`);
  }
  return cluster;
}

/** A monitoring endpoint's JSON; null when it does not answer within a second or not with 200. */
export async function monitorJson<T>(url: string): Promise<T | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    return res.ok ? ((await res.json()) as T) : null;
  } catch {
    return null;
  }
}
