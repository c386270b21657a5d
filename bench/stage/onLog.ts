/**
 * The users, boards (and approvals) stages on one log's system, then its rebuilds: what run.ts
 * does once per log of BENCH_LOGS. Each log's side has a system of its own (database, channel
 * prefix); on JetStream its components run lease-free (bench/logs.ts `logEnv`).
 */
import { MIGRATIONS } from '../../main';
import { migrate } from '../../platform/postgres/migrate';
import { PostgresLeases } from '../../platform/postgres/lease';
import { createPool } from '../../platform/postgres/pool';
import { BOARD_MIX } from '../boards';
import { openLog } from '../logs';
import type { FoldCost } from '../foldCost';
import type { PlanEvidence } from '../plans';
import type { RebuildResult } from '../rebuild';
import { readTimeline, type Timeline } from '../stages';
import { freePort } from '../../test/support/ports';
import { startSystem, type SystemOptions } from '../system';
import { log } from '../util';
import { approvalsStage, finishApprovals, type ApprovalsStageResult } from './approvals';
import { boardsSkipped, boardsStage, joinBoardStages, type BoardsResult } from './boards';
import type { LiveSystem, LogSide, RunContext, RunTemporal } from './context';
import {
  projectsRebuild,
  projectsRebuildSkipped,
  type ProjectsRebuildResult,
} from './projectsRebuild';
import type { Tokens } from './tokens';
import { userRebuilds } from './userRebuilds';
import {
  joinUserStages,
  userStatementPlans,
  usersSkipped,
  usersStage,
  type UsersResult,
} from './users';

/** What the system needs besides its log, port, database and prefix: the same on every side. */
export type SystemBase = Pick<SystemOptions, 'probe' | 'temporal' | 'mailDir'>;

export interface HttpOnLog {
  side: LogSide;
  options: SystemOptions;
  users: UsersResult;
  boards: BoardsResult;
  /** What the users stage left on the log; the boards stage's project channel, when it ran. */
  timeline: Timeline;
  projectTimeline: Timeline | null;
  approvals: ApprovalsStageResult | null;
  /** Workflows still running on the run's task queues at the end, terminated (approvals side only). */
  leftoversTerminated: number | null;
}

/** The system's options on this side: NATS Streaming keeps the prefix it had before BENCH_LOGS. */
const systemOptions = async (side: LogSide, base: SystemBase): Promise<SystemOptions> => ({
  port: await freePort(),
  databaseUrl: side.databaseUrl,
  prefix: `${side.prefix}sys.`,
  log: side.log,
  ...base,
});

/**
 * Starts the side's system only for a stage that goes through it (a stage run alone neither
 * waits for it nor shares the machine with it), runs the stages asked for, stops it, and reads
 * the timelines the stages' per-request breakdowns join with.
 */
export async function httpOnLog(
  run: RunContext,
  side: LogSide,
  base: SystemBase,
  tokens: Tokens,
  stages: { users: boolean; boards: boolean; approvals: RunTemporal | null },
): Promise<HttpOnLog> {
  const options = await systemOptions(side, base);
  const out: HttpOnLog = {
    side,
    options,
    users: usersSkipped(),
    boards: boardsSkipped(),
    timeline: {
      command: new Map(),
      decision: new Map(),
      recorded: new Map(),
      eventChannelEnd: 0,
      events: 0,
    },
    projectTimeline: null,
    approvals: null,
    leftoversTerminated: null,
  };
  const temporal = stages.approvals;
  if (stages.users || stages.boards || temporal) {
    log('system on log', { log: side.log.kind, prefix: options.prefix });
    const system = await startSystem(options);
    const live: LiveSystem = {
      system,
      options,
      named: { [run.self]: 'benchClient', [String(system.pid)]: 'system' },
    };
    if (stages.users) out.users = await usersStage(run, live, tokens);
    if (stages.boards) out.boards = await boardsStage(run, live, tokens.boardOwner);
    if (temporal) out.approvals = await approvalsStage(run, live, temporal, tokens);
    const code = await system.stop();
    log('system stopped', { log: side.log.kind, exitCode: code });
  } else {
    // The system migrates its database as it starts; what reads it later needs the tables.
    await migrate(side.databaseUrl, MIGRATIONS);
  }

  // Per-stage timings from what the system recorded.
  const readerPool = createPool(side.databaseUrl, 2);
  const reader = await openLog(side.log, {
    prefix: options.prefix,
    name: `${options.prefix}bench-reader`,
    leases: new PostgresLeases(side.databaseUrl),
  });
  try {
    out.timeline = await readTimeline(reader, readerPool, 'user');
    if (out.boards.workloads.length)
      out.projectTimeline = await readTimeline(reader, readerPool, 'project');
    if (temporal && out.approvals)
      out.leftoversTerminated = await finishApprovals(out.approvals, reader, readerPool, temporal);
  } finally {
    await reader.close();
    await readerPool.end();
  }
  joinUserStages(out.users, out.timeline);
  if (out.projectTimeline) joinBoardStages(out.boards, out.projectTimeline);
  return out;
}

export interface RebuildsOnLog {
  projects: ProjectsRebuildResult;
  rebuilds: RebuildResult[];
  plans: PlanEvidence[];
}

/**
 * Projector rebuilds on the side's log: the projects views (the board stage's channel, topped
 * up), then the users views (channels seeded for it, and the users stage's channel). With them,
 * the plans of the users stage's statements on the side's views.
 */
export async function rebuildsOnLog(
  run: RunContext,
  http: HttpOnLog,
  owner: string,
): Promise<RebuildsOnLog> {
  const rebuild = run.on('rebuild');
  const projects = rebuild
    ? await projectsRebuild(run, http.options, http.projectTimeline?.events ?? 0, owner)
    : projectsRebuildSkipped();
  const plans = await userStatementPlans(http.side.databaseUrl, http.users.examples);
  const rebuilds = rebuild
    ? await userRebuilds(run, http.side, {
        prefix: http.options.prefix,
        endPosition: http.timeline.eventChannelEnd,
      })
    : [];
  return { projects, rebuilds, plans };
}

/** The `boards` block of the report, the same on either log. */
export function boardsReport(
  run: RunContext,
  http: HttpOnLog,
  r: RebuildsOnLog,
  foldCosts: FoldCost[],
) {
  const { boards } = http;
  const { settings } = run;
  return {
    setup: boards.setup && {
      boards: boards.setup.boards.length,
      tasksPerBoard: settings.tasksPerBoard,
      hotBoards: boards.setup.hot.length,
      hotBoardTasks: settings.hotTasks,
      writes: boards.setup.writes,
      seconds: boards.setup.seconds,
    },
    mix: BOARD_MIX,
    failure: boards.failure,
    workloads: boards.workloads,
    /** CPU profiles of the system process during one extra run per shape (not counted above). */
    profiles: boards.profiles,
    foldCostUsPerEvent: foldCosts,
    rebuild: {
      seeded: r.projects.seeded,
      projectEventsFromHttpRun: http.projectTimeline?.events ?? 0,
      command: r.projects.command,
      inProcess: r.projects.inProcess,
      failure: r.projects.failure,
    },
  };
}

/** The `http` block (users) of the report, the same on either log. */
export const usersReport = (run: RunContext, http: HttpOnLog, r: RebuildsOnLog) => ({
  port: http.options.port,
  channelPrefix: http.options.prefix,
  writeWaitMs: run.config.writeWaitMs,
  failure: http.users.failure,
  workloads: http.users.workloads,
  plans: r.plans,
});
