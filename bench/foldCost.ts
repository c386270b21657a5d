/**
 * What one board event costs in Node, by board size: the product's own functions, timed in this
 * process on boards built by the product's decider. `evolve` is what the component runs for every
 * accepted event, and `decide` + `evolve` what it runs per command; `foldView` is what the projects
 * projector runs for every event it applies (evolve plus the views' timestamps), and the projector
 * figure adds the rows and JSON of a batch of that one event. If a cost grows with the number of
 * tasks on the board, a hot board slows down as it grows.
 *
 * `node -r @swc-node/register bench/foldCost.ts 100 1000 5000` prints the table alone.
 */
import { boardDecider } from '../components/projects/boardDecider';
import { emptyBoard, type Board } from '../components/projects/board';
import type { EventEnvelope } from '../contracts/envelope';
import type { ProjectCommand, ProjectEvent } from '../contracts/projects';
import { newId } from '../platform/ids';
import {
  BoardWrites,
  foldView,
  type Changed,
  type ViewBoard,
} from '../projectors/projects/boardsProjection';
import { now, round } from './util';

export interface FoldCost {
  tasks: number;
  /** Microseconds per event, one event at a time: a mix of adds, edits, moves and deletes. */
  evolveUs: number;
  /** The component per event: decide each command, then evolve its events. */
  componentUs: number;
  /** The same by command (a move carries the destination's whole order, as the frontend sends it). */
  componentUsByCommand: Record<string, number>;
  foldViewUs: number | null;
  /** The projector per event: foldView, the rows it changed and their JSON. */
  projectorUs: number;
}

const USER = 'bench|fold';
const PASSES = 5;

export function foldCost(sizes: number[]): FoldCost[] {
  const out: FoldCost[] = [];
  // The first size only warms the functions up (JIT); it is measured again and reported.
  for (const [round_, size] of [150, ...sizes].entries()) {
    // Enough events to time, not so many that a big board takes seconds.
    const commandsPerSize = Math.min(2000, Math.max(400, Math.round(400_000 / size)));
    const id = newId();
    const streamId = `project-${id}`;
    let board: Board = emptyBoard();
    let version = 0;
    const envelopes: EventEnvelope[] = [];
    const commands: ProjectCommand[] = [];
    const metadata = {
      traceId: 'f'.repeat(32),
      correlationId: id,
      causationId: id,
      userId: USER,
      timestamp: new Date().toISOString(),
    };
    const ctx = { streamId, userId: USER, now: metadata.timestamp };
    const apply = (command: ProjectCommand) => {
      const d = boardDecider.decide(command, board, ctx, new Map());
      if (!d.ok) throw new Error(`fold cost: ${command.type} refused: ${d.reason}`);
      commands.push(command);
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
    const columnIds = columns().map((c) => c.id);
    for (let i = 0; i < size; i++)
      apply({
        type: 'AddTask',
        data: { taskId: newId(), columnId: columnIds[i % 4]!, title: `t${i}` },
      });
    const setupEvents = envelopes.length;
    const setupCommands = commands.length;
    const taskIds = Object.keys(board.tasks);
    // A steady board: every add is deleted again three commands later.
    let added = '';
    for (let i = 0; i < commandsPerSize; i++) {
      const taskId = taskIds[(i * 7919) % taskIds.length]!;
      switch (i % 4) {
        case 0:
          added = newId();
          apply({
            type: 'AddTask',
            data: { taskId: added, columnId: columnIds[i % 3]!, title: `n${i}` },
          });
          break;
        case 1:
          apply({ type: 'ModifyTask', data: { taskId, points: i % 13 } });
          break;
        case 2: {
          const from = board.tasks[taskId]!.columnId;
          const to = columns().find((c) => c.id !== from)!;
          apply({
            type: 'MoveTask',
            data: { taskId, from, to: to.id, taskIds: [...to.taskIds, taskId] },
          });
          break;
        }
        default:
          apply({ type: 'DestroyTask', data: { taskId: added } });
      }
    }
    const measured = envelopes.slice(setupEvents);
    const measuredCommands = commands.slice(setupCommands);
    let state: Board = emptyBoard();
    for (const e of envelopes.slice(0, setupEvents))
      state = boardDecider.evolve(state, e as unknown as ProjectEvent);
    // Best of several passes: the least disturbed by GC and other processes.
    const time = (f: () => void) => {
      let best = Infinity;
      for (let pass = 0; pass < PASSES; pass++) {
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
    const byCommand = new Map<string, { ms: number; n: number }>();
    const bestByCommand = new Map<string, number>();
    const componentUs = time(() => {
      let s = state;
      for (const [type, k] of byCommand)
        bestByCommand.set(type, Math.min(bestByCommand.get(type) ?? Infinity, k.ms / k.n));
      byCommand.clear();
      for (const c of measuredCommands) {
        const t = now();
        const d = boardDecider.decide(c, s, ctx, new Map());
        if (!d.ok) throw new Error(`fold cost: ${c.type} refused on replay: ${d.reason}`);
        for (const e of d.events) s = boardDecider.evolve(s, e);
        const k = byCommand.get(c.type) ?? { ms: 0, n: 0 };
        byCommand.set(c.type, { ms: k.ms + now() - t, n: k.n + 1 });
      }
    });
    for (const [type, k] of byCommand)
      bestByCommand.set(type, Math.min(bestByCommand.get(type) ?? Infinity, k.ms / k.n));
    // Each command's best pass: a rough split of the figure above.
    const componentUsByCommand = Object.fromEntries(
      [...bestByCommand].map(([type, ms]) => [type, round(ms * 1000, 1)]),
    );
    // The projector's stamp maps change in place (its cache is its own): each pass starts over.
    const startView = (): ViewBoard => {
      let v: ViewBoard = {
        board: emptyBoard(),
        version: 0,
        stamp: { createdAt: '', updatedAt: '' },
        columns: new Map(),
        tasks: new Map(),
        positions: new Map(),
      };
      for (const e of envelopes.slice(0, setupEvents)) v = foldView(v, e);
      return v;
    };
    const views = Array.from({ length: 2 * PASSES }, startView);
    const foldViewUs = time(() => {
      let v = views.pop()!;
      for (const e of measured) v = foldView(v, e);
    });
    const projectorUs = time(() => {
      let v = views.pop()!;
      for (const e of measured) {
        const changed: Changed = { columns: new Set(), tasks: new Set() };
        const after = foldView(v, e, changed);
        const writes = new BoardWrites();
        writes.diff(id, v.board, after, changed);
        writes.params();
        v = after;
      }
    });
    if (round_ > 0)
      out.push({
        tasks: size,
        evolveUs,
        componentUs,
        componentUsByCommand,
        foldViewUs,
        projectorUs,
      });
  }
  return out;
}

if (require.main === module) {
  const sizes = process.argv.slice(2).map(Number);
  console.table(
    foldCost(sizes.length ? sizes : [100, 1000, 5000]).map(({ componentUsByCommand, ...c }) => ({
      ...c,
      ...componentUsByCommand,
    })),
  );
}
