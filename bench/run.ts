/**
 * `npm run bench`: loopback-only, bounded benchmark of the log, the write path and the projector
 * rebuild, all measured in one run. Prints one JSON report (on fd BENCH_REPORT_FD, or stdout);
 * everything else goes to stderr. scripts/bench.sh provisions the servers and builds first.
 *
 * This file picks the stages (BENCH_STAGES) and the logs the users, boards and rebuild stages run
 * on (BENCH_LOGS), and assembles the report; each stage is a module of bench/stage/, measured
 * with the helpers in bench/.
 */
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { rmSync, writeSync } from 'node:fs';
import type { EventLogKind } from '../platform/config';
import { compareLogs, type LogFigures } from './logComparison';
import { dropStreams } from './logs';
import { readSettings } from './settings';
import { dropDatabase, freshDatabase, log, now, round } from './util';
import { approvalTargets } from './stage/approvalTargets';
import { boardFoldCosts } from './stage/boards';
import { boardTargets } from './stage/boardTargets';
import type { LogSide } from './stage/context';
import { historyStage, historyTargets } from './stage/history';
import { logStage, logTargets } from './stage/log';
import { componentsStage, componentsTargets } from './stage/components';
import { layoutsStage } from './stage/layouts';
import { observabilityStage, observabilityTargets } from './stage/observability';
import {
  boardsReport,
  httpOnLog,
  rebuildsOnLog,
  usersReport,
  type HttpOnLog,
  type RebuildsOnLog,
  type SystemBase,
} from './stage/onLog';
import { projectsRebuildSkipped, projectsRebuildTargets } from './stage/projectsRebuild';
import { rawStage } from './stage/raw';
import { rawShares, rawTargets } from './stage/rawTargets';
import { prepareRun } from './stage/setup';
import { signTokens } from './stage/tokens';
import { userRebuildTargets } from './stage/userRebuilds';
import { userTargets } from './stage/users';

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
  const keep = process.env.BENCH_KEEP_DB === '1';

  // Each log's side of the HTTP and rebuild stages: NATS Streaming keeps the prefixes and the
  // database it had before BENCH_LOGS; JetStream's channels and views are its own.
  const sides: Record<EventLogKind, LogSide> = {
    stan: {
      log: run.logs.stan,
      prefix: `bench.${runId}.`,
      database: settings.database,
      databaseUrl: run.benchDb,
    },
    jetstream: {
      log: run.logs.jetstream,
      prefix: `bench.${runId}.js.`,
      database: `${settings.database}_js`,
      databaseUrl: '',
    },
  };
  const onStan = settings.logs.includes('stan');
  const onJetStream = settings.logs.includes('jetstream');
  if (onJetStream)
    sides.jetstream.databaseUrl = await freshDatabase(run.baseDb, sides.jetstream.database);

  // 1. The log alone, then through the adapter.
  const logReport = on('log') ? await logStage(run) : null;

  // Raw Postgres INSERTs, before the system starts: the yardstick the write rates are shares of.
  const raw = on('raw') ? await rawStage(run) : null;

  // 2. The real system over HTTP on each log in turn, a system of its own on each: users, then
  // boards, then (on NATS Streaming only) approvals. NATS Streaming's side always comes: it reads
  // its (maybe empty) channels, as the run did before BENCH_LOGS, and runs the approvals.
  const tokens = signTokens(run);
  const base: SystemBase = {
    probe: settings.probe,
    temporal: { namespace: temporal.namespace, taskQueue: temporal.taskQueue },
    mailDir,
  };
  const http = {} as Record<EventLogKind, HttpOnLog>;
  const rebuilt: Record<EventLogKind, RebuildsOnLog> = {
    stan: { projects: projectsRebuildSkipped(), rebuilds: [], plans: [] },
    jetstream: { projects: projectsRebuildSkipped(), rebuilds: [], plans: [] },
  };
  let observability: Awaited<ReturnType<typeof observabilityStage>> | null = null;
  let layouts: Awaited<ReturnType<typeof layoutsStage>> | null = null;
  let components: Awaited<ReturnType<typeof componentsStage>> | null = null;
  let history: Awaited<ReturnType<typeof historyStage>> | null = null;
  let foldCosts: ReturnType<typeof boardFoldCosts> = [];
  try {
    for (const kind of onStan ? settings.logs : [...settings.logs, 'stan' as const]) {
      const measuredHere = settings.logs.includes(kind);
      http[kind] = await httpOnLog(run, sides[kind], base, tokens, {
        users: measuredHere && on('users'),
        boards: measuredHere && on('boards'),
        approvals: kind === 'stan' && on('approvals') ? temporal : null,
      });
    }
    await closeTemporal();

    // Metrics and tracing off and on: systems of their own (on NATS Streaming), one after another.
    const { options } = http.stan;
    observability = on('observability')
      ? await observabilityStage(run, options, tokens.boardOwner)
      : null;

    // `npm start`'s layouts (DEVPIE_PROCESSES) against each other: systems of their own too.
    layouts = on('layouts') ? await layoutsStage(run, options, tokens.boardOwner) : null;

    // One category's writes by one component instance and by two, and an instance killed, per log.
    components = on('components')
      ? await componentsStage(run, options, settings.logs, settings.componentCommands)
      : null;

    // 3. Projector rebuilds on each log: the projects views (the board stage's channel, topped
    // up), then the users views (channels seeded for it, and the users stage's channel).
    foldCosts = on('boards') ? boardFoldCosts() : [];
    for (const kind of settings.logs)
      rebuilt[kind] = await rebuildsOnLog(run, http[kind], tokens.boardOwner.sub);

    // 4. The projects roles restarted on a long history (last: it is the longest, and alone).
    history = on('history') ? await historyStage(run) : null;
  } finally {
    // The JetStream server outlives the run (the machine's, or the dev stack's): the run's
    // channels there go with it, even when a stage threw.
    if (onJetStream && !keep) {
      const streams = await dropStreams(sides.jetstream.log, sides.jetstream.prefix);
      log('run streams deleted from JetStream', { prefix: sides.jetstream.prefix, streams });
    }
  }

  const stan = http.stan;
  const { users, boards, approvals } = stan;
  const projects = rebuilt.stan.projects;
  const rebuilds = rebuilt.stan.rebuilds;
  const targets = [
    ...(onStan && on('users') ? userTargets(users) : []),
    ...(logReport ? logTargets(logReport) : []),
    ...userRebuildTargets(rebuilds),
    ...(onStan && on('boards') ? boardTargets(boards) : []),
    ...(raw || (onStan && on('boards')) ? rawTargets(raw, boards, onStan && on('boards')) : []),
    ...(onStan && on('rebuild') ? projectsRebuildTargets(projects, foldCosts) : []),
    ...(approvals ? approvalTargets(approvals.approvals, approvals.bare, approvals.failure) : []),
    ...(history ? historyTargets(history) : []),
    ...(observability ? observabilityTargets(observability) : []),
    ...(components ? componentsTargets(components) : []),
  ];

  // JetStream's side: the same blocks as NATS Streaming's below, and the same targets.
  const js = onJetStream ? http.jetstream : null;
  const jsRebuilt = rebuilt.jetstream;
  const jetstream = js && {
    natsUrl: run.logs.jetstream.nats.url,
    componentWriters: 'shared',
    database: sides.jetstream.database,
    http: usersReport(run, js, jsRebuilt),
    rebuild: jsRebuilt.rebuilds,
    boards: boardsReport(run, js, jsRebuilt, foldCosts),
    shareOfRaw: raw ? rawShares(raw, { ...js, log: null, approvals: null }) : [],
    targets: [
      ...(on('users') ? userTargets(js.users) : []),
      ...userRebuildTargets(jsRebuilt.rebuilds),
      ...(on('boards') ? boardTargets(js.boards) : []),
      ...(on('rebuild') ? projectsRebuildTargets(jsRebuilt.projects, foldCosts) : []),
    ],
  };
  const figures = (h: HttpOnLog, r: RebuildsOnLog): LogFigures => ({
    users: h.users,
    boards: h.boards,
    rebuilds: r.rebuilds,
    projects: r.projects,
  });
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
    /** NATS Streaming's side (BENCH_LOGS); JetStream's is in `jetstream`, the two side by side in `logComparison`. */
    http: usersReport(run, stan, rebuilt.stan),
    rebuild: rebuilds,
    boards: boardsReport(run, stan, rebuilt.stan, foldCosts),
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
          leftoverWorkflowsTerminated: stan.leftoversTerminated,
        }
      : null,
    history: history && { events: settings.historyEvents, ...history },
    observability,
    layouts,
    components,
    /** The users, boards and rebuild stages on JetStream (lease-free components); null when BENCH_LOGS leaves it out. */
    jetstream,
    /** Each workload and rebuild on both logs side by side; null unless both ran. */
    logComparison: compareLogs(
      onStan ? figures(stan, rebuilt.stan) : null,
      js && figures(js, jsRebuilt),
    ),
    targets,
  };
  if (!keep) {
    await dropDatabase(run.baseDb, settings.database);
    if (onJetStream) await dropDatabase(run.baseDb, sides.jetstream.database);
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
    ...(jetstream
      ? { missedOnJetStream: jetstream.targets.filter((t) => !t.met).map((t) => t.name) }
      : {}),
  });
  // A report with void HTTP figures is still printed, but the run did not succeed.
  const failed = (h: HttpOnLog | null, r: RebuildsOnLog) =>
    !!(h?.users.failure || h?.boards.failure || r.projects.failure);
  if (
    failed(stan, rebuilt.stan) ||
    failed(js, jsRebuilt) ||
    raw?.failure ||
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
