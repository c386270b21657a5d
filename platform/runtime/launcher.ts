import { spawn, type ChildProcess } from 'node:child_process';
import { planProcesses, type PlannedProcess } from './layout';

/**
 * What `npm start` runs: the backend as one process or a few (DEVPIE_PROCESSES, see layout.ts),
 * each started again when it exits on its own, as Kubernetes does with a pod. A clean exit (code
 * 0: someone stopped it) stops the rest and ends the launcher, as it ended `npm start` before.
 */
export interface LaunchOptions {
  /** A name of LAYOUTS or a spec; ignored when `args` are given. */
  layout: string;
  /** `node dist/main.js` arguments given on the command line: one process with them, as before. */
  args: string[];
  /** The first process's port (the API's); the others take the next ones. */
  basePort: number;
  env: NodeJS.ProcessEnv;
  /** Path of the compiled main.js. */
  mainJs: string;
  restartDelayMs?: number;
  log?: (line: string) => void;
  /** Each start of a process, for a parent that watches them (the bench, a test). */
  onStart?: (p: RunningProcess) => void;
}

export interface RunningProcess extends PlannedProcess {
  pid: number;
  /** Starts after the first. */
  restarts: number;
}

export interface Launched {
  processes(): RunningProcess[];
  /** Asks every process to stop (SIGTERM); `done` settles once they have. */
  stop(): void;
  /** The launcher's exit code: 0 when every process stopped cleanly. */
  done: Promise<number>;
}

/** Commands that run once and end: their exit code is the launcher's, never restarted. */
const ONE_SHOT = new Set(['migrate', 'rebuild', 'parked', 'roles']);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function runOnce(
  mainJs: string,
  args: string[],
  env: NodeJS.ProcessEnv,
  capture: boolean,
): { child: ChildProcess; result: Promise<{ code: number; out: string }> } {
  const child = spawn(process.execPath, [mainJs, ...args], {
    env,
    stdio: ['ignore', capture ? 'pipe' : 'inherit', 'inherit'],
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  const result = new Promise<{ code: number; out: string }>((resolve) => {
    child.once('error', () => resolve({ code: 1, out }));
    child.once('exit', (code, signal) => resolve({ code: code ?? (signal ? 1 : 0), out }));
  });
  return { child, result };
}

export function launch(o: LaunchOptions): Launched {
  const log = o.log ?? ((line: string) => process.stderr.write(`[start] ${line}\n`));
  const restartDelayMs = o.restartDelayMs ?? 1000;
  let stopping = false;
  let oneShot: ChildProcess | null = null;
  const running = new Map<string, { p: RunningProcess; child: ChildProcess }>();
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let exitCode = 0;

  const settleIfIdle = () => {
    if (stopping && running.size === 0 && !oneShot) finish(exitCode);
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    oneShot?.kill('SIGTERM');
    for (const { child } of running.values()) child.kill('SIGTERM');
    settleIfIdle();
  };

  const start = (plan: PlannedProcess, restarts: number) => {
    const child = spawn(process.execPath, [o.mainJs, ...plan.args], {
      env: { ...o.env, PORT: String(plan.port) },
      // The IPC channel lets the process stop itself should this launcher die without a word.
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    const p: RunningProcess = { ...plan, pid: child.pid ?? 0, restarts };
    running.set(plan.name, { p, child });
    log(
      `${plan.name}: pid ${p.pid}, port ${plan.port}${restarts ? `, start ${restarts + 1}` : ''}`,
    );
    o.onStart?.(p);
    child.once('exit', (code, signal) => {
      running.delete(plan.name);
      if (stopping) {
        if (code !== 0) exitCode = code ?? 1;
        settleIfIdle();
        return;
      }
      if (code === 0) {
        // Stopped on purpose (a signal to it alone, or it finished): the backend is stopped.
        log(`${plan.name} stopped cleanly; stopping the rest`);
        stop();
        return;
      }
      log(
        `${plan.name} exited with ${code ?? signal}; starting it again in ${restartDelayMs} ms (Ctrl-C stops)`,
      );
      setTimeout(() => {
        if (!stopping) start(plan, restarts + 1);
      }, restartDelayMs);
    });
  };

  // Asked after each wait: stop() may have come meanwhile.
  const halted = (): boolean => {
    if (stopping) settleIfIdle();
    return stopping;
  };

  const run = async () => {
    if (o.args.length && ONE_SHOT.has(o.args[0] ?? '')) {
      const once = runOnce(o.mainJs, o.args, { ...o.env, PORT: String(o.basePort) }, false);
      oneShot = once.child;
      const { code } = await once.result;
      oneShot = null;
      finish(code);
      return;
    }
    if (o.args.length || o.layout === 'all') {
      const name = o.args.length ? o.args.join('+') : 'all';
      start({ name, args: o.args.length ? o.args : ['all'], port: o.basePort }, 0);
      return;
    }
    const roles = await runOnce(o.mainJs, ['roles'], o.env, true).result;
    if (roles.code !== 0) {
      finish(roles.code);
      return;
    }
    if (halted()) return;
    const plan = planProcesses(o.layout, JSON.parse(roles.out) as string[], o.basePort);
    log(`layout ${o.layout}: ${plan.map((p) => `${p.name} on :${p.port}`).join(', ')}`);
    // `all` migrates as it starts; split, no process does, so the schema is brought up first
    // (and tried again while the database is not there yet, as a restarted `all` would).
    for (;;) {
      const once = runOnce(o.mainJs, ['migrate'], o.env, false);
      oneShot = once.child;
      const { code } = await once.result;
      oneShot = null;
      if (halted()) return;
      if (code === 0) break;
      log(`migrate exited with ${code}; trying again in ${restartDelayMs} ms (Ctrl-C stops)`);
      await sleep(restartDelayMs);
      if (halted()) return;
    }
    for (const p of plan) start(p, 0);
  };
  run().catch((err: unknown) => {
    log(`cannot start: ${err instanceof Error ? err.message : String(err)}`);
    exitCode = 1;
    stop();
  });

  return {
    processes: () => [...running.values()].map((r) => r.p),
    stop,
    done,
  };
}
