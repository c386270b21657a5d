import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '../../platform/paths';
import { TEST_NATS, TEST_STAN, testEventLog } from './env';
import { freePort } from './ports';

export interface RoleProcess {
  port: number;
  child: ChildProcess;
  output(): string;
  ready(): Promise<boolean>;
  waitReady(timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<number | null>;
}

/** Runs roles from the compiled build, the way Kubernetes runs them: `node dist/main.js <role>`. */
export async function startRoles(
  roles: string[],
  env: Record<string, string>,
): Promise<RoleProcess> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [repoPath('dist', 'main.js'), ...roles], {
    env: {
      ...process.env,
      STAN_URL: TEST_STAN.url,
      STAN_CLUSTER_ID: TEST_STAN.clusterId,
      // The log this run chose, unless a test says otherwise: the roles write where it reads.
      EVENT_LOG: testEventLog(),
      NATS_URL: TEST_NATS.url,
      NODE_ENV: 'test',
      LOG_LEVEL: process.env.ROLE_LOG_LEVEL ?? 'warn',
      PORT: String(port),
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = async () => {
    try {
      const res = await fetch(`http://127.0.0.1:${port}/readyz`);
      return res.status === 200;
    } catch {
      return false;
    }
  };
  return {
    port,
    child,
    output: () => out,
    ready,
    async waitReady(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      while (!(await ready())) {
        if (child.exitCode !== null) throw new Error(`roles ${roles.join(',')} exited: ${out}`);
        if (Date.now() > deadline) {
          const said = await fetch(`http://127.0.0.1:${port}/readyz`)
            .then((r) => r.text())
            .catch((err: unknown) => String(err));
          throw new Error(`roles ${roles.join(',')} not ready: ${said}\n${out}`);
        }
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    async kill(signal = 'SIGTERM') {
      if (child.exitCode !== null) return child.exitCode;
      child.kill(signal);
      return exited;
    },
  };
}

/** Kills a test server with SIGKILL (a crash, not a shutdown) and resolves once it has exited. */
export async function killHard(child: ChildProcess | null): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((r) => child.once('exit', r));
  child.kill('SIGKILL');
  await exited;
}
