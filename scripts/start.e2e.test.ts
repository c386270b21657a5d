import { spawn, type ChildProcess } from 'node:child_process';
import { repoPath } from '../platform/paths';
import type { RunningProcess } from '../platform/runtime/launcher';
import { uniq } from '../test/support/env';
import { freePorts } from '../test/support/ports';
import { TEST_STAN } from '../test/support/env';
import { profile, startTestSystem, type TestSystem } from '../test/support/system';

jest.setTimeout(90_000);

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

const status = (port: number, path: string): Promise<number> =>
  fetch(`http://127.0.0.1:${port}${path}`).then(
    (r) => r.arrayBuffer().then(() => r.status),
    () => 0,
  );

/** /readyz's status and what it says, for a failure's message. */
const readiness = (port: number): Promise<string> =>
  fetch(`http://127.0.0.1:${port}/readyz`).then(
    async (r) => `${r.status} ${(await r.text()).slice(0, 300)}`,
    (err: unknown) => `unreachable (${String(err)})`,
  );

/** `what` is read when the wait fails, so it can tell what happened meanwhile. */
async function until(
  what: () => string | Promise<string>,
  ok: () => Promise<boolean> | boolean,
  ms = 45_000,
) {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms: ${await what()}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `npm start` with DEVPIE_PROCESSES=split, through the launcher it execs (scripts/start.js), on
 * the test stack: three processes, each with its own health port; a write through the API is
 * readable at once; a process killed with SIGKILL is started again and the system writes again.
 */
describe('npm start, split', () => {
  let sys: TestSystem;
  let launcher: ChildProcess;
  let output = '';
  const starts: RunningProcess[] = [];
  let exited: Promise<number | null>;
  let base: number;

  beforeAll(async () => {
    sys = await startTestSystem();
    // The launcher gives PORT, PORT+1 and PORT+2 out.
    base = await freePorts(3);
    launcher = spawn(process.execPath, [repoPath('dist', 'scripts', 'start.js')], {
      env: {
        ...process.env,
        STAN_URL: TEST_STAN.url,
        STAN_CLUSTER_ID: TEST_STAN.clusterId,
        NODE_ENV: 'test',
        LOG_LEVEL: process.env.ROLE_LOG_LEVEL ?? 'warn',
        ...sys.env,
        PORT: String(base),
        DEVPIE_PROCESSES: 'split',
      },
      stdio: ['ignore', 'pipe', 'pipe', 'ipc'],
    });
    launcher.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    launcher.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    launcher.on('message', (m: { type?: string } & RunningProcess) => {
      if (m.type === 'start:process') starts.push(m);
    });
    exited = new Promise((r) => launcher.once('exit', (code) => r(code)));
  });
  afterAll(async () => {
    if (launcher?.exitCode === null) {
      launcher.kill('SIGTERM');
      await exited;
    }
    await sys?.stop();
  });

  const latest = (name: string) => starts.filter((s) => s.name === name).at(-1);

  /** For a wait that failed: each process started, how /readyz answers it now, and the output. */
  const state = async (waited: string): Promise<string> => {
    const lines = await Promise.all(
      starts.map(
        async (s) =>
          `  ${s.name} pid ${s.pid} port ${s.port} restarts ${s.restarts}: ${alive(s.pid) ? 'alive' : 'gone'}, /readyz ${await readiness(s.port)}`,
      ),
    );
    return [
      waited,
      `launcher ${launcher.exitCode === null ? 'running' : `exited ${launcher.exitCode}`}, ${starts.length} starts:`,
      ...lines,
      'output:',
      output,
    ].join('\n');
  };

  it('runs three processes, each ready on its own port, the API on PORT', async () => {
    await until(
      () => state('three processes ready'),
      async () => {
        if (starts.length < 3) return false;
        const ready = await Promise.all(starts.map((s) => status(s.port, '/readyz')));
        return ready.every((s) => s === 200);
      },
    );
    expect(starts.map((s) => [s.name, s.port])).toEqual([
      ['apps', base],
      ['components+projectors+reactors', base + 1],
      ['processes', base + 2],
    ]);
    for (const s of starts) {
      expect(await status(s.port, '/healthz')).toBe(200);
      expect(await status(s.port, '/metrics')).toBe(200);
    }
    // Only the apps' process serves the API.
    expect(await status(base + 1, '/api/v1/users/me')).toBe(404);
  });

  const registerAndRead = async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const api = sys.api(base);
    const created = await api.call('POST', '/users', { token, body: profile(sub) });
    expect(created.status).toBe(201);
    const me = await api.call('GET', '/users/me', { token });
    expect(me.status).toBe(200);
    expect(me.body).toMatchObject({ auth0Id: sub });
  };

  it('answers a write through the app, and the next read sees it', registerAndRead);

  it('starts a killed process again, and writes flow once it is back', async () => {
    const victim = latest('components+projectors+reactors')!;
    process.kill(victim.pid, 'SIGKILL');
    await until(
      () => state('the killed process started again'),
      async () => {
        const next = latest(victim.name)!;
        return next.restarts === 1 && (await status(next.port, '/readyz')) === 200;
      },
    );
    const next = latest(victim.name)!;
    expect(next.pid).not.toBe(victim.pid);
    expect(next.port).toBe(victim.port);
    // The others went on as they were.
    expect(starts.filter((s) => s.restarts > 0).map((s) => s.name)).toEqual([victim.name]);
    await registerAndRead();
  });

  it('stops every process on SIGTERM and exits 0', async () => {
    const pids = ['apps', 'components+projectors+reactors', 'processes'].map((n) => latest(n)!.pid);
    launcher.kill('SIGTERM');
    expect(await exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  });
});
