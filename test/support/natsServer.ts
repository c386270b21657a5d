import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { repoPath } from '../../platform/paths';
import { freePort, killHard } from './processes';
import { waitForPort } from './stanServer';

/** The nats-server dev-stack.sh built, else the machine's: either runs JetStream. */
export function natsServerBinary(): string | null {
  const candidates = [
    repoPath('.tools', 'nats-server'),
    '/usr/sbin/nats-server',
    '/usr/bin/nats-server',
  ];
  return candidates.find((p) => existsSync(p)) ?? null;
}

/** A JetStream server of a test's own, on its own port and file store: a test may kill it. */
export interface PrivateJetStream {
  url: string;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill(): Promise<void>;
  /** Starts it again on the same port and store. */
  start(): Promise<void>;
  /** Stops it and removes its store. */
  remove(): Promise<void>;
}

export async function startPrivateJetStream(binary: string): Promise<PrivateJetStream> {
  const port = await freePort();
  const storeDir = mkdtempSync(join(tmpdir(), 'devpie-jetstream-'));
  let child: ChildProcess | null = null;
  const server: PrivateJetStream = {
    url: `nats://127.0.0.1:${port}`,
    async start() {
      if (child) throw new Error('already running');
      const started = spawn(
        binary,
        ['-a', '127.0.0.1', '-p', String(port), '-js', '-sd', storeDir],
        {
          stdio: 'ignore',
        },
      );
      started.once('exit', () => {
        if (child === started) child = null;
      });
      child = started;
      await waitForPort(port);
    },
    async kill() {
      await killHard(child);
    },
    async remove() {
      await server.kill();
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
