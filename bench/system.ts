import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { ROLES } from '../main';
import { repoPath } from '../platform/paths';
import type { RunningProcess } from '../platform/runtime/launcher';
import { planProcesses } from '../platform/runtime/layout';
import { coresUsed, cpuSnapshot, type CpuSnapshot } from './cpu';
import { logEnv, type BenchLog } from './logs';
import type { ProbeStats, ProfileSummary } from './probe';
import { log, sleep } from './util';

export interface SystemUnderTest {
  pid: number;
  port: number;
  /** Set once the process has exited, whoever made it: code, signal, and its last output. */
  exit(): { code: number | null; signal: string | null; outputTail: string } | null;
  /** The probe's figures since the previous call (null when the probe is off). */
  probe(): Promise<ProbeStats | null>;
  /** Starts (null) or stops (the summary) a CPU profile of the system process; null when the probe is off. */
  profile(action: 'start' | 'stop'): Promise<ProfileSummary | null>;
  stop(): Promise<number | null>;
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
export interface SystemOptions {
  port: number;
  databaseUrl: string;
  prefix: string;
  /** The log it runs on (EVENT_LOG and its server; lease-free components on JetStream). */
  log: BenchLog;
  /** Preload bench/probe.js (timings of statements, publishes, deliveries, event loop). */
  probe: boolean;
  /**
   * The Temporal namespace and a task queue of the run's own: the system's worker then runs only
   * the workflows this run starts, and nobody else's (a developer's app, a test suite, an earlier run).
   */
  temporal: { namespace: string; taskQueue: string };
  /** Where the system's mail goes (captured to files): a directory of the run's, deleted after it. */
  mailDir: string;
  /** Set on top of the rest (undefined unsets): the observability stage turns metrics and tracing off and on. */
  env?: NodeJS.ProcessEnv;
}

/** The environment the system under test runs with (the rebuild command gets the same). */
export function systemEnv(o: SystemOptions): NodeJS.ProcessEnv {
  const unset = new Set([
    'AUTH0_DOMAIN',
    'AUTH0_AUDIENCE',
    'AUTH_ISSUER',
    'AUTH_AUDIENCE',
    'AUTH_JWKS_URI',
    'INSTANCE_ID',
    'SMTP_URL',
  ]);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PORT: String(o.port),
    DATABASE_URL: o.databaseUrl,
    ...logEnv(o.log),
    STAN_CHANNEL_PREFIX: o.prefix,
    DEV_AUTH: 'true',
    NODE_ENV: 'production',
    TEMPORAL_NAMESPACE: o.temporal.namespace,
    TEMPORAL_TASK_QUEUE: o.temporal.taskQueue,
    MAIL_CAPTURE_DIR: o.mailDir,
    // info is quiet here (start, stop, and the signal a shutdown came from) and explains an exit.
    LOG_LEVEL: process.env.BENCH_SYSTEM_LOG_LEVEL ?? 'info',
    ...o.env,
  };
  return Object.fromEntries(
    Object.entries(env).filter(([k, v]) => !unset.has(k) && v !== undefined),
  );
}

export interface RebuildCommandResult {
  context: string;
  exitCode: number | null;
  /** Wall time of the whole command: process start, migrations, replay, swap, exit. */
  wallSeconds: number;
  /** What the command printed: `rebuilt <context>: N entries, M events in S s (R events/s); views swapped in`. */
  line: string | null;
  entries: number | null;
  events: number | null;
  seconds: number | null;
  eventsPerSec: number | null;
  /** Cores busy while it ran, by process group (sampled every 250 ms while the command lived). */
  cpuCores: Record<string, number>;
  outputTail: string;
}

/** `node dist/main.js rebuild <context>` as a user runs it, against the system's database and log. */
export function runRebuildCommand(
  o: SystemOptions,
  context: string,
  timeoutMs: number,
): Promise<RebuildCommandResult> {
  return new Promise((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, [repoPath('dist', 'main.js'), 'rebuild', context], {
      env: { ...systemEnv(o), LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let tail = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      process.stderr.write(c);
    });
    child.stderr.on('data', (c: Buffer) => {
      tail = (tail + c.toString()).slice(-2000);
      process.stderr.write(c);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    const named = { [String(child.pid)]: 'rebuildCommand', [String(process.pid)]: 'bench' };
    const first: CpuSnapshot = cpuSnapshot(named);
    let last = first;
    const sampler = setInterval(() => (last = cpuSnapshot(named)), 250);
    child.once('exit', (code) => {
      clearTimeout(timer);
      clearInterval(sampler);
      const line = out.split('\n').find((l) => l.startsWith(`rebuilt ${context}:`)) ?? null;
      const m = line
        ? /: (\d+) entries, (\d+) events in ([\d.]+) s \((\d+) events\/s\)/.exec(line)
        : null;
      resolve({
        context,
        exitCode: code,
        wallSeconds: Math.round(Date.now() - t0) / 1000,
        line,
        entries: m ? Number(m[1]) : null,
        events: m ? Number(m[2]) : null,
        seconds: m ? Number(m[3]) : null,
        eventsPerSec: m ? Number(m[4]) : null,
        cpuCores: last === first ? {} : coresUsed(first, last),
        outputTail: (out + tail).slice(-2000),
      });
    });
  });
}

export async function startSystem(o: SystemOptions): Promise<SystemUnderTest> {
  const env = systemEnv(o);
  const preload = o.probe ? ['-r', repoPath('dist', 'bench', 'probe.js')] : [];
  // Node's own flags for the system under test (`--cpu-prof --cpu-prof-dir=…`, which
  // NODE_OPTIONS refuses): to see where a stage's CPU goes.
  const nodeArgs = (process.env.BENCH_SYSTEM_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child: ChildProcess = spawn(
    process.execPath,
    [...nodeArgs, ...preload, repoPath('dist', 'main.js'), 'all'],
    { env, stdio: ['ignore', 'pipe', 'pipe', 'ipc'] },
  );
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
  const ask = <T>(
    type: string,
    answer: string,
    pick: (m: Record<string, unknown>) => T | null,
  ): Promise<T | null> => {
    if (!o.probe || exited !== undefined) return Promise.resolve(null);
    const id = ++asked;
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        child.removeListener('message', onMessage);
        resolve(null);
      }, 10_000);
      const onMessage = (m: Record<string, unknown>) => {
        if (m?.type !== answer || m.id !== id) return;
        clearTimeout(timer);
        child.removeListener('message', onMessage);
        if (m.error) log('probe request failed', { type, error: m.error });
        resolve(pick(m));
      };
      child.on('message', onMessage);
      child.send({ type, id });
    });
  };
  const probe = () => ask('probe:take', 'probe:stats', (m) => (m.stats as ProbeStats) ?? null);
  const profile = (action: 'start' | 'stop') =>
    ask(`probe:profile-${action}`, 'probe:profile', (m) => (m.summary as ProfileSummary) ?? null);
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
    if (exited !== undefined)
      throw new Error(`system under test exited with ${exited} before it was ready`);
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
    profile,
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

/** How many processes (and so ports) a DEVPIE_PROCESSES layout runs. */
export const layoutSize = (layout: string): number =>
  planProcesses(layout, Object.keys(ROLES), 0).length;

export interface LaunchedSystem extends SystemUnderTest {
  layout: string;
  /** The launcher's processes now running (the launcher itself is `pid`). */
  processes(): RunningProcess[];
}

/**
 * The system as `npm start` runs it, through its launcher (dist/scripts/start.js) with
 * DEVPIE_PROCESSES=`layout`: one process for `all`, a few for `split`, on ports from `o.port` up
 * (the API on `o.port`). Ready once every process answers /readyz. No probe.
 */
export async function startLaunched(o: SystemOptions, layout: string): Promise<LaunchedSystem> {
  const expected = layoutSize(layout);
  const child = spawn(process.execPath, [repoPath('dist', 'scripts', 'start.js')], {
    env: { ...systemEnv(o), DEVPIE_PROCESSES: layout },
    stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
  });
  child.channel?.unref();
  let tail = '';
  const keep = (chunk: Buffer) => {
    process.stderr.write(chunk);
    tail = (tail + chunk.toString()).slice(-4000);
  };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const running = new Map<string, RunningProcess>();
  child.on('message', (m: { type?: string } & RunningProcess) => {
    if (m.type === 'start:process') {
      const { name, args, port, pid, restarts } = m;
      running.set(name, { name, args, port, pid, restarts });
    }
  });
  let exitInfo: { code: number | null; signal: string | null; outputTail: string } | null = null;
  const exit = new Promise<number | null>((resolve) =>
    child.once('exit', (code, signal) => {
      exitInfo = { code, signal, outputTail: tail };
      resolve(code ?? (signal ? 128 : null));
    }),
  );
  // Should this process die first, the launcher (its IPC channel gone) stops its processes.
  const kill = () => child.kill('SIGKILL');
  process.once('exit', kill);
  const deadline = Date.now() + 90_000;
  for (;;) {
    if (exitInfo) throw new Error(`launcher (${layout}) exited before the system was ready`);
    const ps = [...running.values()];
    if (ps.length === expected && (await Promise.all(ps.map((p) => ready(p.port)))).every(Boolean))
      break;
    if (Date.now() > deadline) {
      child.kill('SIGTERM');
      throw new Error(`system (${layout}) not ready within 90 s`);
    }
    await sleep(100);
  }
  const processes = () => [...running.values()];
  log('system ready', { layout, launcher: child.pid, processes: processes(), prefix: o.prefix });
  return {
    layout,
    pid: child.pid!,
    port: o.port,
    processes,
    exit: () =>
      exitInfo ?? (processes().some((p) => p.restarts > 0) ? restarted(processes(), tail) : null),
    probe: () => Promise.resolve(null),
    profile: () => Promise.resolve(null),
    async stop() {
      if (!exitInfo) {
        child.kill('SIGTERM');
        const timer = setTimeout(kill, 30_000);
        await exit;
        clearTimeout(timer);
      }
      process.removeListener('exit', kill);
      return exitInfo?.code ?? null;
    },
  };
}

/** A process the launcher had to start again: for the bench, as void as the whole system exiting. */
const restarted = (ps: RunningProcess[], tail: string) => ({
  code: null,
  signal: `restarted: ${ps
    .filter((p) => p.restarts > 0)
    .map((p) => p.name)
    .join(', ')}`,
  outputTail: tail,
});
