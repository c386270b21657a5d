/**
 * What applying one board event costs in Node, by board size: the product's own functions, timed
 * in this process on boards built by the product's decider. `evolve` is what the component runs
 * for every accepted command; `foldView` is what the projects projector runs for every event it
 * applies (evolve plus the views' timestamps). If the cost grows with the number of tasks on the
 * board, a hot board slows both down as it grows.
 */
import { boardDecider } from '../components/projects/boardDecider';
import { emptyBoard, type Board } from '../components/projects/board';
import type { EventEnvelope } from '../contracts/envelope';
import type { ProjectCommand, ProjectEvent } from '../contracts/projects';
import { newId } from '../platform/ids';
import * as boardsProjection from '../projectors/projects/boardsProjection';
import { now, round } from './util';

export interface FoldCost {
  tasks: number;
  /** Microseconds per event, TaskModified / TaskMoved mix, one event at a time. */
  evolveUs: number;
  foldViewUs: number | null;
}

export function foldCost(sizes: number[]): FoldCost[] {
  // foldView is the projection's own fold; absent if the product renames it.
  const foldView = (boardsProjection as unknown as Record<string, unknown>).foldView as
    ((v: unknown, e: EventEnvelope) => unknown) | undefined;
  const out: FoldCost[] = [];
  // The first size only warms the functions up (JIT); it is measured again and reported.
  for (const [round_, size] of [150, ...sizes].entries()) {
    // Enough events to time, not so many that a big board takes seconds.
    const eventsPerSize = Math.min(2000, Math.max(100, Math.round(200_000 / size)));
    const id = newId();
    const streamId = `project-${id}`;
    let board: Board = emptyBoard();
    let version = 0;
    const envelopes: EventEnvelope[] = [];
    const metadata = {
      traceId: 'f'.repeat(32),
      correlationId: id,
      causationId: id,
      userId: 'bench|fold',
      timestamp: new Date().toISOString(),
    };
    const apply = (command: ProjectCommand) => {
      const d = boardDecider.decide(
        command,
        board,
        { streamId, userId: 'bench|fold', now: metadata.timestamp },
        new Map(),
      );
      if (!d.ok) throw new Error(`fold cost: ${command.type} refused: ${d.reason}`);
      for (const e of d.events) {
        board = boardDecider.evolve(board, e);
        envelopes.push({
          id: newId(),
          type: e.type,
          streamId,
          version: ++version,
          data: e.data,
          metadata,
        });
      }
    };
    apply({ type: 'AddProject', data: { id, name: 'Fold', userId: newId() } });
    const columns = () =>
      board.columnOrder.map((n) => Object.values(board.columns).find((c) => c.columnName === n)!);
    for (let i = 0; i < size; i++)
      apply({
        type: 'AddTask',
        data: { taskId: newId(), columnId: columns()[i % 4]!.id, title: `t${i}` },
      });
    const setup = envelopes.length;
    const taskIds = Object.keys(board.tasks);
    for (let i = 0; i < eventsPerSize; i++) {
      const taskId = taskIds[(i * 7919) % taskIds.length]!;
      if (i % 2 === 0) apply({ type: 'ModifyTask', data: { taskId, points: i % 13 } });
      else {
        const from = board.tasks[taskId]!.columnId;
        const to = columns().find((c) => c.id !== from)!;
        apply({
          type: 'MoveTask',
          data: { taskId, from, to: to.id, taskIds: [...to.taskIds, taskId] },
        });
      }
    }
    const measured = envelopes.slice(setup);
    // evolve: from the board as it stood before the measured events.
    let state: Board = emptyBoard();
    for (const e of envelopes.slice(0, setup))
      state = boardDecider.evolve(state, e as unknown as ProjectEvent);
    // Best of three passes: the least disturbed by GC and other processes.
    const time = (f: () => void) => {
      let best = Infinity;
      for (let pass = 0; pass < 3; pass++) {
        const t = now();
        f();
        best = Math.min(best, now() - t);
      }
      return round((best * 1000) / measured.length, 2);
    };
    const evolveUs = time(() => {
      let s = state;
      for (const e of measured) s = boardDecider.evolve(s, e as unknown as ProjectEvent);
    });
    let foldViewUs: number | null = null;
    if (foldView) {
      let view: unknown = {
        board: emptyBoard(),
        version: 0,
        stamp: { createdAt: '', updatedAt: '' },
        // The projection keeps its stamps in Maps since b1c0817.
        columns: new Map(),
        tasks: new Map(),
      };
      for (const e of envelopes.slice(0, setup)) view = foldView(view, e);
      const start = view;
      foldViewUs = time(() => {
        let v = start;
        for (const e of measured) v = foldView(v, e);
      });
    }
    if (round_ > 0) out.push({ tasks: size, evolveUs, foldViewUs });
  }
  return out;
}
