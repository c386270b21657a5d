import { nameId } from '../../contracts/ids';
import type { ProjectCommand, ProjectEvent } from '../../contracts/projects';
import { accept, refuse, type Decider, type Decision, type Known } from '../../platform/decider';
import { DEFAULT_COLUMNS, emptyBoard, prefixOf, type Board, type Column, type Task } from './board';
import { deleteIn, setIn, sizeOf } from './persistentRecord';
import { placeMove, without, type Placement } from './placeMove';
import { roleIn, type TeamMembers } from './teamAccess';

const MAX_COLUMNS = 50;
const MAX_TASKS = 10_000;

/** Default columns get ids derived from the project, so the same AddProject decides the same. */
export const defaultColumnId = (projectId: string, n: number): string =>
  nameId('project', projectId, 'column', String(n));

type D = Decision<ProjectEvent>;

function sameMembers(a: string[], b: string[]): boolean {
  if (a.length !== b.length) return false;
  const set = new Set(a);
  return set.size === a.length && b.every((x) => set.has(x));
}

/**
 * Sharing a board with a team is for that team's administrators: the team's fact, read from the
 * team log as far as the component has followed it (to its end, for these commands).
 */
function mayShareWith(
  teams: Known<TeamMembers>,
  teamId: string | null | undefined,
  userId: string | null,
): Decision<never> | null {
  if (!teamId || roleIn(teams, teamId, userId) === 'administrator') return null;
  return refuse('forbidden', 'only an administrator of that team may share a board with it');
}

/** Changing whom a board is shared with: its owner, or an administrator of the team it is shared with now. */
function mayReshare(
  board: Board,
  teams: Known<TeamMembers>,
  userId: string | null,
): Decision<never> | null {
  if (userId !== null && userId === board.ownerId) return null;
  if (roleIn(teams, board.teamId, userId) === 'administrator') return null;
  return refuse('forbidden', "only the board's owner or an administrator of its team may share it");
}

function decide(
  command: ProjectCommand,
  board: Board,
  userId: string | null,
  teams: Known<TeamMembers>,
): D {
  if (command.type === 'AddProject') {
    if (board.exists) return refuse('already_exists', 'the project already exists');
    // A board created shared is shared: the same rule as sharing it later.
    const unshareable = mayShareWith(teams, command.data.teamId, userId);
    if (unshareable) return unshareable;
    const { id, name } = command.data;
    const columns = DEFAULT_COLUMNS.map((title, i): ProjectEvent => ({
      type: 'ColumnAdded',
      data: { id: defaultColumnId(id, i + 1), columnName: `column-${i + 1}`, title },
    }));
    return accept(
      {
        type: 'ProjectAdded',
        data: {
          id,
          name,
          prefix: prefixOf(name),
          description: command.data.description ?? '',
          active: true,
          public: false,
          teamId: command.data.teamId ?? null,
          userId: command.data.userId,
          ownerId: userId ?? '',
        },
      },
      ...columns,
    );
  }
  if (!board.exists || board.destroyed) return refuse('not_found', 'no such project');

  switch (command.type) {
    case 'ModifyProject': {
      const { columnOrder } = command.data;
      if (columnOrder && !sameMembers(columnOrder, board.columnOrder)) {
        return refuse(
          'invalid',
          `columnOrder must list exactly the board's columns: ${board.columnOrder.join(', ')}`,
        );
      }
      if (command.data.teamId !== undefined) {
        const refusal =
          mayReshare(board, teams, userId) ?? mayShareWith(teams, command.data.teamId, userId);
        if (refusal) return refusal;
      }
      return accept({ type: 'ProjectModified', data: command.data });
    }
    case 'DestroyProject':
      if (userId !== board.ownerId)
        return refuse('forbidden', 'only the owner may delete the project');
      return accept({ type: 'ProjectDestroyed', data: { id: board.id } });
    case 'AddColumn': {
      const { columnId, title } = command.data;
      if (board.columns[columnId]) return refuse('already_exists', 'the column already exists');
      if (board.columnOrder.length >= MAX_COLUMNS)
        return refuse('invalid', `a board has at most ${MAX_COLUMNS} columns`);
      return accept({
        type: 'ColumnAdded',
        data: { id: columnId, columnName: `column-${board.columnSeq + 1}`, title },
      });
    }
    case 'ModifyColumn': {
      const { columnId, title } = command.data;
      if (!board.columns[columnId]) return refuse('not_found', 'no such column');
      return accept({ type: 'ColumnModified', data: { id: columnId, title } });
    }
    case 'DestroyColumn': {
      const column = board.columns[command.data.columnId];
      if (!column) return refuse('not_found', 'no such column');
      // Refused rather than moving tasks somewhere the user did not choose.
      if (column.taskIds.length > 0) {
        return refuse(
          'invalid',
          `the column still holds ${column.taskIds.length} task(s): move or delete them first`,
        );
      }
      return accept({
        type: 'ColumnDestroyed',
        data: { id: column.id, columnName: column.columnName },
      });
    }
    case 'AddTask': {
      const { taskId, columnId, title } = command.data;
      if (!board.columns[columnId]) return refuse('not_found', 'no such column');
      if (board.tasks[taskId]) return refuse('already_exists', 'the task already exists');
      if (sizeOf(board.tasks) >= MAX_TASKS)
        return refuse('invalid', `a board has at most ${MAX_TASKS} tasks`);
      const seq = board.seq + 1;
      return accept({
        type: 'TaskAdded',
        data: { id: taskId, columnId, seq, key: `${board.prefix}${seq}`, title },
      });
    }
    case 'ModifyTask': {
      const { taskId, ...fields } = command.data;
      if (!board.tasks[taskId]) return refuse('not_found', 'no such task');
      return accept({ type: 'TaskModified', data: { id: taskId, ...fields } });
    }
    case 'DestroyTask': {
      const task = board.tasks[command.data.taskId];
      if (!task) return refuse('not_found', 'no such task');
      if (command.data.columnId && command.data.columnId !== task.columnId)
        return refuse('not_found', 'the task is not in that column');
      return accept({ type: 'TaskDestroyed', data: { id: task.id, columnId: task.columnId } });
    }
    case 'MoveTask': {
      const { taskId, to } = command.data;
      const task = board.tasks[taskId];
      if (!task) return refuse('not_found', 'no such task');
      const destination = board.columns[to];
      const from = command.data.from ?? task.columnId;
      if (!destination || !board.columns[from]) return refuse('not_found', 'no such column');
      // The one real conflict: someone else took the task out of the column the caller saw.
      if (task.columnId !== from)
        return refuse('conflict', 'the task is no longer in that column: reload the board');
      const placed = placeMove(destination.taskIds, taskId, placementOf(command.data));
      if (!placed.ok)
        return refuse('taskIds' in command.data ? 'invalid' : 'conflict', placed.reason);
      return accept({ type: 'TaskMoved', data: { id: taskId, from, to, taskIds: placed.taskIds } });
    }
  }
}

type MoveData = Extract<ProjectCommand, { type: 'MoveTask' }>['data'];

const placementOf = (data: MoveData): Placement =>
  'taskIds' in data
    ? { seen: data.taskIds }
    : 'index' in data
      ? { index: data.index }
      : { after: data.afterTaskId };

/** A column or task an event names: decide records events only about those the board has. */
function known<T>(things: Record<string, T>, id: string, what: 'column' | 'task'): T {
  const thing = things[id];
  if (thing === undefined) throw new Error(`invariant broken: the board has no ${what} ${id}`);
  return thing;
}

const withColumn = (board: Board, column: Column): Board => ({
  ...board,
  columns: { ...board.columns, [column.id]: column },
});

function evolve(board: Board, event: ProjectEvent): Board {
  switch (event.type) {
    case 'ProjectAdded': {
      const { id, name, prefix, description, active, teamId, userId, ownerId } = event.data;
      return {
        ...emptyBoard(),
        exists: true,
        id,
        name,
        prefix,
        description,
        active,
        public: event.data.public,
        teamId,
        userId,
        ownerId,
      };
    }
    case 'ProjectModified': {
      const { columnOrder, ...fields } = event.data;
      return { ...board, ...fields, columnOrder: columnOrder ?? board.columnOrder };
    }
    case 'ProjectDestroyed':
      return { ...board, destroyed: true };
    case 'ColumnAdded': {
      const { id, columnName, title } = event.data;
      const n = Number(columnName.slice('column-'.length));
      return {
        ...withColumn(board, { id, columnName, title, taskIds: [] }),
        columnOrder: [...board.columnOrder, columnName],
        columnSeq: Math.max(board.columnSeq, n),
      };
    }
    case 'ColumnModified':
      return withColumn(board, {
        ...known(board.columns, event.data.id, 'column'),
        title: event.data.title,
      });
    case 'ColumnDestroyed': {
      const { [event.data.id]: _, ...columns } = board.columns;
      return {
        ...board,
        columns,
        columnOrder: board.columnOrder.filter((n) => n !== event.data.columnName),
      };
    }
    case 'TaskAdded': {
      const d = event.data;
      const column = known(board.columns, d.columnId, 'column');
      return {
        ...withColumn(board, { ...column, taskIds: [...column.taskIds, d.id] }),
        tasks: setIn<Task>(board.tasks, d.id, {
          ...d,
          content: '',
          points: 0,
          assignedTo: null,
          attachments: [],
          comments: [],
        }),
        seq: Math.max(board.seq, d.seq),
      };
    }
    case 'TaskModified': {
      const { id, ...fields } = event.data;
      return {
        ...board,
        tasks: setIn(board.tasks, id, { ...known(board.tasks, id, 'task'), ...fields }),
      };
    }
    case 'TaskDestroyed': {
      const tasks = deleteIn(board.tasks, event.data.id);
      const column = known(board.columns, event.data.columnId, 'column');
      return {
        ...withColumn(board, {
          ...column,
          taskIds: without(column.taskIds, event.data.id) as string[],
        }),
        tasks,
      };
    }
    case 'TaskMoved': {
      const { id, from, to, taskIds } = event.data;
      let next = board;
      if (from !== to) {
        const source = known(next.columns, from, 'column');
        next = withColumn(next, { ...source, taskIds: without(source.taskIds, id) as string[] });
      }
      next = withColumn(next, { ...known(next.columns, to, 'column'), taskIds });
      return {
        ...next,
        tasks: setIn(next.tasks, id, { ...known(next.tasks, id, 'task'), columnId: to }),
      };
    }
  }
}

/** `teams`: the team category's membership as the component has followed it (`teamAccess`). */
export const boardDecider: Decider<ProjectCommand, ProjectEvent, Board, Known<TeamMembers>> = {
  initialState: emptyBoard,
  decide: (command, board, ctx, teams) => decide(command, board, ctx.userId, teams),
  evolve,
};
