import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { createServer } from 'node:net';
import { repoPath } from '../platform/paths';
import type { ProbeStats } from './probe';
import { log, sleep } from './util';

export interface SystemUnderTest {
  pid: number;
  port: number;
  /** Set once the process has exited, whoever made it: code, signal, and its last output. */
  exit(): { code: number | null; signal: string | null; outputTail: string } | null;
  /** The probe's figures since the previous call (null when the probe is off). */
  probe(): Promise<ProbeStats | null>;
  stop(): Promise<number | null>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const ready = (port: number): Promise<boolean> =>
  new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/readyz', timeout: 1000 }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.on('error', () => resolve(false));
    req.on('timeout', () => req.destroy());
    req.end();
  });

/**
 * The real system, compiled, as `npm start` runs it (`node dist/main.js all`): its own port,
 * database and channel prefix, dev-issuer auth. Its stdout goes to our stderr.
 */
export async function startSystem(o: {
  port: number;
  databaseUrl: string;
  prefix: string;
  stanUrl: string;
  clusterId: string;
  /** Preload bench/probe.js (timings of statements, publishes, deliveries, event loop). */
  probe: boolean;
}): Promise<SystemUnderTest> {
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(o.port),
    DATABASE_URL: o.databaseUrl,
    STAN_URL: o.stanUrl,
    STAN_CLUSTER_ID: o.clusterId,
    STAN_CHANNEL_PREFIX: o.prefix,
    DEV_AUTH: 'true',
    NODE_ENV: 'production',
    // info is quiet here (start, stop, and the signal a shutdown came from) and explains an exit.
    LOG_LEVEL: process.env.BENCH_SYSTEM_LOG_LEVEL ?? 'info',
  };
  for (const k of ['AUTH0_DOMAIN', 'AUTH0_AUDIENCE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URI', 'INSTANCE_ID']) delete env[k];
  const preload = o.probe ? ['-r', repoPath('dist', 'bench', 'probe.js')] : [];
  const child: ChildProcess = spawn(process.execPath, [...preload, repoPath('dist', 'main.js'), 'all'], { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] });
  child.channel?.unref();
  let tail = '';
  const keep = (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  let exitInfo: { code: number | null; signal: string | null; outputTail: string } | null = null;
  let asked = 0;
  const probe = (): Promise<ProbeStats | null> => {
    if (!o.probe || exited !== undefined) return Promise.resolve(null);
    const id = ++asked;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.removeListener('message', onMessage);
        resolve(null);
      }, 5000);
      const onMessage = (m: { type?: string; id?: number; stats?: ProbeStats }) => {
        if (m?.type !== 'probe:stats' || m.id !== id) return;
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        resolve(m.stats ?? null);
      };
      child.on('message', onMessage);
      child.send({ type: 'probe:take', id });
    });
  };
  let exited: number | null | undefined;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exited = code ?? (signal ? 128 : null);
      exitInfo = { code, signal, outputTail: tail };
      resolve(exited);
    }),
  );
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);

  const deadline = Date.now() + 60_000;
  while (!(await ready(o.port))) {
    if (exited !== undefined) throw new Error(`system under test exited with ${exited} before it was ready`);
    if (Date.now() > deadline) {
      kill();
      throw new Error('system under test not ready within 60 s');
    }
    await sleep(100);
  }
  log('system ready', { pid: child.pid, port: o.port, prefix: o.prefix });
  return {
    pid: child.pid!,
    port: o.port,
    exit: () => (exitInfo ? { ...exitInfo, outputTail: tail } : null),
    probe,
    async stop() {
      if (exited === undefined) {
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 25_000);
        await exit;
        clearTimeout(timer);
      }
      process.removeListener('exit', kill);
      return exited ?? null;
    },
  };
}
