/**
 * `npm run bench`: loopback-only, bounded benchmark of the log, the write path and the projector
 * rebuild, all measured in one run. Prints one JSON report (on fd BENCH_REPORT_FD, or stdout);
 * everything else goes to stderr. scripts/bench.sh provisions the servers and builds first.
 *
 * This file picks the stages (BENCH_STAGES) and assembles the report; each stage is a module of
 * bench/stage/, measured with the helpers in bench/.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeSync } from 'node:fs';
import { MIGRATIONS } from '../main';
import { StanEventLog } from '../platform/eventlog/stanEventLog';
import { migrate } from '../platform/postgres/migrate';
import { PostgresLeases } from '../platform/postgres/lease';
import { createPool } from '../platform/postgres/pool';
import { BOARD_MIX } from './boards';
import { readSettings } from './settings';
import { readTimeline, type Timeline } from './stages';
import { freePort, startSystem, type SystemOptions } from './system';
import { dropDatabase, log, now, round } from './util';
import { approvalsStage, finishApprovals } from './stage/approvals';
import { approvalTargets } from './stage/approvalTargets';
import { boardFoldCosts, boardsSkipped, boardsStage, joinBoardStages } from './stage/boards';
import { boardTargets } from './stage/boardTargets';
import type { LiveSystem } from './stage/context';
import { historyStage, historyTargets } from './stage/history';
import { logStage, logTargets } from './stage/log';
import { componentsStage, componentsTargets } from './stage/components';
import { layoutsStage } from './stage/layouts';
import { observabilityStage, observabilityTargets } from './stage/observability';
import {
  projectsRebuild,
  projectsRebuildSkipped,
  projectsRebuildTargets,
} from './stage/projectsRebuild';
import { rawStage } from './stage/raw';
import { rawShares, rawTargets } from './stage/rawTargets';
import { prepareRun } from './stage/setup';
import { signTokens } from './stage/tokens';
import { userRebuilds, userRebuildTargets } from './stage/userRebuilds';
import {
  joinUserStages,
  userStatementPlans,
  userTargets,
  usersSkipped,
  usersStage,
} from './stage/users';

const git = (...args: string[]): string | null => {
  try {
    return execFileSync('git', args, {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return null;
  }
};

async function main(): Promise<void> {
  const started = now();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const settings = readSettings();
  const { run, temporal, closeTemporal, mailDir, machine } = await prepareRun(runId, settings);
  const { on } = run;

  // 1. The log alone, then through the adapter.
  const logReport = on('log') ? await logStage(run) : null;

  // Raw Postgres INSERTs, before the system starts: the yardstick the write rates are shares of.
  const raw = on('raw') ? await rawStage(run) : null;

  // 2. The real system over HTTP: users, then boards, then approvals, on the same running system.
  const port = await freePort();
  const tokens = signTokens(run);
  const options: SystemOptions = {
    port,
    databaseUrl: run.benchDb,
    prefix: `bench.${runId}.sys.`,
    ...run.stan,
    probe: settings.probe,
    temporal: { namespace: temporal.namespace, taskQueue: temporal.taskQueue },
    mailDir,
  };
  let users = usersSkipped();
  let boards = boardsSkipped();
  let approvals: Awaited<ReturnType<typeof approvalsStage>> | null = null;
  // Started only for a stage that goes through it: a stage run alone (BENCH_STAGES=history, say)
  // neither waits for it nor shares the machine with it.
  if (on('users') || on('boards') || on('approvals')) {
    const system = await startSystem(options);
    const live: LiveSystem = {
      system,
      options,
      named: { [run.self]: 'benchClient', [String(system.pid)]: 'system' },
    };
    if (on('users')) users = await usersStage(run, live, tokens);
    if (on('boards')) boards = await boardsStage(run, live, tokens.boardOwner);
    if (on('approvals')) approvals = await approvalsStage(run, live, temporal, tokens);
    const code = await system.stop();
    log('system stopped', { exitCode: code });
  } else {
    // The system migrates its database as it starts; what reads it below needs the tables.
    await migrate(run.benchDb, MIGRATIONS);
  }

  // Metrics and tracing off and on: systems of its own, started one after another once the above stopped.
  const observability = on('observability')
    ? await observabilityStage(run, options, tokens.boardOwner)
    : null;

  // One category's writes by one component instance and by two, and an instance killed, per log.
  const components = on('components')
    ? await componentsStage(run, options, ['stan', 'jetstream'], settings.componentCommands)
    : null;

  // `npm start`'s layouts (DEVPIE_PROCESSES) against each other: systems of their own too.
  const layouts = on('layouts') ? await layoutsStage(run, options, tokens.boardOwner) : null;

  // Per-stage timings from what the system recorded.
  const readerPool = createPool(run.benchDb, 2);
  const reader = await StanEventLog.connect({
    url: run.stan.stanUrl,
    clusterId: run.stan.clusterId,
    clientId: `${options.prefix}bench-reader`,
    prefix: options.prefix,
    leases: new PostgresLeases(run.benchDb),
  });
  const timeline = await readTimeline(reader, readerPool, 'user');
  let projectTimeline: Timeline | null = null;
  if (boards.workloads.length) projectTimeline = await readTimeline(reader, readerPool, 'project');
  const leftoversTerminated = approvals
    ? await finishApprovals(approvals, reader, readerPool, temporal)
    : null;
  await closeTemporal();
  await reader.close();
  await readerPool.end();
  joinUserStages(users, timeline);
  if (projectTimeline) joinBoardStages(boards, projectTimeline);

  // 3. Projector rebuilds: the projects views (the board stage's channel, topped up), then the
  // users views (channels seeded for it, and the users stage's channel).
  const foldCosts = on('boards') ? boardFoldCosts() : [];
  const projects = on('rebuild')
    ? await projectsRebuild(run, options, projectTimeline?.events ?? 0, tokens.boardOwner.sub)
    : projectsRebuildSkipped();
  const plans = await userStatementPlans(run.benchDb, users.examples);
  const rebuilds = on('rebuild')
    ? await userRebuilds(run, { prefix: options.prefix, endPosition: timeline.eventChannelEnd })
    : [];

  // 4. The projects roles restarted on a long history (last: it is the longest, and alone).
  const history = on('history') ? await historyStage(run) : null;

  const targets = [
    ...(on('users') ? userTargets(users) : []),
    ...(logReport ? logTargets(logReport) : []),
    ...userRebuildTargets(rebuilds),
    ...(on('boards') ? boardTargets(boards) : []),
    ...(raw || on('boards') ? rawTargets(raw, boards, on('boards')) : []),
    ...(on('rebuild') ? projectsRebuildTargets(projects, foldCosts) : []),
    ...(approvals ? approvalTargets(approvals.approvals, approvals.bare, approvals.failure) : []),
    ...(history ? historyTargets(history) : []),
    ...(observability ? observabilityTargets(observability) : []),
    ...(components ? componentsTargets(components) : []),
  ];
  const report = {
    bench: 'devpie-client-backend',
    runId,
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedChanges: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    at: new Date().toISOString(),
    totalSeconds: 0,
    machine,
    settings: { ...settings, spreadCap: settings.spreadCap },
    quietWaitsMs: run.quiet.waits,
    log: logReport,
    raw,
    /** Every write rate of the run as a share of raw INSERTs at the same concurrency. */
    shareOfRaw: raw
      ? rawShares(raw, { users, boards, log: logReport, approvals: approvals?.approvals ?? null })
      : [],
    http: {
      port,
      channelPrefix: options.prefix,
      writeWaitMs: run.config.writeWaitMs,
      failure: users.failure,
      workloads: users.workloads,
      plans,
    },
    rebuild: rebuilds,
    boards: {
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
        seeded: projects.seeded,
        projectEventsFromHttpRun: projectTimeline?.events ?? 0,
        command: projects.command,
        inProcess: projects.inProcess,
        failure: projects.failure,
      },
    },
    approvals: approvals
      ? {
          namespace: temporal.namespace,
          taskQueue: temporal.taskQueue,
          pollIntervalMs: settings.approvalPollMs,
          failure: approvals.failure,
          setup: approvals.approvals?.setup ?? null,
          send: approvals.approvals?.send ?? [],
          latency: approvals.approvals?.latency ?? [],
          throughput: approvals.approvals?.throughput ?? null,
          sendThenApprove: approvals.approvals?.sendThenApprove ?? null,
          bareTemporal: approvals.bare,
          leftoverWorkflowsTerminated: leftoversTerminated,
        }
      : null,
    history: history && { events: settings.historyEvents, ...history },
    observability,
    layouts,
    components,
    targets,
  };
  if (process.env.BENCH_KEEP_DB !== '1') {
    await dropDatabase(run.baseDb, settings.database);
    if (observability) await dropDatabase(run.baseDb, `${settings.database}_obs`);
    if (layouts) await dropDatabase(run.baseDb, `${settings.database}_layouts`);
  }
  rmSync(mailDir, { recursive: true, force: true });
  report.totalSeconds = round((now() - started) / 1000, 1);
  const fd = Number(process.env.BENCH_REPORT_FD ?? 1);
  writeSync(fd, `${JSON.stringify(report, null, 2)}\n`);
  log('done', {
    seconds: report.totalSeconds,
    missed: targets.filter((t) => !t.met).map((t) => t.name),
  });
  // A report with void HTTP figures is still printed, but the run did not succeed.
  if (
    users.failure ||
    raw?.failure ||
    boards.failure ||
    projects.failure ||
    approvals?.failure ||
    approvals?.bare?.failure ||
    history?.failure ||
    observability?.failure ||
    layouts?.failure ||
    components?.failure
  )
    process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: unknown) => {
    const why = err instanceof Error ? (err.stack ?? err.message) : String(err);
    process.stderr.write(`[bench] failed: ${why}\n`);
    process.exit(1);
  },
);
