import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { launch, type Launched, type LaunchOptions, type RunningProcess } from './launcher';

/**
 * The launcher's rules, on a stand-in for main.js (real processes, no servers): what it starts
 * for a layout, what it starts again, what ends it. scripts/start.e2e.test.ts runs the real one.
 */
jest.setTimeout(30_000);

const FAKE_MAIN = `
const fs = require('node:fs');
const [cmd] = process.argv.slice(2);
if (cmd === 'roles') {
  process.stdout.write(JSON.stringify(['a-app', 'b-component', 'b-projector', 'dispatcher', 'workflow-worker']));
  process.exit(0);
}
if (cmd === 'migrate') {
  const f = process.env.FAKE_MIGRATIONS;
  const n = fs.existsSync(f) ? Number(fs.readFileSync(f, 'utf8')) : 0;
  fs.writeFileSync(f, String(n + 1));
  process.exit(n < Number(process.env.FAKE_MIGRATE_FAILS || 0) ? 1 : 0);
}
if (cmd === 'rebuild') process.exit(3);
process.on('SIGTERM', () => process.exit(0));
fs.writeFileSync(process.env.FAKE_UP + '.' + process.pid, '');
setInterval(() => {}, 1000);
`;

const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
};

/** Until each of these processes has its SIGTERM handler, as main.js has once it runs. */
const up = (ps: RunningProcess[]) => () => ps.every((p) => existsSync(join(dir, `up.${p.pid}`)));

async function until(ok: () => boolean, ms = 10_000) {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

let dir: string;

describe('launcher', () => {
  let mainJs: string;
  let lines: string[];
  let starts: RunningProcess[];
  let launched: Launched[];
  const start = (o: Partial<LaunchOptions>): Launched => {
    const l = launch(options(o));
    launched.push(l);
    return l;
  };
  const options = (o: Partial<LaunchOptions>): LaunchOptions => ({
    layout: 'all',
    args: [],
    basePort: 7000,
    env: { ...process.env, FAKE_MIGRATIONS: join(dir, 'migrations'), FAKE_UP: join(dir, 'up') },
    mainJs,
    restartDelayMs: 50,
    log: (l) => lines.push(l),
    onStart: (p) => starts.push(p),
    ...o,
  });

  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'launcher-'));
    mainJs = join(dir, 'main.js');
    writeFileSync(mainJs, FAKE_MAIN);
    lines = [];
    starts = [];
    launched = [];
  });
  afterEach(async () => {
    // A test that failed half way leaves nothing running.
    for (const l of launched) l.stop();
    await Promise.all(launched.map((l) => l.done));
    rmSync(dir, { recursive: true, force: true });
  });

  it('split: migrates first (again while it fails), then one process per group on consecutive ports', async () => {
    const split = start({
      layout: 'split',
      env: { ...options({}).env, FAKE_MIGRATE_FAILS: '2' },
    });
    await until(() => starts.length === 3);
    expect(readFileSync(join(dir, 'migrations'), 'utf8')).toBe('3');
    expect(starts.map((s) => [s.name, s.port, s.restarts])).toEqual([
      ['apps', 7000, 0],
      ['components+projectors+reactors', 7001, 0],
      ['processes', 7002, 0],
    ]);

    // A crash: only that process starts again, on its port.
    const victim = starts[1]!;
    process.kill(victim.pid, 'SIGKILL');
    await until(() => starts.length === 4);
    expect(starts[3]).toMatchObject({ name: victim.name, port: 7001, restarts: 1 });
    expect(alive(victim.pid)).toBe(false);
    expect(alive(starts[0]!.pid) && alive(starts[2]!.pid)).toBe(true);

    await until(up(starts.filter((s) => s !== victim)));
    split.stop();
    expect(await split.done).toBe(0);
    expect(starts.filter((s) => alive(s.pid))).toEqual([]);
  });

  it('a process that exits cleanly stops the others, and the launcher ends with 0', async () => {
    const split = start({ layout: 'split' });
    await until(() => starts.length === 3);
    await until(up(starts));
    process.kill(starts[2]!.pid, 'SIGTERM');
    expect(await split.done).toBe(0);
    expect(starts.filter((s) => alive(s.pid))).toEqual([]);
    expect(starts).toHaveLength(3);
  });

  it('all: one process; arguments: one process with them; one-shot commands end with their code', async () => {
    const all = start({});
    await until(() => starts.length === 1);
    expect(starts[0]).toMatchObject({ name: 'all', args: ['all'], port: 7000 });
    await until(up(starts));
    all.stop();
    expect(await all.done).toBe(0);

    const roles = start({ layout: 'split', args: ['b-app', 'dispatcher'] });
    await until(() => starts.length === 2);
    expect(starts[1]).toMatchObject({ name: 'b-app+dispatcher', args: ['b-app', 'dispatcher'] });
    await until(up(starts));
    roles.stop();
    await roles.done;

    expect(await start({ layout: 'split', args: ['rebuild', 'projects'] }).done).toBe(3);
    expect(starts).toHaveLength(2);
  });

  it('refuses a layout that leaves a role out, starting nothing', async () => {
    expect(await start({ layout: 'apps,processes' }).done).toBe(1);
    expect(starts).toEqual([]);
    expect(lines.join('\n')).toMatch(/no process runs b-component, b-projector/);
  });
});
