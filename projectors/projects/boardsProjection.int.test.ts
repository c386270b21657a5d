import type { EventEnvelope } from '../../contracts/envelope';
import {
  PROJECT_CATEGORY,
  projectEvents,
  type ProjectCommand,
  type ProjectEvent,
} from '../../contracts/projects';
import { boardDecider, defaultColumnId } from '../../components/projects/boardDecider';
import type { Board } from '../../components/projects/board';
import type { TeamMembers } from '../../components/projects/teamAccess';
import type { Known } from '../../platform/decider';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { newId } from '../../platform/ids';
import { testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  administersEveryTeam,
  Author,
  duplicate,
  redelivering,
  rowCount,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import {
  findBoard,
  findColumn,
  findColumns,
  findProject,
  findTask,
  listColumns,
  listProjects,
  listTasks,
  type Column,
  type Project,
  type Task,
} from './boardQueries';
import { boardsProjection } from './boardsProjection';

jest.setTimeout(60_000);

const OWNER = `auth0|owner-${uniq()}`;
const OWNER_ID = newId();
const prefix = testPrefix();

let log: StanEventLog;
let writer: CategoryWriter;
let author: Author<ProjectCommand, ProjectEvent, Board, Known<TeamMembers>>;
/** Two copies of the views, one fed an entry per transaction, the other in large batches. */
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;

withProjectionServers(
  'boards',
  prefix,
  [PROJECT_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    writer = servers.writers[0]!;
    author = new Author(writer, boardDecider, undefined, administersEveryTeam(OWNER));
  },
  () => [live, batched],
);

// Commands, decided by the board's rules and appended as the component appends them ------------

const stream = (pid: string) => `${PROJECT_CATEGORY}-${pid}`;
const board = (pid: string): Board => author.state(stream(pid));

function send<T extends ProjectCommand['type']>(
  pid: string,
  type: T,
  data: Extract<ProjectCommand, { type: T }>['data'],
  user = OWNER,
): void {
  author.send(stream(pid), { type, data } as ProjectCommand, user);
}

function refused<T extends ProjectCommand['type']>(
  pid: string,
  type: T,
  data: Extract<ProjectCommand, { type: T }>['data'],
): string {
  return author.refused(stream(pid), { type, data } as ProjectCommand, OWNER);
}

function addProject(name: string): { pid: string; columns: string[] } {
  const pid = newId();
  send(pid, 'AddProject', { id: pid, name, userId: OWNER_ID, description: `${name}, the board` });
  return { pid, columns: [1, 2, 3, 4].map((n) => defaultColumnId(pid, n)) };
}

function addTask(pid: string, columnId: string, title: string, taskId = newId()): string {
  send(pid, 'AddTask', { taskId, columnId, title });
  return taskId;
}

/** Moves a task to `index` in `to`, sending the destination's whole order as the frontend does. */
function move(pid: string, taskId: string, to: string, index: number): void {
  const b = board(pid);
  const taskIds = b.columns[to]!.taskIds.filter((t) => t !== taskId);
  taskIds.splice(index, 0, taskId);
  send(pid, 'MoveTask', { taskId, from: b.tasks[taskId]!.columnId, to, taskIds });
}

const columnName = (pid: string, columnId: string) => board(pid).columns[columnId]!.columnName;

// What the views must say: a fold of the log with the decider's own evolve ----------------------

interface Views {
  board: Awaited<ReturnType<typeof findBoard>>;
  columns: Column[];
  tasks: Task[];
}

/**
 * The board as the rules see it after `events`, in the shapes apps read. The stamps are worked
 * out here from what each event means (not from the projection's diff): a thing is created by the
 * event that adds it and updated by the last one that changes it; every event updates the board.
 */
function expectedViews(events: EventEnvelope[]): Views {
  let b = boardDecider.initialState();
  const created = new Map<string, string>();
  const updated = new Map<string, string>();
  const touch = (id: string, at: string) => {
    if (!created.has(id)) created.set(id, at);
    updated.set(id, at);
  };
  const forget = (id: string) => {
    created.delete(id);
    updated.delete(id);
  };
  for (const envelope of events) {
    const e = envelope as unknown as ProjectEvent;
    const at = envelope.metadata.timestamp;
    touch('board', at);
    if (e.type === 'ColumnAdded' || e.type === 'ColumnModified') touch(e.data.id, at);
    if (e.type === 'ColumnDestroyed') forget(e.data.id);
    if (e.type === 'TaskAdded') [e.data.id, e.data.columnId].forEach((id) => touch(id, at));
    if (e.type === 'TaskModified') touch(e.data.id, at);
    if (e.type === 'TaskDestroyed') {
      forget(e.data.id);
      touch(e.data.columnId, at);
    }
    if (e.type === 'TaskMoved') [e.data.id, e.data.from, e.data.to].forEach((id) => touch(id, at));
    b = boardDecider.evolve(b, e);
  }
  if (!b.exists || b.destroyed) return { board: null, columns: [], tasks: [] };
  const stamps = (id: string) => ({ createdAt: created.get(id)!, updatedAt: updated.get(id)! });
  const project: Project = {
    id: b.id,
    name: b.name,
    prefix: b.prefix,
    description: b.description,
    teamId: b.teamId,
    userId: b.userId,
    active: b.active,
    public: b.public,
    columnOrder: b.columnOrder,
    ...stamps('board'),
  };
  const columns: Column[] = b.columnOrder.map((name) => {
    const c = Object.values(b.columns).find((x) => x.columnName === name)!;
    return {
      id: c.id,
      projectId: b.id,
      title: c.title,
      columnName: c.columnName,
      taskIds: c.taskIds,
      ...stamps(c.id),
    };
  });
  const task = (id: string): Task => {
    const t = b.tasks[id]!;
    return {
      id,
      key: t.key,
      seq: t.seq,
      title: t.title,
      points: t.points,
      content: t.content,
      projectId: b.id,
      columnId: t.columnId,
      assignedTo: t.assignedTo,
      attachments: t.attachments,
      comments: t.comments,
      ...stamps(id),
    };
  };
  return {
    board: {
      project,
      columns,
      tasks: columns.flatMap((c) => c.taskIds.map(task)),
      version: events[events.length - 1]!.version,
      access: 'owner',
    },
    columns,
    tasks: Object.keys(b.tasks)
      .map(task)
      .sort((x, y) => x.seq - y.seq),
  };
}

async function views(db: TestDatabase, pid: string): Promise<Views> {
  return {
    board: await findBoard(db.pool, pid, OWNER),
    columns: await listColumns(db.pool, pid),
    tasks: await listTasks(db.pool, pid),
  };
}

/** Every board of the log, read through the queries apps use, equals the fold; nothing else is left in the tables. */
async function expectViewsFollowTheLog(db: TestDatabase): Promise<void> {
  let boards = 0;
  let columns = 0;
  let tasks = 0;
  for (const id of author.streamIds) {
    const pid = id.slice(PROJECT_CATEGORY.length + 1);
    const expected = expectedViews(author.eventsOf(id));
    expect({ pid, ...(await views(db, pid)) }).toEqual({ pid, ...expected });
    // A move's answer: the columns it names alone, in the board's order.
    const named = expected.columns.filter((_, i) => i % 2 === 1);
    expect(
      await findColumns(
        db.pool,
        pid,
        named.map((c) => c.id),
      ),
    ).toEqual(named);
    if (expected.board) boards++;
    columns += expected.columns.length;
    tasks += expected.tasks.length;
  }
  expect([
    await rowCount(db, 'projects.projects'),
    await rowCount(db, 'projects.columns'),
    await rowCount(db, 'projects.tasks'),
  ]).toEqual([boards, columns, tasks]);
}

// The story -------------------------------------------------------------------------------------

const apollo = {
  pid: '',
  columns: [] as string[],
  tasks: [] as string[],
  blocked: newId(),
  scratch: newId(),
};
const gemini = { pid: '', columns: [] as string[] };
describe('the boards projection', () => {
  it('applies every event of the board as the decider folds it, one entry per transaction or hundreds', async () => {
    live = await TestProjector.start(log, one, boardsProjection, 1);

    Object.assign(apollo, addProject('Apollo'));
    const [todo, doing, review, done] = apollo.columns as [string, string, string, string];
    for (let i = 0; i < 8; i++) apollo.tasks.push(addTask(apollo.pid, todo, `Apollo ${i}`));
    apollo.tasks.push(
      addTask(apollo.pid, doing, 'Apollo 8'),
      addTask(apollo.pid, doing, 'Apollo 9'),
    );
    const t = apollo.tasks as [
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
      string,
    ];
    send(apollo.pid, 'ModifyTask', {
      taskId: t[0],
      title: 'Launch',
      content: 'Saturn V',
      points: 13,
      assignedTo: 'auth0|armstrong',
      attachments: ['https://files.example/plan.pdf'],
      comments: ['go', 'no go'],
    });
    send(apollo.pid, 'ModifyTask', { taskId: t[1], points: 3 });
    move(apollo.pid, t[2], todo, 0); // within its column, to the top
    move(apollo.pid, t[3], doing, 1); // across columns, between two tasks
    move(apollo.pid, t[4], done, 0); // into an empty column
    send(apollo.pid, 'AddColumn', { columnId: apollo.blocked, title: 'Blocked' });
    send(apollo.pid, 'ModifyColumn', { columnId: apollo.blocked, title: 'Blocked by others' });
    const order = board(apollo.pid).columnOrder;
    send(apollo.pid, 'ModifyProject', {
      columnOrder: [order[0]!, columnName(apollo.pid, apollo.blocked), ...order.slice(1, 4)],
    });
    move(apollo.pid, t[5], apollo.blocked, 0);
    send(apollo.pid, 'AddColumn', { columnId: apollo.scratch, title: 'Scratch' });
    send(apollo.pid, 'DestroyColumn', { columnId: apollo.scratch });
    // Refusals are entries of the log too: they change no view.
    expect(refused(apollo.pid, 'DestroyColumn', { columnId: apollo.blocked })).toBe('invalid');
    expect(
      refused(apollo.pid, 'MoveTask', {
        taskId: t[5],
        from: todo,
        to: done,
        taskIds: [t[4], t[5]],
      }),
    ).toBe('conflict');
    send(apollo.pid, 'DestroyTask', { taskId: t[6], columnId: todo });
    send(apollo.pid, 'DestroyTask', { taskId: t[7] });
    // The rules let an id be used again once its task or column is gone: it names a new one, with
    // a new number, created now.
    addTask(apollo.pid, review, 'Apollo 7, again', t[7]);
    send(apollo.pid, 'AddColumn', { columnId: apollo.scratch, title: 'Scratch, again' });
    send(apollo.pid, 'ModifyProject', {
      name: 'Apollo 11',
      description: 'One small step',
      active: false,
      public: true,
      teamId: newId(),
    });

    Object.assign(gemini, addProject('Gemini'));
    addTask(gemini.pid, gemini.columns[0]!, 'Gemini 1');

    const mercury = addProject('Mercury');
    const m = [
      addTask(mercury.pid, mercury.columns[0]!, 'Mercury 1'),
      addTask(mercury.pid, mercury.columns[0]!, 'Mercury 2'),
    ];
    move(mercury.pid, m[1]!, mercury.columns[2]!, 0);
    send(mercury.pid, 'DestroyProject', {});
    await author.flush();

    expect(typesOf(author.events)).toEqual(Object.keys(projectEvents).sort());
    await live.caughtUp();
    batched = await TestProjector.start(log, many, boardsProjection, 500);
    await batched.caughtUp();
    // The second projector really met the log in large batches, not one entry at a time.
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 5);

    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    // A few reads apps make besides the board.
    const { tasks } = expectedViews(author.eventsOf(stream(apollo.pid)));
    expect(await findTask(many.pool, t[0])).toEqual(tasks.find((x) => x.id === t[0]));
    expect(await findTask(many.pool, t[6])).toBeNull();
    expect((await findColumn(many.pool, apollo.blocked))?.title).toBe('Blocked by others');
    expect((await listProjects(many.pool, OWNER)).map((p) => p.id)).toEqual([
      apollo.pid,
      gemini.pid,
    ]);
    expect(await findProject(many.pool, mercury.pid, OWNER)).toBeNull();
    expect(await findProject(many.pool, apollo.pid, OWNER)).toMatchObject({
      ownerId: OWNER,
      access: 'owner',
      version: writer.version(stream(apollo.pid)),
    });
  });

  it('resumes from its checkpoint after a restart, reading the boards it wrote back from the views', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];

    const [todo, doing, review] = apollo.columns as [string, string, string];
    const [t0, t1, , t3, , t5, , , t8] = apollo.tasks;
    move(apollo.pid, t5!, doing, 0); // out of Blocked
    send(apollo.pid, 'DestroyColumn', { columnId: apollo.blocked });
    send(apollo.pid, 'ModifyProject', {
      columnOrder: [...board(apollo.pid).columnOrder].reverse(),
    });
    move(apollo.pid, t0!, review, 1);
    // Numbers are never reused: the highest was deleted before the restart.
    addTask(apollo.pid, todo, 'After the restart');
    send(apollo.pid, 'ModifyTask', { taskId: t3!, comments: ['moved on'], assignedTo: null });
    send(apollo.pid, 'DestroyTask', { taskId: t1! });
    // Ids used again after a delete, this time for things the views already hold.
    send(apollo.pid, 'DestroyTask', { taskId: t8! });
    addTask(apollo.pid, doing, 'Apollo 8, again', t8);
    send(apollo.pid, 'DestroyColumn', { columnId: apollo.scratch });
    send(apollo.pid, 'AddColumn', { columnId: apollo.scratch, title: 'Scratch, a third time' });
    send(gemini.pid, 'ModifyColumn', { columnId: gemini.columns[0]!, title: 'Backlog' });
    addTask(gemini.pid, gemini.columns[0]!, 'Gemini 2');
    const voskhod = addProject('Voskhod');
    send(voskhod.pid, 'DestroyProject', {});
    await author.flush();

    live = await TestProjector.start(log, one, boardsProjection, 1);
    batched = await TestProjector.start(log, many, boardsProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    // Each went on from the entry after its checkpoint: nothing read twice, nothing skipped.
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    expect([live.host.stats.duplicates, batched.host.stats.duplicates]).toEqual([0, 0]);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const copies = [...author.entries.slice(0, 12), ...author.entries.slice(-6)];
    await duplicate(log, prefix, PROJECT_CATEGORY, copies);
    // A real change after the copies: the projectors must still reach it.
    addTask(gemini.pid, gemini.columns[1]!, 'Gemini 3');
    await author.flush();

    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, boardsProjection, 1);
    batched = await TestProjector.start(flaky, many, boardsProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    for (const db of [one, many]) {
      await expectViewsFollowTheLog(db);
      expect(await rowCount(db, 'projects.processed_events')).toBe(author.events.length);
    }
  });

  it('keeps a board of a few hundred tasks, moved about, edited and pruned, as the fold has it', async () => {
    const big = addProject('Skylab');
    const tasks: string[] = [];
    for (let i = 0; i < 300; i++) tasks.push(addTask(big.pid, big.columns[i % 4]!, `Skylab ${i}`));
    // A fixed pseudo-random walk, so a failure can be replayed.
    let seed = 7;
    const next = (n: number) => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 150; i++) {
      const to = big.columns[next(4)]!;
      move(
        big.pid,
        tasks[next(tasks.length)]!,
        to,
        next(board(big.pid).columns[to]!.taskIds.length + 1),
      );
    }
    for (let i = 0; i < 60; i++)
      send(big.pid, 'ModifyTask', {
        taskId: tasks[next(tasks.length)]!,
        points: next(100),
        content: `note ${i}`,
      });
    for (let i = 0; i < 30; i++)
      send(big.pid, 'DestroyTask', { taskId: tasks.splice(next(tasks.length), 1)[0]! });
    await author.flush();

    // A third size for the one-entry projector: one entry per transaction is the first tests' case, and slow here.
    await live.stop();
    live = await TestProjector.start(log, one, boardsProjection, 20);
    await Promise.all([live.caughtUp(), batched.caughtUp()]);
    const expected = expectedViews(author.eventsOf(stream(big.pid)));
    expect(expected.tasks).toHaveLength(270);
    for (const db of [one, many]) expect(await views(db, big.pid)).toEqual(expected);
    await Promise.all([live.stop(), batched.stop()]);
  });
});
