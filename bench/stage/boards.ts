/** Stage `boards`: kanban boards written over HTTP with read-your-writes, on the same running system after the users. */
import {
  runBoardWorkload,
  setupBoards,
  type BoardRecord,
  type BoardShape,
  type BoardSetup,
  type BoardWorkloadResult,
  type WriteKind,
} from '../boards';
import { foldCost, type FoldCost } from '../foldCost';
import { runWorkload } from '../http';
import type { ProfileSummary } from '../probe';
import { breakdown, type StageBreakdown, type Timeline } from '../stages';
import { log, round } from '../util';
import type { LiveSystem, RunContext, StageFailure } from './context';
import { assertAlive, measured, stageFailure, type Inside } from './measured';
import type { Caller } from './tokens';
import { registration } from './users';

export interface BoardReport extends BoardWorkloadResult {
  stages: StageBreakdown;
  /** The same stages for each kind of write. */
  stagesByKind: Record<WriteKind, StageBreakdown>;
  cpuCores: Record<string, number>;
  /** CPU milliseconds per answered write (reads before moves included), by process group. */
  cpuMsPerWrite: Record<string, number>;
  /** The same per accepted write: what issue 15's "machine CPU per accepted board write" divides by. */
  cpuMsPerAcceptedWrite: Record<string, number>;
  /**
   * CPU ms per accepted write of the run's own processes only (the system, its Postgres backends,
   * the log's server, the bench client): what other users of a shared machine do not inflate.
   */
  ownCpuMsPerAcceptedWrite: number | null;
  disturbed: boolean;
  inside: Inside | null;
}

export interface BoardProfile {
  shape: string;
  clients: number;
  writesPerSec: number;
  hotBoardTasks: BoardWorkloadResult['hotBoardTasks'];
  profile: ProfileSummary;
}

export interface BoardsResult {
  setup: BoardSetup | null;
  workloads: BoardReport[];
  /** Each workload's writes, joined with the system's timeline once it has stopped. */
  records: Map<BoardReport, BoardRecord[]>;
  /** CPU profiles of the system process during one extra run per shape (not counted in the workloads). */
  profiles: BoardProfile[];
  failure: StageFailure | null;
}

export const boardsSkipped = (): BoardsResult => ({
  setup: null,
  workloads: [],
  records: new Map(),
  profiles: [],
  failure: null,
});

export async function boardsStage(
  run: RunContext,
  live: LiveSystem,
  owner: Caller,
): Promise<BoardsResult> {
  const { settings } = run;
  const { system } = live;
  const { port } = system;
  const out = boardsSkipped();
  let step = 'setup';
  try {
    if (system.exit()) throw new Error('the system under test is gone');
    const registered = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration(owner));
    if (registered.result.ok !== 1)
      throw new Error(
        `registering the board user failed: ${JSON.stringify(registered.result.statuses)}`,
      );
    // A hot board for each hot workload (and the profiled run), each with the same tasks to start with.
    const hotBoards = settings.boardClients.length + (settings.profile ? 1 : 0);
    const setup = await setupBoards(port, owner.token, {
      boards: settings.boards,
      tasksPerBoard: settings.tasksPerBoard,
      hotBoards,
      hotTasks: settings.hotTasks,
      concurrency: 8,
      tag: run.runId,
    });
    out.setup = setup;
    log('boards set up', {
      boards: setup.boards.length,
      hotBoards,
      hotTasks: settings.hotTasks,
      writes: setup.writes,
      seconds: setup.seconds,
    });
    const hotFor = [...setup.hot];
    const common = {
      port,
      token: owner.token,
      boards: setup.boards,
      durationMs: settings.durationMs,
    };
    step = 'warm-up';
    await runBoardWorkload({
      ...common,
      hot: hotFor[0]!,
      shape: 'spread',
      clients: 8,
      durationMs: 10_000,
      maxWrites: settings.boardWarmupWrites,
      seed: 0,
    });
    log('boards warmed up');
    const workload = async (shape: BoardShape, clients: number, seed: number) => {
      step = `${shape}/${clients}`;
      const { value, cpuCores, ownCores, disturbed, inside } = await measured(
        live,
        run.quiet,
        `board-${shape}${clients}`,
        () => {
          const hot = shape === 'hot' ? hotFor.shift()! : hotFor[0]!;
          return runBoardWorkload({
            ...common,
            hot,
            shape,
            clients,
            maxWrites: settings.boardCap,
            seed,
          });
        },
      );
      const { result, records } = value;
      const none = undefined as unknown as StageBreakdown;
      const perWrite = (rate: number) =>
        Object.fromEntries(
          Object.entries(cpuCores)
            .filter(([k]) =>
              [
                'machineTotal',
                'system',
                'postgres',
                'natsStreaming',
                'natsServer',
                'benchClient',
              ].includes(k),
            )
            .map(([k, v]) => [k, round((v * 1000) / Math.max(1, rate), 2)]),
        );
      const w: BoardReport = {
        ...result,
        disturbed,
        stages: none,
        stagesByKind: { add: none, edit: none, move: none },
        cpuCores,
        cpuMsPerWrite: perWrite(result.answeredPerSec),
        cpuMsPerAcceptedWrite: perWrite(result.writesPerSec),
        ownCpuMsPerAcceptedWrite:
          ownCores === null ? null : round((ownCores * 1000) / Math.max(1, result.writesPerSec), 2),
        inside,
      };
      out.workloads.push(w);
      out.records.set(w, records);
      log('board workload', {
        shape,
        clients,
        writesPerSec: result.writesPerSec,
        answeredPerSec: result.answeredPerSec,
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
        notStaleConflicts: result.conflicts.notStale,
        moves: result.conflicts.moves,
        statuses: result.statuses,
      });
      assertAlive(live, `boards ${shape}/${clients}`);
      if (result.errors > 0)
        throw new Error(
          `${result.errors} of ${result.writes} board writes failed during ${shape}/${clients}: ${JSON.stringify(result.statuses)}`,
        );
    };
    let seed = 1;
    for (const c of settings.boardClients) await workload('spread', c, seed++);
    for (const c of settings.boardClients) await workload('hot', c, seed++);
    // Last, so the spread and hot figures stay comparable with earlier runs (the boards grow here).
    if (settings.boardAddsEdits)
      for (const c of settings.boardClients) await workload('spreadAddsEdits', c, seed++);
    if (settings.profile) {
      // Not counted: the profiler slows the process it samples.
      const clients = Math.max(...settings.boardClients);
      for (const shape of ['spread', 'hot'] as const) {
        step = `profile ${shape}/${clients}`;
        await system.profile('start');
        const { result } = await runBoardWorkload({
          ...common,
          hot: hotFor[0]!,
          shape,
          clients,
          durationMs: settings.profileMs,
          maxWrites: settings.boardCap,
          seed: seed++,
        });
        const summary = await system.profile('stop');
        if (summary)
          out.profiles.push({
            shape,
            clients,
            writesPerSec: result.writesPerSec,
            hotBoardTasks: result.hotBoardTasks,
            profile: summary,
          });
      }
    }
  } catch (err) {
    out.failure = stageFailure(live, step, err);
    log('board stage failed', { message: out.failure.message });
  }
  return out;
}

/** Per-request stages, overall and by kind of write, from what the system recorded (read once it has stopped). */
export function joinBoardStages(b: BoardsResult, projectTimeline: Timeline): void {
  for (const w of b.workloads) {
    const records = b.records.get(w)!;
    w.stages = breakdown(records, projectTimeline);
    for (const kind of ['add', 'edit', 'move'] as WriteKind[])
      w.stagesByKind[kind] = breakdown(
        records.filter((r) => r.kind === kind),
        projectTimeline,
      );
  }
}

/** What one board event costs the component (evolve) and the projector (foldView), by board size. */
export function boardFoldCosts(): FoldCost[] {
  const costs = foldCost([10, 150, 500, 1000]);
  if (costs.length) log('board fold cost', { foldCosts: costs });
  return costs;
}
