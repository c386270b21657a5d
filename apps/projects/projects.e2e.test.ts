import { onTestLog, uniq } from '../../test/support/env';
import { startWholeSystem, type TestSystem, eventsInChosenLog } from '../../test/support/system';

jest.setTimeout(60_000);

let sys: TestSystem;
beforeAll(async () => {
  sys = await startWholeSystem();
});
afterAll(() => sys?.stop());

const owner = () => {
  const sub = `auth0|${uniq()}`;
  const token = sys.issuer.token(sub);
  const call = (method: string, path: string, body?: unknown, headers?: Record<string, string>) =>
    sys.api().call(method, path, { token, body, headers });
  return { sub, token, call };
};

async function newBoard(name = 'Devpie') {
  const me = owner();
  const created = await me.call('POST', '/projects', { name });
  expect(created.status).toBe(201);
  const columns = (await me.call('GET', `/projects/${created.body.id}/columns`)).body;
  return { me, project: created.body, columns, pid: created.body.id as string };
}

describe(onTestLog('projects over HTTP'), () => {
  it('creates a project the way the frontend expects, with its four columns', async () => {
    const { me, project, columns, pid } = await newBoard('Devpie');
    expect(project).toEqual({
      id: expect.any(String),
      name: 'Devpie',
      prefix: 'Dev-',
      description: '',
      teamId: null,
      userId: expect.any(String),
      active: true,
      public: false,
      columnOrder: ['column-1', 'column-2', 'column-3', 'column-4'],
      createdAt: expect.stringMatching(/Z$/),
      updatedAt: expect.stringMatching(/Z$/),
    });
    expect(columns.map((c: any) => [c.columnName, c.title, c.taskIds])).toEqual([
      ['column-1', 'To Do', []],
      ['column-2', 'In Progress', []],
      ['column-3', 'Review', []],
      ['column-4', 'Done', []],
    ]);
    expect(columns[0]).toMatchObject({
      projectId: pid,
      id: expect.any(String),
      createdAt: expect.any(String),
    });
    expect((await me.call('GET', '/projects')).body.map((p: any) => p.id)).toEqual([pid]);
    expect((await me.call('GET', `/projects/${pid}`)).body).toEqual(project);
    expect((await me.call('POST', '/projects', { name: 'X' })).body.prefix).toBe('X-');
    expect((await me.call('POST', '/projects', { name: 'Ab' })).body.prefix).toBe('Ab-');
  });

  it('hides a project from everyone but its owner', async () => {
    const { columns, pid } = await newBoard();
    const stranger = owner();
    for (const [method, path, body] of [
      ['GET', `/projects/${pid}`],
      ['GET', `/projects/${pid}/columns`],
      ['GET', `/projects/${pid}/tasks`],
      ['GET', `/projects/${pid}/board`],
      ['PATCH', `/projects/${pid}`, { name: 'mine now' }],
      ['DELETE', `/projects/${pid}`],
      ['POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title: 'x' }],
    ] as const) {
      const res = await stranger.call(method, path, body);
      expect({ method, path, status: res.status }).toEqual({ method, path, status: 404 });
    }
    expect((await stranger.call('GET', '/projects')).body).toEqual([]);
  });

  it('numbers tasks per project and never reuses a number', async () => {
    const { me, columns, pid } = await newBoard('Devpie');
    const add = async (title: string) =>
      (await me.call('POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title })).body;
    const t1 = await add('one');
    const t2 = await add('two');
    expect([t1.key, t2.key]).toEqual(['Dev-1', 'Dev-2']);
    expect(t1).toMatchObject({
      seq: 1,
      title: 'one',
      points: 0,
      content: '',
      projectId: pid,
      assignedTo: null,
      attachments: [],
      comments: [],
    });
    const deleted = await me.call('DELETE', `/projects/columns/${columns[0].id}/tasks/${t2.id}`);
    expect(deleted.status).toBe(200);
    expect(deleted.body.id).toBe(t2.id);
    expect((await add('three')).key).toBe('Dev-3');
    expect((await me.call('GET', `/projects/${pid}/tasks`)).body.map((t: any) => t.key)).toEqual([
      'Dev-1',
      'Dev-3',
    ]);
    expect(
      (await me.call('DELETE', `/projects/columns/${columns[1].id}/tasks/${t1.id}`)).status,
    ).toBe(404);
  });

  it('keeps the order a move gives, across columns and within one', async () => {
    const { me, columns, pid } = await newBoard();
    const [todo, doing] = [columns[0].id, columns[1].id];
    const ids: string[] = [];
    for (const title of ['a', 'b', 'c'])
      ids.push(
        (await me.call('POST', `/projects/${pid}/columns/${todo}/tasks`, { title })).body.id,
      );
    const [a, b, c] = ids;
    const moved = await me.call('PATCH', `/projects/tasks/${b}/move`, {
      from: todo,
      to: doing,
      taskIds: [b],
    });
    expect(moved.status).toBe(200);
    expect(moved.body.task.columnId).toBe(doing);
    const cross = await me.call('PATCH', `/projects/tasks/${a}/move`, {
      from: todo,
      to: doing,
      taskIds: [a, b],
    });
    expect(cross.status).toBe(200);
    const reorder = await me.call('PATCH', `/projects/tasks/${b}/move`, {
      from: doing,
      to: doing,
      taskIds: [b, a],
    });
    expect(reorder.status).toBe(200);
    let cols = (await me.call('GET', `/projects/${pid}/columns`)).body;
    expect(cols[0].taskIds).toEqual([c]);
    expect(cols[1].taskIds).toEqual([b, a]);

    // An order that repeats a task or lacks the moved one is a broken request: refused, no change.
    for (const taskIds of [
      [b, a],
      [c, c, a, b],
      [b, a, c, a],
    ]) {
      const bad = await me.call('PATCH', `/projects/tasks/${c}/move`, {
        from: todo,
        to: doing,
        taskIds,
      });
      expect(bad.status).toBe(422);
      expect(bad.body.error).toMatch(/taskIds/);
    }
    const stale = await me.call('PATCH', `/projects/tasks/${a}/move`, {
      from: todo,
      to: columns[2].id,
      taskIds: [a],
    });
    expect(stale.status).toBe(409);
    cols = (await me.call('GET', `/projects/${pid}/columns`)).body;
    expect(cols[0].taskIds).toEqual([c]);
    expect(cols[1].taskIds).toEqual([b, a]);

    // Seen before `a` arrived: `c` goes right after `b`, where the caller put it, and `a` stays.
    const unseen = await me.call('PATCH', `/projects/tasks/${c}/move`, {
      from: todo,
      to: doing,
      taskIds: [b, c],
    });
    expect(unseen.status).toBe(200);
    expect(unseen.body.columns.map((col: any) => col.taskIds)).toEqual([[], [b, c, a]]);
    // The position form names the place in the order as it is now.
    const first = await me.call('PATCH', `/projects/tasks/${a}/move`, {
      toColumnId: doing,
      afterTaskId: null,
    });
    expect(first.status).toBe(200);
    const back = await me.call('PATCH', `/projects/tasks/${b}/move`, {
      fromColumnId: doing,
      toColumnId: todo,
      index: 5,
    });
    expect(back.status).toBe(200);
    cols = (await me.call('GET', `/projects/${pid}/columns`)).body;
    expect(cols[0].taskIds).toEqual([b]);
    expect(cols[1].taskIds).toEqual([a, c]);

    const board = (await me.call('GET', `/projects/${pid}/board`)).body;
    expect(board.columns.map((col: any) => col.id)).toEqual(columns.map((col: any) => col.id));
    expect(board.tasks.map((t: any) => t.id)).toEqual([b, a, c]);
    expect(board.version).toBeGreaterThan(5);
  });

  it('edits tasks and the project, honouring If-Match', async () => {
    const { me, columns, pid } = await newBoard();
    const t = (
      await me.call('POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title: 't' })
    ).body;
    const edited = await me.call('PATCH', `/projects/tasks/${t.id}`, {
      title: 'T',
      content: 'body',
      points: 5,
      assignedTo: 'someone',
      attachments: ['a.png'],
      comments: ['hi'],
    });
    expect(edited.status).toBe(200);
    expect(edited.body).toMatchObject({
      title: 'T',
      content: 'body',
      points: 5,
      assignedTo: 'someone',
      attachments: ['a.png'],
      comments: ['hi'],
      key: t.key,
    });
    expect((await me.call('PATCH', `/projects/tasks/${t.id}`, { points: -1 })).status).toBe(400);
    expect((await me.call('PATCH', `/projects/tasks/${t.id}`, { owner: 'x' })).status).toBe(400);

    const got = await me.call('GET', `/projects/${pid}`);
    const tag = got.headers.get('etag')!;
    const renamed = await me.call(
      'PATCH',
      `/projects/${pid}`,
      { name: 'Renamed', description: 'd', public: true },
      { 'If-Match': tag },
    );
    expect(renamed.status).toBe(200);
    expect(renamed.body).toMatchObject({
      name: 'Renamed',
      description: 'd',
      public: true,
      prefix: got.body.prefix,
    });
    expect(
      (await me.call('PATCH', `/projects/${pid}`, { active: false }, { 'If-Match': tag })).status,
    ).toBe(409);
    const order = ['column-4', 'column-3', 'column-2', 'column-1'];
    expect(
      (await me.call('PATCH', `/projects/${pid}`, { columnOrder: order })).body.columnOrder,
    ).toEqual(order);
    expect(
      (await me.call('GET', `/projects/${pid}/columns`)).body.map((c: any) => c.columnName),
    ).toEqual(order);
    expect((await me.call('PATCH', `/projects/${pid}`, { columnOrder: ['column-1'] })).status).toBe(
      422,
    );
  });

  it('adds, renames and deletes columns; a column with tasks is kept', async () => {
    const { me, columns, pid } = await newBoard();
    const added = await me.call('POST', `/projects/${pid}/columns`, { title: 'Blocked' });
    expect(added.status).toBe(201);
    expect(added.body).toMatchObject({
      columnName: 'column-5',
      title: 'Blocked',
      taskIds: [],
      projectId: pid,
    });
    expect(
      (await me.call('PATCH', `/projects/columns/${added.body.id}`, { title: 'Waiting' })).body
        .title,
    ).toBe('Waiting');
    await me.call('POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title: 't' });
    const refused = await me.call('DELETE', `/projects/columns/${columns[0].id}`);
    expect(refused.status).toBe(422);
    expect(refused.body.error).toMatch(/move or delete them first/);
    expect((await me.call('DELETE', `/projects/columns/${added.body.id}`)).status).toBe(200);
    const project = (await me.call('GET', `/projects/${pid}`)).body;
    expect(project.columnOrder).toEqual(['column-1', 'column-2', 'column-3', 'column-4']);
  });

  it('deletes a project with its columns and tasks, only for the owner', async () => {
    const { me, columns, pid } = await newBoard();
    const t = (
      await me.call('POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title: 't' })
    ).body;
    const gone = await me.call('DELETE', `/projects/${pid}`);
    expect(gone.status).toBe(200);
    expect(gone.body.id).toBe(pid);
    expect((await me.call('GET', `/projects/${pid}`)).status).toBe(404);
    expect((await me.call('PATCH', `/projects/tasks/${t.id}`, { title: 'x' })).status).toBe(404);
    const { rows } = await sys.db.pool.query(
      'SELECT (SELECT count(*) FROM projects.tasks WHERE project_id = $1)::int AS tasks, (SELECT count(*) FROM projects.columns WHERE project_id = $1)::int AS columns',
      [pid],
    );
    expect(rows[0]).toEqual({ tasks: 0, columns: 0 });
  });

  it('refuses bad input with a clear error', async () => {
    const { me, columns, pid } = await newBoard();
    expect((await me.call('POST', '/projects', {})).status).toBe(400);
    expect((await me.call('POST', '/projects', { name: '   ' })).status).toBe(400);
    expect((await me.call('POST', '/projects', { name: 'x', owner: 'me' })).body.error).toMatch(
      /owner.*unknown field/,
    );
    expect(
      (await me.call('POST', `/projects/${pid}/columns/${columns[0].id}/tasks`, { title: '' }))
        .status,
    ).toBe(400);
    expect(
      (await me.call('POST', `/projects/${pid}/columns/not-a-uuid/tasks`, { title: 'x' })).status,
    ).toBe(404);
    const missingColumn = await me.call(
      'POST',
      `/projects/${pid}/columns/${uniq()}0000-0000-4000-8000-000000000000/tasks`,
      { title: 'x' },
    );
    expect(missingColumn.status).toBe(404);
    expect(
      (await me.call('PATCH', `/projects/tasks/${columns[0].id}/move`, { from: 'a' })).status,
    ).toBe(400);
  });
});

describe(onTestLog('projects over HTTP: where it wrote'), () => {
  it('keeps the projects in the log this run chose (a role on another log would leave it empty)', async () => {
    expect(await eventsInChosenLog(sys, 'project')).toBeGreaterThan(0);
  });
});
