import { PostgresLeases } from '../../platform/postgres/lease';
import { migrate } from '../../platform/postgres/migrate';
import { ProjectorHost } from '../../platform/hosts/projectorHost';
import { projectsProjection } from '../../projectors/projects';
import { testLog, uniq } from '../../test/support/env';
import { startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(120_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem();
});
afterAll(() => sys?.stop());

/** Every task of the board in exactly one column, once, and that column is the task's own. */
function expectIntact(board: any): void {
  const placed: string[] = board.columns.flatMap((c: any) => c.taskIds);
  expect(new Set(placed).size).toBe(placed.length);
  expect(placed.slice().sort()).toEqual(board.tasks.map((t: any) => t.id).sort());
  const columnOf = new Map<string, string>(
    board.columns.flatMap((c: any) => c.taskIds.map((t: string) => [t, c.id])),
  );
  for (const t of board.tasks) expect(columnOf.get(t.id)).toBe(t.columnId);
}

describe('one board, many clients at once', () => {
  it('never loses or duplicates a task, whatever the interleaving', async () => {
    const sub = `auth0|${uniq()}`;
    const token = sys.issuer.token(sub);
    const call = (method: string, path: string, body?: unknown) =>
      sys.api().call(method, path, { token, body });
    const pid = (await call('POST', '/projects', { name: 'Hot' })).body.id;
    const columns: string[] = (await call('GET', `/projects/${pid}/columns`)).body.map(
      (c: any) => c.id,
    );
    for (let i = 0; i < 30; i++)
      await call('POST', `/projects/${pid}/columns/${columns[i % 4]}/tasks`, { title: `t${i}` });

    const statuses: Record<number, number> = {};
    const moveRefusals: Record<number, number> = {};
    let seed = 42;
    const rand = (n: number) => {
      seed = (seed * 1103515245 + 12345) % 2 ** 31;
      return seed % n;
    };
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        for (let op = 0; op < 40; op++) {
          // Each client decides from what it last read, which other clients keep making stale.
          const board = (await call('GET', `/projects/${pid}/board`)).body;
          const task = board.tasks[rand(board.tasks.length)];
          const kind = rand(10);
          let res;
          if (kind < 6) {
            const to = board.columns[rand(board.columns.length)];
            const rest: string[] = to.taskIds.filter((t: string) => t !== task.id);
            const at = rand(rest.length + 1);
            const taskIds = [...rest.slice(0, at), task.id, ...rest.slice(at)];
            res = await call('PATCH', `/projects/tasks/${task.id}/move`, {
              from: task.columnId,
              to: to.id,
              taskIds,
            });
            // Only a real conflict refuses a move: the task was deleted or moved by someone else.
            if (res.status >= 400) moveRefusals[res.status] = (moveRefusals[res.status] ?? 0) + 1;
          } else if (kind < 8) {
            res = await call('PATCH', `/projects/tasks/${task.id}`, {
              title: `edited ${op}`,
              points: rand(13),
            });
          } else if (kind < 9) {
            res = await call(
              'POST',
              `/projects/${pid}/columns/${board.columns[rand(4)].id}/tasks`,
              { title: 'new' },
            );
          } else {
            res = await call('DELETE', `/projects/columns/${task.columnId}/tasks/${task.id}`);
          }
          statuses[res.status] = (statuses[res.status] ?? 0) + 1;
          expect([200, 201, 404, 409, 422]).toContain(res.status);
        }
      }),
    );
    // Plenty went through. A move seen on a stale board is placed on the order as it is now; it is
    // refused only when its task is gone (404) or has left the column the caller saw (409).
    expect((statuses[200] ?? 0) + (statuses[201] ?? 0)).toBeGreaterThan(200);
    expect(Object.keys(moveRefusals).filter((s) => s !== '404' && s !== '409')).toEqual([]);
    const board = (await call('GET', `/projects/${pid}/board`)).body;
    expectIntact(board);

    // The views equal a fresh fold of the whole log: replay it into a schema of its own.
    const schema = `projects_check_${uniq()}`;
    await migrate(sys.db.url, [{ ...projectsProjection.migrations, schema }]);
    const log = await testLog(sys.db, sys.prefix, 'check');
    const host = new ProjectorHost(
      log,
      sys.db.pool,
      new PostgresLeases(sys.db.url),
      projectsProjection,
      {
        schema,
        onFatal: (err) => {
          throw err;
        },
      },
    );
    let end = 0;
    await log.read('project', 'event', 1, (d) => (end = d.position));
    await host.start();
    await host.waitFor(end);
    await host.stop();
    await log.close();
    for (const table of ['projects', 'columns', 'tasks']) {
      const { rows } = await sys.db.pool.query(
        `SELECT count(*)::int AS n FROM ((SELECT * FROM projects.${table} EXCEPT SELECT * FROM ${schema}.${table})
           UNION ALL (SELECT * FROM ${schema}.${table} EXCEPT SELECT * FROM projects.${table})) d`,
      );
      expect({ table, differences: rows[0].n }).toEqual({ table, differences: 0 });
    }
  });
});
