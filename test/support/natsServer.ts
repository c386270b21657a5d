import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../platform/paths';
import { freePort } from './ports';
import { serverProcess } from './serverProcess';

/**
 * The nats-server `scripts/dev-stack.sh tools` builds (2.14.10, the version the JetStream adapter
 * is written for): the fault suite's log servers on JetStream, single and clustered, are this one.
 */
export const NATS_SERVER_BINARY = repoPath('.tools', 'nats-server');

export const natsServerBinaryPresent = (): boolean => existsSync(NATS_SERVER_BINARY);

/** The nats-server dev-stack.sh built, else the machine's: either runs JetStream. */
export function natsServerBinary(): string | null {
  const candidates = [NATS_SERVER_BINARY, '/usr/sbin/nats-server', '/usr/bin/nats-server'];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** A JetStream server of a test's own, on its own port and file store: a test may kill it. */
export interface PrivateJetStream {
  url: string;
  port: number;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill: () => Promise<void>;
  /** Starts it again on the same port and store. */
  start: () => Promise<void>;
  /** Stops it and removes its store. */
  remove: () => Promise<void>;
  output: () => string;
}

export async function startPrivateJetStream(
  binary = NATS_SERVER_BINARY,
): Promise<PrivateJetStream> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'devpie-jetstream-'));
  const proc = serverProcess(
    binary,
    ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
    port,
  );
  const server: PrivateJetStream = {
    url: `nats://127.0.0.1:${port}`,
    port,
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
    await server.remove();
    throw err;
  }
  return server;
}
