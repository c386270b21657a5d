import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../platform/paths';
import { freePort } from './ports';
import { serverProcess } from './serverProcess';

// Where the other servers' helpers (and a Postgres test) have always found it.
export { waitForPort } from './serverProcess';

/** The NATS Streaming server that `scripts/dev-stack.sh tools` builds (scripts/test.sh runs it). */
export const STAN_BINARY = repoPath('.tools', 'nats-streaming-server');

export const stanBinaryPresent = (): boolean => existsSync(STAN_BINARY);

/**
 * A NATS Streaming server of a test's own, on its own port and file store, never the dev or test
 * stack's: a fault test may kill it and start it again on the same store.
 */
export interface PrivateStan {
  url: string;
  clusterId: string;
  port: number;
  monitorPort: number;
  storeDir: string;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill: () => Promise<void>;
  /** Starts it again on the same port and store. */
  start: () => Promise<void>;
  /** Stops it and removes its store. */
  remove: () => Promise<void>;
  output: () => string;
}

/** The flags dev-stack.sh starts the log with: no limits (this is the log), short heartbeats. */
export const STAN_FLAGS = [
  ...['-mc', '0', '-mm', '0', '-mb', '0', '-ma', '0', '-msu', '0'],
  ...['-hbi', '2s', '-hbt', '2s', '-hbf', '3'],
];

export async function startPrivateStan(
  clusterId = 'devpie-private',
  extraArgs: string[] = [],
): Promise<PrivateStan> {
  const port = await freePort();
  const monitorPort = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'devpie-stan-'));
  const args = [
    ...['-a', '127.0.0.1', '-p', String(port), '-m', String(monitorPort)],
    ...['-cid', clusterId, '-st', 'FILE', '--dir', join(storeDir, 'store')],
    ...STAN_FLAGS,
    ...extraArgs,
  ];
  const proc = serverProcess(STAN_BINARY, args, port);
  const server: PrivateStan = {
    url: `nats://127.0.0.1:${port}`,
    clusterId,
    port,
    monitorPort,
    storeDir,
    output: proc.output,
    start: proc.start,
    kill: proc.kill,
    async remove() {
      await proc.kill();
      rmSync(storeDir, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    // A server that never opened its port is still a process, and its store a folder.
    await server.remove();
    throw err;
  }
  return server;
}
