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
  /** Commands that run once (roles, migrate, a one-shot the caller asked for), while they run. */
  const oneShots = new Set<ChildProcess>();
  const running = new Map<string, { p: RunningProcess; child: ChildProcess }>();
  let finish!: (code: number) => void;
  const done = new Promise<number>((resolve) => (finish = resolve));
  let exitCode = 0;

  const settleIfIdle = () => {
    if (stopping && running.size === 0 && oneShots.size === 0) finish(exitCode);
  };

  const stop = () => {
    if (stopping) return;
    stopping = true;
    for (const child of oneShots) child.kill('SIGTERM');
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
        // Killed by the stop it was asked for (before its handler was in place): stopped, not failed.
        const asked = signal === 'SIGTERM' || signal === 'SIGINT';
        if (code !== 0 && !asked) exitCode = code ?? 1;
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

  const once = async (args: string[], env: NodeJS.ProcessEnv, capture = false) => {
    const { child, result } = runOnce(o.mainJs, args, env, capture);
    oneShots.add(child);
    const r = await result;
    oneShots.delete(child);
    // Stopped meanwhile: this may have been the last thing running.
    if (stopping) settleIfIdle();
    return r;
  };

  // Asked after each wait: stop() may have come meanwhile.
  const halted = (): boolean => {
    if (stopping) settleIfIdle();
    return stopping;
  };

  const run = async () => {
    if (o.args.length && ONE_SHOT.has(o.args[0] ?? '')) {
      // Its own code is the launcher's, stopped or not.
      const { child, result } = runOnce(
        o.mainJs,
        o.args,
        { ...o.env, PORT: String(o.basePort) },
        false,
      );
      oneShots.add(child);
      finish((await result).code);
      return;
    }
    if (o.args.length || o.layout === 'all') {
      const name = o.args.length ? o.args.join('+') : 'all';
      start({ name, args: o.args.length ? o.args : ['all'], port: o.basePort }, 0);
      return;
    }
    // `all` migrates as it starts; split, no process does, so the schema is brought up first
    // (and tried again while the database is not there yet, as a restarted `all` would), while
    // the role list is asked for: each loads main.js, seconds on a busy machine.
    const migrated = (async () => {
      for (;;) {
        const { code } = await once(['migrate'], o.env);
        if (halted() || code === 0) return;
        log(`migrate exited with ${code}; trying again in ${restartDelayMs} ms (Ctrl-C stops)`);
        await sleep(restartDelayMs);
        if (halted()) return;
      }
    })();
    const roles = await once(['roles'], o.env, true);
    if (roles.code !== 0) throw new Error(`node dist/main.js roles exited with ${roles.code}`);
    const plan = planProcesses(o.layout, JSON.parse(roles.out) as string[], o.basePort);
    log(`layout ${o.layout}: ${plan.map((p) => `${p.name} on :${p.port}`).join(', ')}`);
    await migrated;
    if (halted()) return;
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
