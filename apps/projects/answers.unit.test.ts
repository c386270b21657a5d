import type { AcceptedEvent } from '../../platform/outcomes/outcomes';
import type { Column, Project, Task } from '../../projectors/projects/boardQueries';
import { columnAfter, moveAfter, projectAfter, taskAfter } from './answers';

const at = '2026-12-03T10:00:00.000Z';
const later = '2026-12-03T10:00:01.000Z';
const pid = 'p1';
const accepted = (events: AcceptedEvent[]) => ({
  status: 'accepted' as const,
  streamId: `project-${pid}`,
  version: events[events.length - 1]?.version ?? 0,
  events,
});
const task: Task = {
  id: 't1',
  key: 'Dev-1',
  seq: 1,
  title: 'A',
  points: 0,
  content: '',
  projectId: pid,
  columnId: 'c1',
  assignedTo: null,
  attachments: [],
  comments: [],
  createdAt: at,
  updatedAt: at,
};

describe('answers from accepted events', () => {
  it('builds a new task as the views stamp it', () => {
    const added = accepted([
      {
        type: 'TaskAdded',
        version: 7,
        at,
        data: { id: 't1', columnId: 'c1', seq: 1, key: 'Dev-1', title: 'A' },
      },
    ]);
    expect(taskAfter(added, 't1', pid, null)).toEqual(task);
  });

  it('changes the copy read only when nothing came in between', () => {
    const modified = accepted([
      { type: 'TaskModified', version: 8, at: later, data: { id: 't1', points: 3 } },
    ]);
    expect(taskAfter(modified, 't1', pid, { task, version: 7 })).toEqual({
      ...task,
      points: 3,
      updatedAt: later,
    });
    // Version 7 was read as 6: another write came between the read and this one.
    expect(taskAfter(modified, 't1', pid, { task, version: 6 })).toBeUndefined();
  });

  it('reads the views when the announcement had no events, or an event it does not know', () => {
    expect(
      taskAfter({ status: 'accepted', streamId: 's', version: 8 }, 't1', pid, {
        task,
        version: 7,
      }),
    ).toBeUndefined();
    const strange = accepted([{ type: 'TaskRenumbered', version: 8, at, data: { id: 't1' } }]);
    expect(taskAfter(strange, 't1', pid, { task, version: 7 })).toBeUndefined();
  });

  it('builds a project with its default columns, and a column', () => {
    const created = accepted([
      {
        type: 'ProjectAdded',
        version: 1,
        at,
        data: {
          id: pid,
          name: 'N',
          prefix: 'N-',
          description: '',
          active: true,
          public: false,
          teamId: null,
          userId: 'u',
          ownerId: 'auth0|x',
        },
      },
      {
        type: 'ColumnAdded',
        version: 2,
        at: later,
        data: { id: 'c1', columnName: 'column-1', title: 'To Do' },
      },
    ]);
    const project: Project = {
      id: pid,
      name: 'N',
      prefix: 'N-',
      description: '',
      teamId: null,
      userId: 'u',
      active: true,
      public: false,
      columnOrder: ['column-1'],
      createdAt: at,
      updatedAt: later,
    };
    expect(projectAfter(created, null)).toEqual(project);
    const column: Column = {
      id: 'c1',
      projectId: pid,
      title: 'To Do',
      columnName: 'column-1',
      taskIds: [],
      createdAt: later,
      updatedAt: later,
    };
    expect(columnAfter(created, 'c1', pid, null)).toEqual(column);
    const renamed = accepted([
      { type: 'ColumnModified', version: 3, at, data: { id: 'c1', title: 'Next' } },
    ]);
    expect(columnAfter(renamed, 'c1', pid, { column, version: 2 })).toEqual({
      ...column,
      title: 'Next',
      updatedAt: at,
    });
    const modified = accepted([
      {
        type: 'ProjectModified',
        version: 3,
        at,
        data: { public: true, columnOrder: ['column-1'] },
      },
    ]);
    expect(projectAfter(modified, { project, version: 2 })).toEqual({
      ...project,
      public: true,
      updatedAt: at,
    });
  });

  it('answers a move with the task and both columns, in the order read', () => {
    const column = (id: string, taskIds: string[]): Column => ({
      id,
      projectId: pid,
      title: id,
      columnName: `column-${id.slice(1)}`,
      taskIds,
      createdAt: at,
      updatedAt: at,
    });
    const columns = [column('c1', ['t1', 't2']), column('c2', ['t3'])];
    const move = accepted([
      {
        type: 'TaskMoved',
        version: 9,
        at: later,
        data: { id: 't1', from: 'c1', to: 'c2', taskIds: ['t1', 't3'] },
      },
    ]);
    expect(moveAfter(move, pid, { task, columns, version: 8 })).toEqual({
      task: { ...task, columnId: 'c2', updatedAt: later },
      columns: [
        { ...columns[0], taskIds: ['t2'], updatedAt: later },
        { ...columns[1], taskIds: ['t1', 't3'], updatedAt: later },
      ],
    });
    expect(moveAfter(move, pid, { task, columns, version: 7 })).toBeUndefined();
  });
});
