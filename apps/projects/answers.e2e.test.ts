import { uniq } from '../../test/support/env';
import { startWholeSystem, type TestSystem } from '../../test/support/system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem();
});
afterAll(() => sys?.stop());

/**
 * Writes answer from the events they were accepted with, not from the views: each answer must be
 * exactly what the next read shows.
 */
describe('a write answers what the next read shows', () => {
  it('for projects, columns and tasks, created and changed', async () => {
    const token = sys.issuer.token(`auth0|${uniq()}`);
    const call = (method: string, path: string, body?: unknown) =>
      sys.api().call(method, path, { token, body });

    const created = await call('POST', '/projects', { name: 'Answers', description: 'd' });
    expect(created.status).toBe(201);
    const pid = created.body.id as string;
    const read = await call('GET', `/projects/${pid}`);
    expect(created.body).toEqual(read.body);
    expect(created.headers.get('etag')).toMatch(/^"\d+"$/);
    expect(created.headers.get('etag')).toBe(read.headers.get('etag'));

    const modified = await call('PATCH', `/projects/${pid}`, { name: 'Renamed', public: true });
    expect(modified.status).toBe(200);
    const reread = await call('GET', `/projects/${pid}`);
    expect(modified.body).toEqual(reread.body);
    expect(modified.headers.get('etag')).toBe(reread.headers.get('etag'));

    const column = await call('POST', `/projects/${pid}/columns`, { title: 'Later' });
    expect(column.status).toBe(201);
    const columns = async () => (await call('GET', `/projects/${pid}/columns`)).body as any[];
    expect((await columns()).find((c) => c.id === column.body.id)).toEqual(column.body);
    const renamed = await call('PATCH', `/projects/columns/${column.body.id}`, { title: 'Soon' });
    expect(renamed.body).toMatchObject({ title: 'Soon' });
    expect((await columns()).find((c) => c.id === column.body.id)).toEqual(renamed.body);

    const task = await call('POST', `/projects/${pid}/columns/${column.body.id}/tasks`, {
      title: 'Write it',
    });
    expect(task.status).toBe(201);
    const tasks = async () => (await call('GET', `/projects/${pid}/tasks`)).body as any[];
    expect((await tasks()).find((t) => t.id === task.body.id)).toEqual(task.body);
    const edited = await call('PATCH', `/projects/tasks/${task.body.id}`, {
      content: 'with "quotes" \\ and a null-ish assignee',
      points: 3,
      assignedTo: null,
      comments: ['one'],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({ points: 3, comments: ['one'] });
    expect((await tasks()).find((t) => t.id === task.body.id)).toEqual(edited.body);
    // The column the task joined, as the next read shows it (its order changed).
    expect((await columns()).find((c) => c.id === column.body.id)?.taskIds).toEqual([task.body.id]);

    // Too big to ride in the announcement (8,000-byte payloads): answered from the views.
    const big = await call('PATCH', `/projects/tasks/${task.body.id}`, {
      content: 'x'.repeat(9000),
    });
    expect(big.status).toBe(200);
    expect(big.body.content).toHaveLength(9000);
    expect((await tasks()).find((t) => t.id === task.body.id)).toEqual(big.body);

    // Moves: to another column, then within one; the task and both columns as the reads show them.
    const other = (await columns()).find((c) => c.id !== column.body.id)!;
    const second = await call('POST', `/projects/${pid}/columns/${other.id}/tasks`, {
      title: 'Already there',
    });
    const across = await call('PATCH', `/projects/tasks/${task.body.id}/move`, {
      toColumnId: other.id,
      index: 0,
    });
    expect(across.status).toBe(200);
    expect(across.body.columns.map((c: any) => c.id).sort()).toEqual(
      [column.body.id, other.id].sort(),
    );
    const shown = await columns();
    expect(across.body.columns).toEqual(
      shown.filter((c) => c.id === column.body.id || c.id === other.id),
    );
    expect((await tasks()).find((t) => t.id === task.body.id)).toEqual(across.body.task);
    const within = await call('PATCH', `/projects/tasks/${task.body.id}/move`, {
      from: other.id,
      to: other.id,
      taskIds: [second.body.id, task.body.id],
    });
    expect(within.status).toBe(200);
    expect(within.body.columns).toEqual((await columns()).filter((c) => c.id === other.id));
    expect(within.body.columns[0].taskIds).toEqual([second.body.id, task.body.id]);
    expect((await tasks()).find((t) => t.id === task.body.id)).toEqual(within.body.task);
  });
});
