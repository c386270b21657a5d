import fc from 'fast-check';
import type { ProjectCommand } from '../../contracts/projects';
import { boardDecider, defaultColumnId } from './boardDecider';
import type { Board } from './board';

const P = '11111111-1111-4111-8111-111111111111';
const ids = (prefix: string, n: number) =>
  Array.from({ length: n }, (_, i) => `${prefix}${String(i).padStart(12, '0')}`);
const TASKS = ids('aaaaaaaa-aaaa-4aaa-8aaa-', 12);
const EXTRA_COLUMNS = ids('cccccccc-cccc-4ccc-8ccc-', 3);
const COLUMNS = [1, 2, 3, 4].map((n) => defaultColumnId(P, n)).concat(EXTRA_COLUMNS);
const ctx = { streamId: `project-${P}`, userId: 'auth0|owner', now: '' };
/** Sharing is not among the commands drawn: no team is known. */
const noTeams = new Map();

/** Every task of the board in exactly one column, once, and that column is the task's own. */
function checkInvariant(board: Board): void {
  const placed = Object.values(board.columns).flatMap((c) =>
    c.taskIds.map((t) => [t, c.id] as const),
  );
  expect(new Set(placed.map(([t]) => t)).size).toBe(placed.length);
  expect(placed.map(([t]) => t).sort()).toEqual(Object.keys(board.tasks).sort());
  for (const [t, c] of placed) expect(board.tasks[t]!.columnId).toBe(c);
  expect(board.columnOrder.slice().sort()).toEqual(
    Object.values(board.columns)
      .map((c) => c.columnName)
      .sort(),
  );
  const seqs = Object.values(board.tasks).map((t) => t.seq);
  expect(new Set(seqs).size).toBe(seqs.length);
}

const pick = <T>(xs: readonly T[]) => fc.constantFrom(...xs);

/** Commands drawn from a small id space so they collide: moves of tasks that moved, deleted columns… */
/** Mostly what exists now, sometimes anything from the id space. */
const likely = (existing: string[], all: string[]) =>
  existing.length
    ? fc.oneof({ weight: 4, arbitrary: pick(existing) }, { weight: 1, arbitrary: pick(all) })
    : pick(all);

const command = (board: Board): fc.Arbitrary<ProjectCommand> => {
  const columnIds = Object.keys(board.columns);
  const taskIds = Object.keys(board.tasks);
  const columnOfTask = (t: string) => board.tasks[t]?.columnId;
  const task = likely(taskIds, TASKS);
  const column = likely(columnIds, COLUMNS);
  return fc.oneof(
    {
      weight: 3,
      arbitrary: fc
        .record({ taskId: pick(TASKS), columnId: column, title: fc.constant('t') })
        .map((data) => ({ type: 'AddTask' as const, data })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ taskId: task, title: fc.constant('renamed') })
        .map((data) => ({ type: 'ModifyTask' as const, data })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ taskId: task })
        .map((data) => ({ type: 'DestroyTask' as const, data })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ columnId: pick(COLUMNS), title: fc.constant('c') })
        .map((data) => ({ type: 'AddColumn' as const, data })),
    },
    {
      weight: 1,
      arbitrary: fc
        .record({ columnId: column })
        .map((data) => ({ type: 'DestroyColumn' as const, data })),
    },
    // Moves: mostly well-formed against the current board (so they are accepted), sometimes
    // with a stale source or a shuffled, truncated or padded order.
    {
      weight: 5,
      arbitrary: fc
        .record({
          taskId: task,
          to: columnIds.length ? pick(columnIds) : pick(COLUMNS),
          stale: fc.boolean(),
          position: fc.nat(),
          mangle: fc.integer({ min: 0, max: 5 }),
          other: pick(TASKS),
        })
        .map(({ taskId, to, stale, position, mangle, other }) => {
          const from = stale
            ? COLUMNS[position % COLUMNS.length]!
            : (columnOfTask(taskId) ?? COLUMNS[0]!);
          const rest = (board.columns[to]?.taskIds ?? []).filter((t) => t !== taskId);
          const at = position % (rest.length + 1);
          let taskIds = [...rest.slice(0, at), taskId, ...rest.slice(at)];
          if (mangle === 1) taskIds = taskIds.slice(1);
          if (mangle === 2) taskIds = [...taskIds, other];
          return { type: 'MoveTask' as const, data: { taskId, from, to, taskIds } };
        }),
    },
  );
};

describe('board invariant', () => {
  const acceptedByType: Record<string, number> = {};
  afterAll(() => {
    // The sequences must exercise the rules, not just bounce off them.
    expect(acceptedByType.MoveTask).toBeGreaterThan(500);
    expect(acceptedByType.DestroyTask).toBeGreaterThan(100);
    expect(acceptedByType.DestroyColumn).toBeGreaterThan(20);
    expect(acceptedByType.AddColumn).toBeGreaterThan(20);
  });

  it('holds after any sequence of commands, accepted or refused', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 2 ** 31 - 1 }), { minLength: 20, maxLength: 120 }),
        (seeds) => {
          const created = boardDecider.decide(
            { type: 'AddProject', data: { id: P, name: 'Prop', userId: P } },
            boardDecider.initialState(),
            ctx,
            noTeams,
          );
          if (!created.ok) throw new Error('project not created');
          let board = created.events.reduce(boardDecider.evolve, boardDecider.initialState());
          let accepted = 0;
          for (const seed of seeds) {
            const [cmd] = fc.sample(command(board), { numRuns: 1, seed });
            const decision = boardDecider.decide(cmd!, board, ctx, noTeams);
            if (decision.ok) {
              accepted++;
              acceptedByType[cmd!.type] = (acceptedByType[cmd!.type] ?? 0) + 1;
              board = decision.events.reduce(boardDecider.evolve, board);
            }
            checkInvariant(board);
          }
          return accepted >= 0;
        },
      ),
      { numRuns: 300 },
    );
  });
});
