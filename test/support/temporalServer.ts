import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connectTemporal } from '../../platform/temporal/connection';
import { repoPath } from '../../platform/paths';
import { freePort } from './ports';
import { killHard } from './processes';
import { waitForPort } from './stanServer';

/** The Temporal CLI that `scripts/dev-stack.sh tools` builds. */
export const TEMPORAL_BINARY = repoPath('.tools', 'temporal');

export const temporalBinaryPresent = (): boolean => existsSync(TEMPORAL_BINARY);

/** What dev-stack.sh registers: the workflows upsert them, and a server without them refuses. */
const SEARCH_ATTRIBUTES = ['EstimateId=Keyword', 'InvoiceId=Keyword', 'ProjectId=Keyword'];

/**
 * A Temporal dev server of a test's own (its own ports and SQLite file), never the test stack's:
 * a fault test may kill it and start it again on the same file, as the shared one must not be.
 */
export interface PrivateTemporal {
  /** host:port of the frontend, as TEMPORAL_ADDRESS. */
  address: string;
  namespace: string;
  dbFile: string;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill(): Promise<void>;
  /** Starts it again on the same ports and file, and waits until its namespace answers. */
  start(): Promise<void>;
  /** Stops it and removes its file. */
  remove(): Promise<void>;
  output(): string;
}

export async function startPrivateTemporal(namespace = 'devpie-test'): Promise<PrivateTemporal> {
  const port = await freePort();
  const uiPort = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'devpie-temporal-'));
  const dbFile = join(dir, 'temporal.db');
  let child: ChildProcess | null = null;
  let out = '';
  const address = `127.0.0.1:${port}`;
  const server: PrivateTemporal = {
    address,
    namespace,
    dbFile,
    output: () => out,
    async start() {
      if (child) throw new Error('already running');
      const args = [
        ...['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port)],
        ...['--ui-port', String(uiPort), '--db-filename', dbFile],
        // As dev-stack.sh: the file is a test's, its durability is not worth the fsyncs.
        ...['--sqlite-pragma', 'journal_mode=WAL', '--sqlite-pragma', 'synchronous=OFF'],
        ...['--log-level', 'warn', '--namespace', namespace],
        ...SEARCH_ATTRIBUTES.flatMap((sa) => ['--search-attribute', sa]),
      ];
      const started = spawn(TEMPORAL_BINARY, args, {
        stdio: ['ignore', 'pipe', 'pipe'],
        env: { ...process.env, GOGC: '400', GOMEMLIMIT: '1GiB' },
      });
      started.stdout?.on('data', (d) => (out += String(d)));
      started.stderr?.on('data', (d) => (out += String(d)));
      started.once('exit', () => {
        if (child === started) child = null;
      });
      child = started;
      await waitForPort(port, 60_000);
      // The port opens before the namespace is registered (on a first start) or loaded.
      const { client, connection } = await connectTemporal({
        address,
        namespace,
        taskQueue: 'unused',
      });
      try {
        const deadline = Date.now() + 60_000;
        for (;;) {
          try {
            await client.workflowService.describeNamespace({ namespace });
            break;
          } catch (err) {
            if (Date.now() > deadline) throw err;
            await new Promise((r) => setTimeout(r, 250));
          }
        }
      } finally {
        await connection.close();
      }
    },
    async kill() {
      await killHard(child);
    },
    async remove() {
      await server.kill();
      rmSync(dir, { recursive: true, force: true });
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
