import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';
import { killHard } from './processes';

export function waitForPort(port: number, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = () => {
      const socket = connect(port, '127.0.0.1');
      socket.once('connect', () => {
        socket.destroy();
        resolve();
      });
      socket.once('error', () => {
        socket.destroy();
        if (Date.now() > deadline) reject(new Error(`nothing listens on ${port}`));
        else setTimeout(attempt, 50);
      });
    };
    attempt();
  });
}

/**
 * A server binary a test runs, kills and runs again on the same arguments (so the same ports and
 * store): the log servers of the fault suite, single or clustered. Its parts are plain functions,
 * so a helper can hand them on as they are.
 */
export interface ServerProcess {
  /** Whether its process is running (false once killed or exited). */
  running: () => boolean;
  /** Starts it; resolves once it listens on its client port. */
  start: () => Promise<void>;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill: () => Promise<void>;
  /** What it printed, over every start. */
  output: () => string;
}

export function serverProcess(binary: string, args: string[], port: number): ServerProcess {
  let child: ChildProcess | null = null;
  let out = '';
  return {
    running: () => child !== null,
    output: () => out,
    async start() {
      if (child) throw new Error(`${binary} on ${port} is already running`);
      const started = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
      started.stdout?.on('data', (d) => (out += String(d)));
      started.stderr?.on('data', (d) => (out += String(d)));
      started.once('exit', () => {
        if (child === started) child = null;
      });
      child = started;
      await waitForPort(port);
    },
    async kill() {
      await killHard(child);
    },
  };
}
