import { spawn } from 'node:child_process';
import type { Pool } from 'pg';
import { repoPath } from '../paths';
import {
  TEST_NATS,
  TEST_STAN,
  TEST_STAN_MONITOR,
  testDatabase,
  testEventLog,
  uniq,
  type TestDatabase,
} from '../../test/support/env';
import { deleteJetStreams } from '../../test/support/jetstream';
import { profile, startTestSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(90_000);

/** The contexts this story writes to, and the schemas of their views. */
const CONTEXTS = ['identity', 'projects'];
const ROLES = CONTEXTS.flatMap((c) => [`${c}-component`, `${c}-projector`, `${c}-app`]);

function run(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [repoPath('dist', 'main.js'), ...args], {
      env: {
        ...process.env,
        STAN_URL: TEST_STAN.url,
        STAN_CLUSTER_ID: TEST_STAN.clusterId,
        STAN_MONITOR_URL: TEST_STAN_MONITOR,
        NATS_URL: TEST_NATS.url,
        LOG_LEVEL: 'warn',
        ...env,
      },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('exit', (code) => resolve({ code, stdout, stderr }));
  });
}

/**
 * Every row of every table in the contexts' schemas, in a fixed order: views, checkpoints and
 * processed event ids (positions included). Not the migrations' records: they hold when they ran.
 */
async function views(pool: Pool): Promise<Record<string, unknown[]>> {
  const tables = await pool.query<{ name: string }>(
    `SELECT table_schema || '.' || table_name AS name FROM information_schema.tables
      WHERE table_schema = ANY($1) AND table_type = 'BASE TABLE'
        AND table_name NOT LIKE '%migrations' ORDER BY 1`,
    [CONTEXTS],
  );
  const out: Record<string, unknown[]> = {};
  for (const { name } of tables.rows) {
    const rows = (await pool.query(`SELECT * FROM ${name}`)).rows.map((r) => JSON.stringify(r));
    out[name] = rows.sort();
  }
  return out;
}

let sys: TestSystem | undefined;
const rebuilt: TestDatabase[] = [];
afterAll(async () => {
  if (sys) await deleteJetStreams(sys.prefix);
  await Promise.allSettled(rebuilt.map((d) => d.drop()));
  await sys?.stop();
});

// The story is written on NATS Streaming: the log being moved. A pass of the suites on JetStream
// has no NATS Streaming log to move.
const onStan = testEventLog() === 'stan' ? describe : describe.skip;

onStan('the views after moving the log to JetStream', () => {
  it('are rebuilt from the new log exactly as from the old one', async () => {
    sys = await startTestSystem();
    const roles = await sys.start(ROLES);
    await roles.waitReady(45_000);
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const call = (method: string, path: string, body?: unknown) =>
      sys!.api().call(method, path, { token, body });
    expect((await call('POST', '/users', profile(sub))).status).toBe(201);
    for (let i = 0; i < 3; i++) {
      const pid = (await call('POST', '/projects', { name: `Board ${i}` })).body.id as string;
      const columns = (await call('GET', `/projects/${pid}/columns`)).body as Array<{ id: string }>;
      for (let t = 0; t < 4; t++)
        await call('POST', `/projects/${pid}/columns/${columns[t % 2]!.id}/tasks`, {
          title: `t${t}`,
        });
      expect((await call('PATCH', `/projects/${pid}`, { name: `Renamed ${i}` })).status).toBe(200);
    }
    // The cutover: the writers stop, the log is copied, the roles would start on EVENT_LOG=jetstream.
    await roles.kill('SIGTERM');
    const env = { STAN_CHANNEL_PREFIX: sys.prefix };
    const wrongWay = await run(['migrate-log', '--from', 'jetstream', '--to', 'stan'], env);
    expect(wrongWay.code).toBe(1);
    expect(wrongWay.stderr).toMatch(/copies from stan to jetstream only/);
    const moved = await run(['migrate-log', '--from', 'stan', '--to', 'jetstream'], env);
    expect(moved.stderr).not.toMatch(/MISMATCH/);
    expect(moved.code).toBe(0);
    expect(moved.stdout).toMatch(/user\.event +\d+ +\d+ +\d+ +[0-9a-f]{16} +[0-9a-f]{16} +ok/);
    expect(moved.stdout).toMatch(/all \d+ channels identical/);

    const rebuildOn = async (eventLog: string) => {
      const db = await testDatabase();
      rebuilt.push(db);
      for (const context of CONTEXTS) {
        const done = await run(['rebuild', context], {
          ...env,
          EVENT_LOG: eventLog,
          DATABASE_URL: db.url,
        });
        expect(done.stderr).not.toMatch(/error/i);
        expect(done.stdout).toMatch(new RegExp(`rebuilt ${context}: \\d+ entries`));
      }
      return views(db.pool);
    };
    const fromStan = await rebuildOn('stan');
    const fromJetStream = await rebuildOn('jetstream');
    expect(Object.keys(fromJetStream).length).toBeGreaterThan(2);
    expect(fromJetStream['projects.projects']).toHaveLength(3);
    expect(fromJetStream).toEqual(fromStan);
    // And the views the roles kept as they went hold the same rows as the rebuilt ones.
    const live = await views(sys.db.pool);
    for (const table of ['projects.projects', 'projects.tasks', 'identity.users'])
      expect(fromJetStream[table]).toEqual(live[table]);
  });
});
