import type { ProjectCommand, ProjectEvent } from '../../contracts/projects';
import { boardDecider } from './boardDecider';
import type { Board } from './board';

const P = '22222222-2222-4222-8222-222222222222';
const ctx = { streamId: `project-${P}`, userId: 'auth0|owner', now: '' };
const task = (n: number) => `bbbbbbbb-bbbb-4bbb-8bbb-${String(n).padStart(12, '0')}`;

function run(board: Board, commands: ProjectCommand[]): Board {
  for (const c of commands) {
    const d = boardDecider.decide(c, board, ctx, new Map());
    if (!d.ok) throw new Error(`${c.type}: ${d.reason}`);
    board = d.events.reduce((b: Board, e: ProjectEvent) => boardDecider.evolve(b, e), board);
  }
  return board;
}

describe('a board snapshot', () => {
  it('is the plain JSON it always was, and a board resumed from it decides and folds as the live one', () => {
    let live = run(boardDecider.initialState(), [
      { type: 'AddProject', data: { id: P, name: 'Snap', userId: P } },
    ]);
    const [c1, c2] = Object.keys(live.columns) as [string, string];
    live = run(
      live,
      Array.from({ length: 40 }, (_, i) => ({
        type: 'AddTask' as const,
        data: { taskId: task(i), columnId: i % 2 ? c1 : c2, title: `t${i}` },
      })),
    );
    const json = JSON.parse(JSON.stringify(live)) as Board;
    expect(Object.keys(json.tasks).sort()).toEqual(Array.from({ length: 40 }, (_, i) => task(i)));
    expect(json.tasks[task(3)]).toEqual({ ...live.tasks[task(3)] });

    const more: ProjectCommand[] = [
      { type: 'ModifyTask', data: { taskId: task(3), points: 5 } },
      { type: 'MoveTask', data: { taskId: task(4), from: c2, to: c1, index: 0 } },
      { type: 'DestroyTask', data: { taskId: task(5) } },
      { type: 'AddTask', data: { taskId: task(99), columnId: c1, title: 'new' } },
    ];
    const a = run(live, more);
    const b = run(json, more);
    expect(JSON.parse(JSON.stringify(b))).toEqual(JSON.parse(JSON.stringify(a)));
    // The live board before the commands is unchanged by them.
    expect(JSON.parse(JSON.stringify(live))).toEqual(json);
  });
});
