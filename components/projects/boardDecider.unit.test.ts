import type { ProjectEvent } from '../../contracts/projects';
import { spec } from '../../test/support/deciderSpec';
import { boardDecider, defaultColumnId } from './boardDecider';
import { prefixOf } from './board';

const P = '11111111-1111-4111-8111-111111111111';
const U = '22222222-2222-4222-8222-222222222222';
const T1 = '33333333-3333-4333-8333-333333333331';
const T2 = '33333333-3333-4333-8333-333333333332';
const T3 = '33333333-3333-4333-8333-333333333333';
const C = (n: number) => defaultColumnId(P, n);
const owner = 'auth0|owner';

const board = spec(boardDecider);
const created = (name = 'Devpie'): ProjectEvent[] => {
  const d = boardDecider.decide({ type: 'AddProject', data: { id: P, name, userId: U } }, boardDecider.initialState(), {
    streamId: `project-${P}`,
    userId: owner,
    now: '',
  });
  if (!d.ok) throw new Error(d.reason);
  return d.events;
};
const task = (id: string, n: number, column = C(1)): ProjectEvent => ({
  type: 'TaskAdded',
  data: { id, columnId: column, seq: n, key: `Dev-${n}`, title: `task ${n}` },
});

describe('board decider', () => {
  it('creates a project with the four default columns', () => {
    board.given().when({ type: 'AddProject', data: { id: P, name: 'Devpie', userId: U } }, { userId: owner }).then(
      {
        type: 'ProjectAdded',
        data: { id: P, name: 'Devpie', prefix: 'Dev-', description: '', active: true, public: false, teamId: null, userId: U, ownerId: owner },
      },
      { type: 'ColumnAdded', data: { id: C(1), columnName: 'column-1', title: 'To Do' } },
      { type: 'ColumnAdded', data: { id: C(2), columnName: 'column-2', title: 'In Progress' } },
      { type: 'ColumnAdded', data: { id: C(3), columnName: 'column-3', title: 'Review' } },
      { type: 'ColumnAdded', data: { id: C(4), columnName: 'column-4', title: 'Done' } },
    );
  });

  it('makes a prefix from names of any length', () => {
    expect(prefixOf('Devpie')).toBe('Dev-');
    expect(prefixOf('Ab')).toBe('Ab-');
    expect(prefixOf('X')).toBe('X-');
    expect(prefixOf('日本語プロジェクト')).toBe('日本語-');
  });

  it('numbers tasks per project and never reuses a number after a delete', () => {
    const past = [...created(), task(T1, 1), task(T2, 2), { type: 'TaskDestroyed' as const, data: { id: T2, columnId: C(1) } }];
    board.given(...past).when({ type: 'AddTask', data: { taskId: T3, columnId: C(1), title: 'three' } }).then({
      type: 'TaskAdded',
      data: { id: T3, columnId: C(1), seq: 3, key: 'Dev-3', title: 'three' },
    });
  });

  it('moves a task into another column in the order given', () => {
    const past = [...created(), task(T1, 1), task(T2, 2, C(2)), task(T3, 3, C(2))];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } })
      .then({ type: 'TaskMoved', data: { id: T1, from: C(1), to: C(2), taskIds: [T2, T1, T3] } });
  });

  it('reorders within one column', () => {
    const past = [...created(), task(T1, 1), task(T2, 2), task(T3, 3)];
    board
      .given(...past)
      .when({ type: 'MoveTask', data: { taskId: T3, from: C(1), to: C(1), taskIds: [T3, T1, T2] } })
      .then({ type: 'TaskMoved', data: { id: T3, from: C(1), to: C(1), taskIds: [T3, T1, T2] } });
  });

  it.each([
    ['a task missing', [T2]],
    ['a task duplicated', [T2, T1, T1]],
    ['a task that is elsewhere', [T2, T1, T3]],
  ])('refuses a move whose taskIds has %s', (_, taskIds) => {
    const past = [...created(), task(T1, 1), task(T2, 2, C(2)), task(T3, 3, C(3))];
    board.given(...past).when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(2), taskIds } }).thenRefused('invalid', /exactly/);
  });

  it('refuses a move from a column the task already left (a stale view)', () => {
    const past = [...created(), task(T1, 1, C(2))];
    board.given(...past).when({ type: 'MoveTask', data: { taskId: T1, from: C(1), to: C(3), taskIds: [T1] } }).thenRefused('conflict');
  });

  it('refuses to delete a column that still holds tasks', () => {
    board.given(...created(), task(T1, 1)).when({ type: 'DestroyColumn', data: { columnId: C(1) } }).thenRefused('invalid', /1 task/);
    board.given(...created()).when({ type: 'DestroyColumn', data: { columnId: C(4) } }).then({
      type: 'ColumnDestroyed',
      data: { id: C(4), columnName: 'column-4' },
    });
  });

  it('names new columns after the highest number ever used', () => {
    const X = '44444444-4444-4444-8444-444444444444';
    board
      .given(...created(), { type: 'ColumnDestroyed', data: { id: C(4), columnName: 'column-4' } })
      .when({ type: 'AddColumn', data: { columnId: X, title: 'Blocked' } })
      .then({ type: 'ColumnAdded', data: { id: X, columnName: 'column-5', title: 'Blocked' } });
  });

  it('accepts a column order only when it lists exactly the columns', () => {
    board.given(...created()).when({ type: 'ModifyProject', data: { columnOrder: ['column-2', 'column-1'] } }).thenRefused('invalid');
    const order = ['column-4', 'column-3', 'column-2', 'column-1'];
    board.given(...created()).when({ type: 'ModifyProject', data: { columnOrder: order } }).then({ type: 'ProjectModified', data: { columnOrder: order } });
  });

  it('lets only the owner delete the project, and then it is gone', () => {
    board.given(...created()).when({ type: 'DestroyProject', data: {} }, { userId: 'auth0|other' }).thenRefused('forbidden');
    board.given(...created()).when({ type: 'DestroyProject', data: {} }, { userId: owner }).then({ type: 'ProjectDestroyed', data: { id: P } });
    board
      .given(...created(), { type: 'ProjectDestroyed', data: { id: P } })
      .when({ type: 'AddTask', data: { taskId: T1, columnId: C(1), title: 'x' } })
      .thenRefused('not_found');
  });
});
