/**
 * `npm run bench`: loopback-only, bounded benchmark of the log, the write path and the projector
 * rebuild, all measured in one run. Prints one JSON report (on fd BENCH_REPORT_FD, or stdout);
 * everything else goes to stderr. scripts/bench.sh provisions the servers and builds first.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { devIssuer } from '../platform/auth/devIssuer';
import { loadConfig } from '../platform/config';
import { StanEventLog } from '../platform/eventlog/stanEventLog';
import { PostgresLeases } from '../platform/postgres/lease';
import { createPool } from '../platform/postgres/pool';
import { coresUsed, cpuSnapshot } from './cpu';
import { BOARD_MIX, runBoardWorkload, setupBoards, type BoardRecord, type BoardSetup, type BoardWorkloadResult, type WriteKind } from './boards';
import { runWorkload, type Call, type RequestRecord, type WorkloadResult } from './http';
import type { ProbeStats, ProfileSummary } from './probe';
import { logThroughput, seedChannel, type LogStageResult } from './logThroughput';
import { explain, type PlanEvidence } from './plans';
import { foldCost, type FoldCost } from './foldCost';
import { seedProjectEvents, type SeedResult } from './projectSeed';
import { rebuild, type RebuildResult } from './rebuild';
import { breakdown, readTimeline, type StageBreakdown, type Timeline } from './stages';
import { freePort, runRebuildCommand, startSystem, type RebuildCommandResult } from './system';
import { projectsProjection } from '../projectors/projects';
import { dropDatabase, freshDatabase, log, now, round, sleep } from './util';
import { analyseApprovals, runApprovals, type ApprovalsResult, type ApprovalStages, type Measure, type SendStages } from './approvals';
import { bareTemporal, pickNamespace, temporalClient, terminateLeftovers, type BareTemporalReport } from './temporal';

const int = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v ? Number(v) : fallback;
};

const settings = {
  messages: int('BENCH_MESSAGES', 20_000),
  logRounds: int('BENCH_LOG_ROUNDS', 3),
  window: int('BENCH_WINDOW', 256),
  durationMs: int('BENCH_DURATION_MS', 4_000),
  clients: (process.env.BENCH_CLIENTS ?? '1,8,32').split(',').map(Number),
  /** Each spread request is a new user with its own signed token, so the cap bounds the signing too. */
  spreadCap: { 1: 1_000, 8: 4_500, 32: 4_500 } as Record<number, number>,
  hotCap: 6_000,
  warmupRequests: 300,
  database: 'devpie_bench',
  rebuildDatabase: 'devpie_bench_rebuild',
  rebuildEvents: int('BENCH_REBUILD_EVENTS', 30_000),
  probe: process.env.BENCH_PROBE !== '0',
  /** After the board workloads, one more short run of each shape at the most clients, under a CPU profile. */
  profile: process.env.BENCH_PROBE !== '0' && process.env.BENCH_PROFILE !== '0',
  profileMs: 2_000,
  /** Boards (projects): how many small boards, tasks on each, tasks on the hot board. */
  boards: int('BENCH_BOARDS', 50),
  tasksPerBoard: 4,
  hotTasks: int('BENCH_HOT_TASKS', 150),
  boardClients: (process.env.BENCH_BOARD_CLIENTS ?? process.env.BENCH_CLIENTS ?? '1,8,32').split(',').map(Number),
  /** Writes per board workload at most (each also stops after BENCH_DURATION_MS). */
  boardCap: 8_000,
  boardWarmupWrites: 400,
  boardMix: BOARD_MIX,
  /** The projects rebuild replays the run's project channel, topped up to this many events. */
  projectRebuildEvents: int('BENCH_PROJECT_REBUILD_EVENTS', 25_000),
  /** Which stages run (all by default): log, users, boards, approvals, rebuild. */
  stages: (process.env.BENCH_STAGES ?? 'log,users,boards,approvals,rebuild').split(',').map((x) => x.trim()),
  /** Approvals: callers in the latency workloads, and how many approvals each caller makes there. */
  approvalClients: (process.env.BENCH_APPROVAL_CLIENTS ?? '1,8').split(',').map(Number),
  approvalsPerCaller: (clients: number) => (clients === 1 ? 30 : Math.max(4, Math.ceil(120 / clients))),
  /** Approvals: the throughput run (send + approve per flow, closed loop), bounded by time and flows. */
  approvalThroughputClients: int('BENCH_APPROVAL_THROUGHPUT_CLIENTS', 32),
  approvalThroughputMs: int('BENCH_APPROVAL_THROUGHPUT_MS', 14_000),
  approvalThroughputCap: 400,
  /** A client approves an estimate once it has been sent this long; rates count after the ramp. */
  approvalApproveAfterMs: 500,
  approvalRampMs: 4_000,
  /** Flows that approve the moment the send is answered (how long the workflow still refuses). */
  approvalRaceSample: 15,
  /** How often the client looks for the invoice after the approve answer. */
  approvalPollMs: 5,
  /** Each bare Temporal measurement (the bench's own workflows on its own task queue) runs this long. */
  bareTemporalMs: int('BENCH_BARE_TEMPORAL_MS', 3_000),
  /** The Temporal namespace of the run's workflows: the first of these the server has. */
  temporalNamespaces: (process.env.BENCH_TEMPORAL_NAMESPACE ?? 'devpie-test,devpie').split(','),
};
const on = (stage: string): boolean => settings.stages.includes(stage);

const TARGETS = {
  spreadWritesPerSec: 1300,
  hotWritesPerSec: 500,
  hotConflictRate: 0.01,
  p99At8ClientsMs: 25,
  adapterRatio: 0.7,
  rebuildEventsPerSec: 20_000,
  boardSpreadWritesPerSec: 1300,
  boardHotWritesPerSec: 500,
  boardNotStaleConflictRate: 0.01,
  boardP99At8ClientsMs: 25,
  projectsRebuildEventsPerSec: 20_000,
  /** Approve request → approved estimate and its invoice visible to the client, p50. */
  approvalToInvoiceP50Ms: 300,
  /** Complete approval workflows (approved, invoice's payment workflow started) per second. */
  approvalWorkflowsPerSec: 20,
};

interface Measured {
  shape: string;
  clients: number;
  seconds: number;
  stages: StageBreakdown;
  cpuCores: Record<string, number>;
  disturbed: boolean;
  inside: Omit<ProbeStats, 'examples'> | null;
}

interface BoardReport extends BoardWorkloadResult {
  stages: StageBreakdown;
  /** The same stages for each kind of write. */
  stagesByKind: Record<WriteKind, StageBreakdown>;
  cpuCores: Record<string, number>;
  /** CPU milliseconds per answered write (reads before moves included), by process group. */
  cpuMsPerWrite: Record<string, number>;
  disturbed: boolean;
  inside: Omit<ProbeStats, 'examples'> | null;
}

interface WorkloadReport extends WorkloadResult {
  stages: StageBreakdown;
  cpuCores: Record<string, number>;
  /** Other processes used >= 0.3 cores while this ran: its figures are pessimistic. */
  disturbed: boolean;
  /** Timings taken inside the system under test by bench/probe.ts (examples left out). */
  inside: Omit<ProbeStats, 'examples'> | null;
}

type Stage = keyof Pick<StageBreakdown, 'httpToCommandMs' | 'commandToDecisionMs' | 'decisionToProjectorTxMs' | 'projectorTxToAnswerMs'>;
const STAGES: Record<Stage, string> = {
  httpToCommandMs: 'app before publishing (HTTP, JWT, validation, pre-read)',
  commandToDecisionMs: 'command publish → component decision (STAN delivery, queueing in the component)',
  decisionToProjectorTxMs: 'decision → projector transaction start (append, delivery, waiting for the previous batch)',
  projectorTxToAnswerMs: 'projector transaction → answer (commit, NOTIFY, outcome + view reads, response)',
};

/**
 * Another process busy on the same cores (a test suite, a build) skews every figure here. Before
 * each measurement, wait (within one budget for the whole run) until the rest of the machine is
 * near idle; the report says how long we waited and how busy the rest was while measuring.
 */
let quietBudgetMs = Number(process.env.BENCH_QUIET_WAIT_MS ?? 60_000);
const quietWaits: Record<string, number> = {};
const foreign = (c: Record<string, number>) => round((c.other ?? 0) + (c.unattributed ?? 0), 2);
async function waitForQuiet(named: Record<string, string>, label: string): Promise<void> {
  const t = now();
  for (let said = false; ; said = true) {
    const a = cpuSnapshot(named);
    await sleep(500);
    const busy = foreign(coresUsed(a, cpuSnapshot(named)));
    const waited = now() - t;
    if (busy < 0.3 || waited > quietBudgetMs) {
      quietBudgetMs = Math.max(0, quietBudgetMs - waited);
      if (waited > 1000) quietWaits[label] = Math.round(waited);
      if (busy >= 0.3) log('machine still busy; measuring anyway', { label, otherCores: busy });
      return;
    }
    if (!said) log('other processes are busy on this machine; waiting', { label, otherCores: busy });
  }
}

/** The app's own reads of the views, as the probe names them: identity reads users; boards read projects, columns, tasks. */
const appReads = (i: NonNullable<Measured['inside']>, context: 'identity' | 'boards'): string =>
  context === 'identity'
    ? `app view reads p50 ${i.timings['pg SELECT users']?.p50 ?? '?'} ms`
    : 'app reads ' +
      Object.entries(i.timings)
        .filter(([k]) => /^pg SELECT .*(projects|columns|tasks|command_outcomes)/.test(k))
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .map(([k, v]) => `${k.slice(10)} ${v.n}x p50 ${v.p50} ms`)
        .join(', ');

function whereTimeGoes(w: Measured, context: 'identity' | 'boards' = 'identity'): string {
  const parts = (Object.keys(STAGES) as Stage[]).map((k) => ({ k, mean: w.stages[k].mean ?? 0 }));
  const total = parts.reduce((n, p) => n + p.mean, 0) || 1;
  const top = [...parts].sort((a, b) => b.mean - a.mean)[0]!;
  const cpu = Object.entries(w.cpuCores)
    .filter(([k]) => k !== 'machineTotal')
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  let text =
    `${w.shape}/${w.clients} clients: mean per stage ${parts.map((p) => `${p.k.replace(/Ms$/, '')} ${round(p.mean, 1)} ms`).join(', ')}; ` +
    `largest: ${STAGES[top.k]} (${Math.round((top.mean / total) * 100)}% of the request). ` +
    `CPU cores busy: ${w.cpuCores.machineTotal} of ${availableParallelism()} (${cpu})${w.disturbed ? ' — other processes were busy, figures are pessimistic' : ''}.`;
  const i = w.inside;
  if (i) {
    const tx = i.timings['projector transaction (BEGIN..COMMIT)'];
    const t = (k: string) => i.timings[k];
    if (tx) {
      const busy = tx.totalMs / (w.seconds * 1000);
      const statements = Object.entries(i.timings)
        .filter(([k]) => k.startsWith('pg ') && !/SELECT|pool wait|LISTEN|lease/.test(k))
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .slice(0, 3)
        .map(([k, v]) => `${k.slice(3)} ${v.n}x mean ${v.mean} ms`)
        .join(', ');
      text +=
        ` Inside the system: the projector (one transaction at a time) spent ${Math.round(busy * 100)}% of the run in ${tx.n} transactions` +
        ` (p50 ${tx.p50} ms, ${w.stages.outcomesPerTransaction} outcomes each; top statements ${statements});`;
    }
    text +=
      ` STAN publish→ack p50 command ${t('stan publish→ack command')?.p50 ?? '?'} / event ${t('stan publish→ack event')?.p50 ?? '?'} ms;` +
      ` ${appReads(i, context)}; pool wait p99 app ${t('pg pool wait (pool.query)')?.p99 ?? '?'} / projector ${t('pg pool wait (transaction)')?.p99 ?? '?'} ms;` +
      ` event-loop delay p99 ${i.eventLoopDelayMs.p99} ms; system process ${i.cpuCores} cores.`;
  }
  return text;
}

type Target = { name: string; target: string; measured: string; met: boolean; whereTimeGoes?: string };

const ms = (x: number | null | undefined): string => (x === null || x === undefined ? '?' : `${round(x, 0)}`);
const cores = (c: Record<string, number>): string =>
  Object.entries(c)
    .filter(([k, v]) => k !== 'machineTotal' && v >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') + ` (machine ${c.machineTotal} of ${availableParallelism()})`;
const insideTiming = (inside: Record<string, unknown> | null, key: string): string => {
  const t = (inside?.timings as Record<string, { n: number; p50: number | null; p99: number | null }> | undefined)?.[key];
  return t ? `p50 ${ms(t.p50)} / p99 ${ms(t.p99)} ms (${t.n}x)` : 'not seen';
};

/** The approve path and the invoice after it, mean ms per stage, as one sentence. */
function approvalPath(st: ApprovalStages): string {
  const m = (x: { mean: number | null }) => ms(x.mean);
  return (
    `app before publishing ${m(st.appBeforePublishMs)}; process command → the workflow task that ran the Update started ${m(st.publishToTaskStartedMs)} ` +
    `(STAN to the dispatcher, its duplicate check, the Update, the task handed to the worker; of that the task waited for the worker ${m(st.taskWaitMs)}); ` +
    `task started → RecordEstimateApproved built ${m(st.taskStartedToCommandMs)} (the worker: the handler and the workflow code until the step \`approveAndInvoice\` was scheduled ${m(st.taskStartedToRecordScheduledMs)}, then the local activity); ` +
    `→ component decided ${m(st.commandToDecisionMs)}; → projector transaction ${m(st.decisionToProjectorTxMs)}; → approve answered ${m(st.projectorTxToAnswerMs)}. ` +
    `Then, in the same step: outcome → IssueInvoice built ${m(st.outcomeToIssueCommandMs)} (the outcome wait woke, the estimate read, the payment workflow's eager start); ` +
    `→ decided ${m(st.invoiceCommandToDecisionMs)}; → payments projector transaction ${m(st.invoiceDecisionToProjectorTxMs)}` +
    (st.invoiceProjectorTxToSeenMs.n
      ? `; → seen by the client's poll ${m(st.invoiceProjectorTxToSeenMs)}. Of the approve → invoice-visible path, Temporal (process command → the Update's task started; the payment workflow's start inside the step is not told apart) is ${m(st.temporalMs)} ms, everything else ${m(st.restMs)} ms; `
      : '. ') +
    `Update accepted (the task completed) at ${m(st.toUpdateAcceptedMs)}, approval workflow completed at ${m(st.toWorkflowCompletedMs)} ms after the request (${st.joined} approvals joined).`
  );
}

function sendPath(st: SendStages): string {
  const m = (x: { mean: number | null }) => ms(x.mean);
  return (
    `app before publishing ${m(st.appBeforePublishMs)}; process command → workflow started ${m(st.publishToWorkflowStartedMs)} (STAN to the dispatcher, estimate read, startWorkflowExecution); ` +
    `→ first workflow task started ${m(st.workflowStartedToTaskStartedMs)} (waiting for the worker ${m(st.firstTaskWaitMs)}); ` +
    `→ RecordEstimateSent built ${m(st.taskStartedToCommandMs)} (the worker starting the workflow until the step \`recordThenNotify\` was scheduled ${m(st.taskStartedToRecordScheduledMs)}, then the local activity); ` +
    `→ decided ${m(st.commandToDecisionMs)}; → projector transaction ${m(st.decisionToProjectorTxMs)}; → answered ${m(st.projectorTxToAnswerMs)} (${st.joined} sends joined)`
  );
}

function bareLine(b: BareTemporalReport | null): string {
  if (!b) return 'Temporal alone: not measured.';
  const f = (xs: Array<{ clients: number; perSec: number; latencyMs: { p50: number | null; p99: number | null } }>) =>
    xs.map((x) => `${x.clients} caller${x.clients > 1 ? 's' : ''} ${x.perSec}/s, p50 ${ms(x.latencyMs.p50)} / p99 ${ms(x.latencyMs.p99)} ms`).join('; ');
  return (
    `Temporal alone on the same dev server (the bench's workflows, its own worker and task queue): an empty workflow start→complete ${f(b.startToComplete)}; ` +
    `an Update round trip to a running workflow ${f(b.updateRoundTrip)}; the approval's steps with no-op activities (start, 2 activities, Update, 2 activities, child) ${f(b.approvalShape)}; ` +
    `the same with local activities ${f(b.approvalShapeLocal)}. ` +
    `CPU per flow at the most callers (ms, by process; the bench process is the worker there): ` +
    (['approvalShape', 'approvalShapeLocal'] as const)
      .map((k) => {
        const x = b[k].at(-1);
        return x?.cpuMsPerFlow ? `${k} ${Object.entries(x.cpuMsPerFlow).filter(([g]) => ['temporalServer', 'benchClient', 'machineTotal'].includes(g)).map(([g, v]) => `${g} ${v}`).join(', ')}` : '';
      })
      .filter(Boolean)
      .join('; ') +
    '.'
  );
}

function approvalTargets(
  a: ApprovalsResult | null,
  bare: BareTemporalReport | null,
  failure: { during: string; message: string } | null,
): Target[] {
  const notMeasured = `not measured: ${failure ? `${failure.message} (during ${failure.during})` : 'the approvals stage did not run'}`;
  const out: Target[] = [];
  const note = (w: { disturbed: boolean }) => (w.disturbed ? ', disturbed' : '');
  const lat = (a?.latency ?? []).filter((w) => w.approvals > 0);
  const latMet = lat.length > 0 && lat.every((w) => w.invoicesSeen === w.approvals && (w.approveToInvoiceVisibleMs.p50 ?? Infinity) < TARGETS.approvalToInvoiceP50Ms);
  out.push({
    name: 'approve → approved estimate and invoice visible, p50',
    target: `< ${TARGETS.approvalToInvoiceP50Ms} ms`,
    measured: lat.length
      ? lat
          .map(
            (w) =>
              `${w.clients} client${w.clients > 1 ? 's' : ''}: p50 ${ms(w.approveToInvoiceVisibleMs.p50)} ms, p99 ${ms(w.approveToInvoiceVisibleMs.p99)} ms ` +
              `(approve answered p50 ${ms(w.approveMs.p50)} / p99 ${ms(w.approveMs.p99)} ms; ${w.invoicesSeen} of ${w.approvals} invoices seen${note(w)})`,
          )
          .join('; ')
      : notMeasured,
    met: latMet,
    ...(lat.length
      ? {
          whereTimeGoes:
            lat.map((w) => `${w.clients} client${w.clients > 1 ? 's' : ''}, mean ms: ${w.stages ? approvalPath(w.stages) : 'stages not joined'}`).join(' ') +
            ` Inside the system at ${lat.at(-1)!.clients} clients: the dispatcher's updateWorkflowExecution ${insideTiming(lat.at(-1)!.inside, 'temporal updateWorkflowExecution')}; ` +
            `STAN stored→delivered process ${insideTiming(lat.at(-1)!.inside, 'stan stored→delivered process')}; CPU cores ${cores(lat.at(-1)!.cpuCores)}. ` +
            bareLine(bare),
        }
      : {}),
  });
  const tp = a?.throughput && a.throughput.completed > 0 ? a.throughput : null;
  out.push({
    name: 'complete approval workflows/s (send + approve → approved, invoice workflow started)',
    target: `>= ${TARGETS.approvalWorkflowsPerSec}`,
    measured: tp
      ? `${tp.completedPerSec} (${tp.clients} callers, each sending an estimate, approving it ${tp.approveAfterMs} ms after the send's answer, and again; rate over the last ${tp.steadySeconds} s of ${tp.seconds} s; ` +
        `${tp.completed} of ${tp.flows} flows completed; sends ${tp.sendsPerSec}/s, approvals answered ${tp.answeredPerSec}/s; ` +
        `send p50 ${ms(tp.sendMs.p50)} / p99 ${ms(tp.sendMs.p99)} ms, approve p50 ${ms(tp.approveMs.p50)} / p99 ${ms(tp.approveMs.p99)} ms${note(tp)}); ` +
        `bare Temporal: empty workflow ${bare?.startToComplete.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'}; approval shape ${bare?.approvalShape.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'} callers; ` +
        `with local activities ${bare?.approvalShapeLocal.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'}`
      : notMeasured,
    met: !!tp && tp.completedPerSec >= TARGETS.approvalWorkflowsPerSec,
    ...(tp
      ? {
          whereTimeGoes:
            `CPU cores while it ran: ${cores(tp.cpuCores)}; CPU ms per completed flow: ${Object.entries(tp.cpuMsPerFlow).filter(([, v]) => v >= 1).sort((x, y) => y[1] - x[1]).map(([g, v]) => `${g} ${v}`).join(', ')}. Inside the system: startWorkflowExecution ${insideTiming(tp.inside, 'temporal startWorkflowExecution')}, ` +
            `updateWorkflowExecution ${insideTiming(tp.inside, 'temporal updateWorkflowExecution')}, STAN stored→delivered process ${insideTiming(tp.inside, 'stan stored→delivered process')}, ` +
            `projector transactions ${insideTiming(tp.inside, 'projector transaction (BEGIN..COMMIT)')}, event-loop delay p99 ${ms((tp.inside?.eventLoopDelayMs as { p99?: number } | undefined)?.p99)} ms. ` +
            `Sampled flows, mean ms: send path: ${tp.stages.send ? sendPath(tp.stages.send) : 'not joined'}. Approve path: ${tp.stages.approve ? approvalPath(tp.stages.approve) : 'not joined'} ` +
            `Approve answered → workflow completed p50 ${ms(tp.answerToCompletedMs.p50)} ms. ` +
            (a?.sendThenApprove
              ? `Approving the moment the send is answered (${a.sendThenApprove.flows} flows, one at a time): ${a.sendThenApprove.refusedFirst} first refused 409 "the estimate is still being sent" ` +
                `although the send's answer said \`sent\`` +
                (a.sendThenApprove.refusedFirst ? `; the workflow took the approval p50 ${ms(a.sendThenApprove.sendAnswerToApprovalAcceptedMs.p50)} / max ${ms(a.sendThenApprove.sendAnswerToApprovalAcceptedMs.max)} ms after that answer. ` : '. ')
              : '') +
            bareLine(bare),
        }
      : {}),
  });
  return out;
}

async function main(): Promise<void> {
  const started = now();
  const runId = `${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const base = loadConfig();
  const stan = { stanUrl: base.stan.url, clusterId: base.stan.clusterId };
  const baseDb = base.databaseUrl;
  log('run', { runId, stan: base.stan.url, database: settings.database });

  const benchDb = await freshDatabase(baseDb, settings.database);
  const probe = createPool(benchDb, 1);
  const pg = (await probe.query<{ v: string; sc: string; fsync: string }>(
    "SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync",
  )).rows[0]!;
  await probe.end();
  // Temporal: the dev server's namespace for the run's workflows, and a task queue of the run's own
  // (the system's worker polls only it, so no other run's or app's workflows reach it, and ours reach no one else).
  const temporal = await temporalClient(base.temporal.address, 'default');
  const namespace = await pickNamespace(temporal.connection, settings.temporalNamespaces);
  const temporalInfo = await temporal.connection.workflowService.getSystemInfo({}).catch(() => null);
  const { client: temporalForRun } = await temporalClient(base.temporal.address, namespace);
  const taskQueue = `bench-${runId}`;
  const mailDir = mkdtempSync(join(tmpdir(), `devpie-bench-mail-${runId}-`));
  const machine = {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAvgAtStart: loadavg().map((l) => round(l, 2)),
    postgres: { version: pg.v, synchronousCommit: pg.sc, fsync: pg.fsync },
    natsStreaming: {
      url: base.stan.url,
      clusterId: base.stan.clusterId,
      server: process.env.BENCH_STAN_DEDICATED === '1' ? 'throwaway, same binary and flags as dev-stack (FILE store, file_sync on, unlimited channels)' : 'existing',
    },
    temporal: { address: base.temporal.address, serverVersion: temporalInfo?.serverVersion ?? null, namespace, taskQueue },
  };

  // 1. The log alone, then through the adapter.
  const self = String(process.pid);
  if (on('log')) await waitForQuiet({ [self]: 'bench' }, 'log');
  const snap = cpuSnapshot({ [self]: 'bench' });
  const logStage: LogStageResult | null = !on('log') ? null : await logThroughput({
    ...stan,
    prefix: `bench.${runId}.log.`,
    databaseUrl: benchDb,
    messages: settings.messages,
    rounds: settings.logRounds,
    warmup: 1000,
    window: settings.window,
    serialSamples: 500,
  });
  const logCpu = coresUsed(snap, cpuSnapshot({ [self]: 'bench' }));

  // 2. The real system over HTTP.
  const port = await freePort();
  const authEnv: NodeJS.ProcessEnv = { ...process.env, PORT: String(port), DEV_AUTH: 'true' };
  for (const k of ['AUTH0_DOMAIN', 'AUTH0_AUDIENCE', 'AUTH_ISSUER', 'AUTH_AUDIENCE', 'AUTH_JWKS_URI']) delete authEnv[k];
  const auth = loadConfig(authEnv).auth;
  const issuer = devIssuer(auth.devKeyFile, auth.issuer, auth.audience);
  const tSign = now();
  const subsFor = (wl: string, n: number) => Array.from({ length: n }, (_, i) => `bench|${runId}-${wl}-${i}`);
  const spreadTokens: Record<string, Array<{ sub: string; token: string }>> = {};
  for (const [wl, n] of (on('users') ? [['warmup', settings.warmupRequests], ...settings.clients.map((c) => [`spread${c}`, settings.spreadCap[c] ?? 4_500])] : []) as Array<[string, number]>) {
    spreadTokens[wl] = subsFor(wl, n).map((sub) => ({ sub, token: issuer.sign({ sub, email: `${sub.replace(/\W/g, '')}@bench.example` }) }));
  }
  const hotUsers = ['warmup', ...settings.clients.map(String)].map((k) => {
    const sub = `bench|${runId}-hot-${k}`;
    return { key: k, sub, token: issuer.sign({ sub }) };
  });
  const boardOwner = `bench|${runId}-boards`;
  const boardToken = issuer.sign({ sub: boardOwner, email: `${boardOwner.replace(/\W/g, '')}@bench.example` });
  // Approvals: the estimate owner, and one client (by email) per project.
  const party = (name: string) => {
    const sub = `bench|${runId}-${name}`;
    const email = `${sub.replace(/\W/g, '')}@bench.example`;
    return { sub, email, token: issuer.sign({ sub, email }) };
  };
  const estimateOwner = party('estimates');
  const estimateClients = Array.from({ length: 4 }, (_, k) => party(`client${k}`));
  log('tokens signed', { seconds: round((now() - tSign) / 1000, 1) });

  const sysPrefix = `bench.${runId}.sys.`;
  const systemOptions = { port, databaseUrl: benchDb, prefix: sysPrefix, ...stan, probe: settings.probe, temporal: { namespace, taskQueue }, mailDir };
  const system = await startSystem(systemOptions);
  const named = { [self]: 'benchClient', [String(system.pid)]: 'system' };
  const registration = (t: { sub: string; token: string }): Call => ({
    method: 'POST',
    path: '/api/v1/users',
    token: t.token,
    body: {
      auth0Id: t.sub,
      email: `${t.sub.replace(/\W/g, '')}@bench.example`,
      emailVerified: true,
      firstName: 'Bench',
      lastName: 'User',
      picture: 'https://example.com/avatar.png',
      locale: 'en',
    },
  });
  const patch = (token: string, i: number): Call => ({ method: 'PATCH', path: '/api/v1/users/me', token, body: { firstName: `Hot${i}` } });

  const workloads: WorkloadReport[] = [];
  let examples: ProbeStats['examples'] = {};
  let httpFailure: { during: string; message: string; systemExit: ReturnType<typeof system.exit> } | null = null;
  const recordsOf = new Map<WorkloadReport, RequestRecord[]>();
  if (on('users')) try {
    for (const h of hotUsers) {
      const { result } = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration(h));
      if (result.ok !== 1) throw new Error(`registering hot user ${h.sub} failed: ${JSON.stringify(result.statuses)}`);
    }
    const warm = spreadTokens.warmup!;
    await runWorkload(port, 'spread', 8, 10_000, warm.length, (i) => registration(warm[i]!));
    const warmHot = hotUsers[0]!;
    await runWorkload(port, 'hot', 8, 10_000, settings.warmupRequests, (i) => patch(warmHot.token, i));
    log('warmed up');

    const run = async (shape: 'spread' | 'hot', clients: number, cap: number, make: (i: number) => Call) => {
      await waitForQuiet(named, `${shape}${clients}`);
      await system.probe();
      const before = cpuSnapshot(named);
      const { result, records } = await runWorkload(port, shape, clients, settings.durationMs, cap, make);
      const cpuCores = coresUsed(before, cpuSnapshot(named));
      const probed = await system.probe();
      const inside = probed ? (({ examples: _, ...rest }) => rest)(probed) : null;
      const w = { ...result, disturbed: foreign(cpuCores) >= 0.3, stages: undefined as unknown as StageBreakdown, cpuCores, inside };
      workloads.push(w);
      recordsOf.set(w, records);
      log('workload', { shape, clients, writesPerSec: result.writesPerSec, p50: result.latencyMs.p50, p99: result.latencyMs.p99, statuses: result.statuses });
      const gone = system.exit();
      if (gone) throw new Error(`the system under test exited (code ${gone.code}, signal ${gone.signal}) during ${shape}/${clients}; nobody here asked it to`);
      if (result.errors > 0) throw new Error(`${result.errors} of ${result.requests} requests failed during ${shape}/${clients}: ${JSON.stringify(result.statuses)}`);
    };
    for (const c of settings.clients) {
      const tokens = spreadTokens[`spread${c}`]!;
      await run('spread', c, tokens.length, (i) => registration(tokens[i]!));
    }
    for (const c of settings.clients) {
      const h = hotUsers.find((u) => u.key === String(c))!;
      await run('hot', c, settings.hotCap, (i) => patch(h.token, i));
    }
    examples = (await system.probe())?.examples ?? {};
  } catch (err) {
    // Keep going: the log and rebuild figures are still worth reporting; the HTTP ones are void.
    const w = workloads.at(-1);
    httpFailure = { during: w ? `${w.shape}/${w.clients}` : 'warm-up', message: (err as Error).message, systemExit: system.exit() };
    log('HTTP stage failed', { message: httpFailure.message });
  }

  // 2b. Boards, on the same running system: setup through the API, then the workloads.
  const boardWorkloads: BoardReport[] = [];
  const boardRecordsOf = new Map<BoardReport, BoardRecord[]>();
  let boardSetup: BoardSetup | null = null;
  let boardFailure: { during: string; message: string; systemExit: ReturnType<typeof system.exit> } | null = null;
  let boardStep = 'setup';
  const boardProfiles: Array<{ shape: string; clients: number; writesPerSec: number; hotBoardTasks: BoardWorkloadResult['hotBoardTasks']; profile: ProfileSummary }> = [];
  if (on('boards')) try {
    if (system.exit()) throw new Error('the system under test is gone');
    const registered = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration({ sub: boardOwner, token: boardToken }));
    if (registered.result.ok !== 1) throw new Error(`registering the board user failed: ${JSON.stringify(registered.result.statuses)}`);
    // A hot board for each hot workload (and the profiled run), each with the same tasks to start with.
    const hotBoards = settings.boardClients.length + (settings.profile ? 1 : 0);
    boardSetup = await setupBoards(port, boardToken, { boards: settings.boards, tasksPerBoard: settings.tasksPerBoard, hotBoards, hotTasks: settings.hotTasks, concurrency: 8, tag: runId });
    log('boards set up', { boards: boardSetup.boards.length, hotBoards, hotTasks: settings.hotTasks, writes: boardSetup.writes, seconds: boardSetup.seconds });
    const hotFor = [...boardSetup.hot];
    const common = { port, token: boardToken, boards: boardSetup.boards, durationMs: settings.durationMs };
    boardStep = 'warm-up';
    await runBoardWorkload({ ...common, hot: hotFor[0]!, shape: 'spread', clients: 8, durationMs: 10_000, maxWrites: settings.boardWarmupWrites, seed: 0 });
    log('boards warmed up');
    const runBoards = async (shape: 'spread' | 'hot', clients: number, seed: number) => {
      boardStep = `${shape}/${clients}`;
      await waitForQuiet(named, `board-${shape}${clients}`);
      await system.probe();
      const before = cpuSnapshot(named);
      const hot = shape === 'hot' ? hotFor.shift()! : hotFor[0]!;
      const { result, records } = await runBoardWorkload({ ...common, hot, shape, clients, maxWrites: settings.boardCap, seed });
      const cpuCores = coresUsed(before, cpuSnapshot(named));
      const probed = await system.probe();
      const inside = probed ? (({ examples: _, ...rest }) => rest)(probed) : null;
      const none = undefined as unknown as StageBreakdown;
      const cpuMsPerWrite = Object.fromEntries(
        Object.entries(cpuCores)
          .filter(([k]) => ['machineTotal', 'system', 'postgres', 'natsStreaming', 'benchClient'].includes(k))
          .map(([k, v]) => [k, round((v * 1000) / Math.max(1, result.answeredPerSec), 2)]),
      );
      const w: BoardReport = { ...result, disturbed: foreign(cpuCores) >= 0.3, stages: none, stagesByKind: { add: none, edit: none, move: none }, cpuCores, cpuMsPerWrite, inside };
      boardWorkloads.push(w);
      boardRecordsOf.set(w, records);
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
      const gone = system.exit();
      if (gone) throw new Error(`the system under test exited (code ${gone.code}, signal ${gone.signal}) during boards ${shape}/${clients}; nobody here asked it to`);
      if (result.errors > 0) throw new Error(`${result.errors} of ${result.writes} board writes failed during ${shape}/${clients}: ${JSON.stringify(result.statuses)}`);
    };
    let seed = 1;
    for (const c of settings.boardClients) await runBoards('spread', c, seed++);
    for (const c of settings.boardClients) await runBoards('hot', c, seed++);
    if (settings.profile) {
      // Not counted: the profiler slows the process it samples.
      const clients = Math.max(...settings.boardClients);
      for (const shape of ['spread', 'hot'] as const) {
        boardStep = `profile ${shape}/${clients}`;
        await system.profile('start');
        const { result } = await runBoardWorkload({ ...common, hot: hotFor[0]!, shape, clients, durationMs: settings.profileMs, maxWrites: settings.boardCap, seed: seed++ });
        const summary = await system.profile('stop');
        if (summary) boardProfiles.push({ shape, clients, writesPerSec: result.writesPerSec, hotBoardTasks: result.hotBoardTasks, profile: summary });
      }
    }
  } catch (err) {
    boardFailure = { during: boardStep, message: (err as Error).message, systemExit: system.exit() };
    log('board stage failed', { message: boardFailure.message });
  }

  // 2c. Estimates approved, on the same running system (its dispatcher and Temporal worker), and
  // beside it Temporal alone: the bench's own workflows on the same dev server.
  let bare: BareTemporalReport | null = null;
  let approvals: ApprovalsResult | null = null;
  let approvalFailure: { during: string; message: string; systemExit: ReturnType<typeof system.exit> } | null = null;
  let approvalStep = 'bare Temporal';
  let leftoversTerminated: number | null = null;
  const measure: Measure = async (label, body) => {
    approvalStep = label;
    await waitForQuiet(named, `approvals-${label}`);
    await system.probe();
    const before = cpuSnapshot(named);
    const value = await body();
    const cpuCores = coresUsed(before, cpuSnapshot(named));
    const probed = await system.probe();
    const gone = system.exit();
    if (gone) throw new Error(`the system under test exited (code ${gone.code}, signal ${gone.signal}) during approvals ${label}; nobody here asked it to`);
    return { value, cpuCores, disturbed: foreign(cpuCores) >= 0.3, inside: probed ? (({ examples: _, ...rest }) => rest)(probed) : null };
  };
  if (on('approvals')) {
    try {
      if (system.exit()) throw new Error('the system under test is gone');
      await waitForQuiet(named, 'bare-temporal');
      bare = await bareTemporal({
        address: base.temporal.address,
        namespace,
        taskQueue: `${taskQueue}-bare`,
        clients: settings.approvalClients,
        shapeClients: [1, 24],
        durationMs: settings.bareTemporalMs,
        cap: 5_000,
        cpu: () => {
          const before = cpuSnapshot(named);
          return () => coresUsed(before, cpuSnapshot(named));
        },
      });
      approvalStep = 'setup';
      approvals = await runApprovals({
        port,
        runId,
        owner: estimateOwner,
        clients: estimateClients,
        latencyClients: settings.approvalClients,
        approvalsPerCaller: settings.approvalsPerCaller,
        throughputClients: settings.approvalThroughputClients,
        throughputMs: settings.approvalThroughputMs,
        throughputCap: settings.approvalThroughputCap,
        approveAfterMs: settings.approvalApproveAfterMs,
        rampMs: settings.approvalRampMs,
        raceSample: settings.approvalRaceSample,
        pollIntervalMs: settings.approvalPollMs,
        throughputHistorySample: 80,
        temporal: temporalForRun,
        measure,
        ...(process.env.BENCH_APPROVALS_PROFILE === '1' ? { profile: system.profile } : {}),
      });
    } catch (err) {
      approvalFailure = { during: approvalStep, message: (err as Error).message, systemExit: system.exit() };
      log('approvals stage failed', { message: approvalFailure.message });
    }
  }
  {
    const code = await system.stop();
    log('system stopped', { exitCode: code });
  }

  // Per-stage timings from what the system recorded.
  const readerPool = createPool(benchDb, 2);
  const reader = await StanEventLog.connect({ url: stan.stanUrl, clusterId: stan.clusterId, clientId: `${sysPrefix}bench-reader`, prefix: sysPrefix, leases: new PostgresLeases(benchDb) });
  const timeline = await readTimeline(reader, readerPool, 'user');
  const httpChannelEnd = timeline.eventChannelEnd;
  let projectTimeline: Timeline | null = null;
  if (boardWorkloads.length) projectTimeline = await readTimeline(reader, readerPool, 'project');
  if (approvals) {
    try {
      await analyseApprovals(approvals, { log: reader, pool: readerPool, temporal: temporalForRun, throughputHistorySample: 80 });
    } catch (err) {
      log('approvals analysis failed', { message: (err as Error).message });
    }
  }
  if (on('approvals')) {
    // What the run left running (the invoices' payment workflows wait for payment for weeks).
    leftoversTerminated = await terminateLeftovers(temporalForRun, [taskQueue, `${taskQueue}-bare`], 'bench run over').catch((err: Error) => {
      log('terminating leftover workflows failed', { message: err.message });
      return null;
    });
    log('leftover workflows terminated', { n: leftoversTerminated });
  }
  await temporal.connection.close();
  await temporalForRun.connection.close();
  await reader.close();
  await readerPool.end();
  for (const w of workloads) w.stages = breakdown(recordsOf.get(w)!, timeline);
  for (const w of boardWorkloads) {
    const records = boardRecordsOf.get(w)!;
    w.stages = breakdown(records, projectTimeline!);
    for (const kind of ['add', 'edit', 'move'] as WriteKind[]) w.stagesByKind[kind] = breakdown(records.filter((r) => r.kind === kind), projectTimeline!);
  }

  // 2c. Rebuilding the projects views: the run's project channel, topped up with more boards
  // decided by the product's decider, replayed by the product's command (`node dist/main.js
  // rebuild projects`, the figure it prints), then by the same ProjectorHost in this process
  // with every statement and the applier timed (where the time goes).
  // What one board event costs the component (evolve) and the projector (foldView), by board size.
  const foldCosts: FoldCost[] = on('boards') ? foldCost([10, 150, 500, 1000]) : [];
  if (foldCosts.length) log('board fold cost', { foldCosts });
  let projectSeed: SeedResult | null = null;
  let projectRebuildCommand: RebuildCommandResult | null = null;
  let projectRebuild: RebuildResult | null = null;
  let projectRebuildFailure: string | null = null;
  if (on('rebuild')) try {
    const existing = projectTimeline?.events ?? 0;
    const missing = Math.max(0, settings.projectRebuildEvents - existing);
    projectSeed = await seedProjectEvents({ ...stan, prefix: sysPrefix, databaseUrl: benchDb, events: missing, boards: Math.ceil(missing / 100), window: settings.window, owner: boardOwner });
    await waitForQuiet({ [self]: 'bench' }, 'rebuild-projects-command');
    projectRebuildCommand = await runRebuildCommand(systemOptions, 'projects', 180_000);
    log('projects rebuild command', { exitCode: projectRebuildCommand.exitCode, line: projectRebuildCommand.line, wallSeconds: projectRebuildCommand.wallSeconds });
    if (projectRebuildCommand.exitCode !== 0 || projectRebuildCommand.eventsPerSec === null) {
      throw new Error(`node dist/main.js rebuild projects exited ${projectRebuildCommand.exitCode}: ${projectRebuildCommand.outputTail.slice(-500)}`);
    }
    await waitForQuiet({ [self]: 'benchProjector' }, 'rebuild-projects');
    projectRebuild = await rebuild({
      label: 'projects',
      ...stan,
      prefix: sysPrefix,
      endPosition: projectSeed.endPosition,
      baseDatabaseUrl: baseDb,
      database: settings.rebuildDatabase,
      // As the rebuild command replays (platform/hosting/rebuild.ts).
      batchSize: 2000,
      maxInFlight: 8192,
      timeoutMs: 120_000,
      projection: projectsProjection,
      viewTables: ['projects.projects', 'projects.columns', 'projects.tasks'],
      profile: settings.profile,
    });
  } catch (err) {
    projectRebuildFailure = (err as Error).message;
    log('projects rebuild failed', { message: projectRebuildFailure });
  }

  // Why a view-writing statement costs what it costs at this view size (plans of real statements).
  const plans: PlanEvidence[] = [];
  for (const [kind, example] of Object.entries(examples).filter(([k]) => /users$/.test(k))) {
    plans.push(await explain(benchDb, kind, example).catch((err: Error) => ({ statement: kind, usersInView: -1, executionMs: -1, nodes: [`EXPLAIN failed: ${err.message}`] })));
  }

  // 3. Projector rebuild: the adapter stage's channel (>= 20k events), then the HTTP run's channel.
  const rebuilds: RebuildResult[] = [];
  const common = { ...stan, baseDatabaseUrl: baseDb, database: settings.rebuildDatabase, batchSize: base.projectorBatchSize, maxInFlight: 1024, timeoutMs: 60_000 };
  // Channels of their own for the rebuild, filled through the adapter's writer: a realistic mix
  // (one registration in four, the rest profile changes), and the projection's best case (only
  // registrations, so each batch is one set-based INSERT).
  const mixedPrefix = `bench.${runId}.mixed.`;
  const mixedEnd = on('rebuild') ? await seedChannel({ ...stan, prefix: mixedPrefix, databaseUrl: benchDb, count: settings.rebuildEvents, mix: 'mixed', window: settings.window }) : 0;
  const regPrefix = `bench.${runId}.reg.`;
  const regEnd = on('rebuild') ? await seedChannel({ ...stan, prefix: regPrefix, databaseUrl: benchDb, count: settings.messages, mix: 'registrations', window: settings.window }) : 0;
  for (const r of [
    { label: 'mixed', prefix: mixedPrefix, endPosition: mixedEnd },
    { label: 'http-run', prefix: sysPrefix, endPosition: httpChannelEnd },
    { label: 'registrations-only', prefix: regPrefix, endPosition: regEnd },
  ].filter((r) => on('rebuild') && r.endPosition > 1)) {
    await waitForQuiet({ [self]: 'benchProjector' }, `rebuild-${r.label}`);
    rebuilds.push(await rebuild({ ...common, ...r }));
  }

  // Targets, and where the time goes where one is missed. HTTP figures only count when the run
  // completed: a workload cut short by a failure says nothing about the system's rate.
  const valid = httpFailure ? [] : workloads;
  const best = (ws: WorkloadReport[]) => (ws.length ? ws.reduce((a, b) => (b.writesPerSec > a.writesPerSec ? b : a)) : undefined);
  const bestSpread = best(valid.filter((w) => w.shape === 'spread'));
  const bestHot = best(valid.filter((w) => w.shape === 'hot'));
  const notMeasured = `not measured: ${httpFailure?.message ?? 'no workload ran'}`;
  const note = (w: { disturbed: boolean }) => (w.disturbed ? ', disturbed' : '');
  // The run's own HTTP events when there are enough of them, else the mixed channel seeded for it.
  const primaryRebuild = rebuilds.find((r) => r.events >= 20_000 && r.label === 'http-run') ?? rebuilds[0];
  const targets: Array<{ name: string; target: string; measured: string; met: boolean; whereTimeGoes?: string }> = [];
  if (on('users')) targets.push({
    name: 'spread writes/s',
    target: `>= ${TARGETS.spreadWritesPerSec}`,
    measured: bestSpread ? `${bestSpread.writesPerSec} (${bestSpread.clients} clients${note(bestSpread)})` : notMeasured,
    met: !!bestSpread && bestSpread.writesPerSec >= TARGETS.spreadWritesPerSec,
  });
  if (on('users')) targets.push({
    name: 'hot writes/s with < 1% conflicts',
    target: `>= ${TARGETS.hotWritesPerSec}, conflicts < ${TARGETS.hotConflictRate * 100}%`,
    measured: bestHot ? `${bestHot.writesPerSec} (${bestHot.clients} clients${note(bestHot)}), conflicts ${round(bestHot.conflictRate * 100, 2)}%` : notMeasured,
    met: !!bestHot && bestHot.writesPerSec >= TARGETS.hotWritesPerSec && bestHot.conflictRate < TARGETS.hotConflictRate,
  });
  for (const shape of on('users') ? (['spread', 'hot'] as const) : []) {
    const w = valid.find((x) => x.clients === 8 && x.shape === shape);
    targets.push({
      name: `p99 latency, ${shape}, 8 clients`,
      target: `< ${TARGETS.p99At8ClientsMs} ms`,
      measured: w ? `${w.latencyMs.p99} ms (p50 ${w.latencyMs.p50} ms${note(w)})` : notMeasured,
      met: !!w && (w.latencyMs.p99 ?? Infinity) < TARGETS.p99At8ClientsMs,
    });
  }
  if (logStage) targets.push({
    name: 'adapter append / raw publish',
    target: `>= ${TARGETS.adapterRatio}`,
    measured: `${logStage.ratio} (${logStage.adapter.messagesPerSec} vs ${logStage.raw.messagesPerSec} msg/s)`,
    met: logStage.ratio >= TARGETS.adapterRatio,
  });
  if (primaryRebuild) targets.push({
    name: 'projector rebuild events/s',
    target: `>= ${TARGETS.rebuildEventsPerSec}`,
    measured: `${primaryRebuild.eventsPerSec} (${primaryRebuild.label}, ${primaryRebuild.events} events)`,
    met: primaryRebuild.eventsPerSec >= TARGETS.rebuildEventsPerSec,
  });
  for (const t of targets) {
    if (t.met) continue;
    if (t.measured === notMeasured) continue;
    if (t.name.startsWith('spread')) t.whereTimeGoes = whereTimeGoes(bestSpread!);
    else if (t.name.startsWith('hot')) t.whereTimeGoes = whereTimeGoes(bestHot!);
    else if (t.name.startsWith('p99')) t.whereTimeGoes = whereTimeGoes(valid.find((w) => w.clients === 8 && t.name.includes(w.shape))!);
    else if (t.name.startsWith('projector') && primaryRebuild) {
      const r = primaryRebuild;
      const top = Object.entries(r.postgres.byStatement).slice(0, 3).map(([k, s]) => `${k} ${s.count}x ${s.ms} ms`).join(', ');
      const others = rebuilds.filter((x) => x !== r).map((x) => `${x.label} ${x.eventsPerSec}/s`).join(', ');
      t.whereTimeGoes =
        `${r.label}: ${Math.round(r.postgres.share * 100)}% of ${Math.round(r.seconds * 1000)} ms waiting on Postgres (${top}); ` +
        `${r.events} events took ${Object.values(r.postgres.byStatement).reduce((n, s) => n + s.count, 0)} statements in ${r.batches} batches; ` +
        `decoding all entries alone takes ${r.decodeMs} ms. Other channels: ${others}.`;
    } else if (t.name.startsWith('adapter') && logStage) {
      t.whereTimeGoes = `rounds ${JSON.stringify(logStage.rounds)}: per-append envelope building, JSON and promise bookkeeping on top of the raw publish`;
    }
  }

  // Board targets. Figures only count when the board stage completed.
  const boardValid = boardFailure ? [] : boardWorkloads;
  const boardNotMeasured = `not measured: ${boardFailure?.message ?? 'no board workload ran'}`;
  const bestBoard = (shape: string) => {
    const ws = boardValid.filter((w) => w.shape === shape);
    return ws.length ? ws.reduce((a, b) => (b.writesPerSec > a.writesPerSec ? b : a)) : undefined;
  };
  const pct = (x: number) => `${round(x * 100, 2)}%`;
  const conflictsOf = (w: BoardReport) =>
    `adds+edits refused ${pct(w.conflicts.notStale.rate)} (409: ${w.conflicts.notStale.status409}, 422: ${w.conflicts.notStale.status422} of ${w.conflicts.notStale.commands}); ` +
    `moves refused ${pct(w.conflicts.moves.refusedRate)} (409: ${w.conflicts.moves.refused409}, 422: ${w.conflicts.moves.refused422} of ${w.conflicts.moves.commands})`;
  // `writev ← writevGeneric node:internal/… ← submit /…/node_modules/pg/lib/query.js:152` → `writev ← submit pg/lib/query.js:152`
  const shortFn = (fn: string) => {
    const parts = fn.split(' ← ').map((p) => p.replace(/\S*node_modules\//, '').replace(/:\d+$/, ''));
    return parts.length > 1 ? `${parts[0]} ← ${parts[parts.length - 1]}` : parts[0]!;
  };
  const profileLine = (shape: string) => {
    const p = boardProfiles.find((x) => x.shape === shape);
    if (!p) return '';
    return (
      ` CPU profile of the system process in one more ${shape}/${p.clients} run (${p.writesPerSec} writes/s under the profiler; share of its busy main thread): ` +
      p.profile.self.slice(0, 8).map((x) => `${shortFn(x.fn)} ${Math.round(x.share * 100)}%`).join(', ') + '.'
    );
  };
  const boardWhere = (w: BoardReport) => {
    const m = (x: StageBreakdown) =>
      [x.httpToCommandMs, x.commandToDecisionMs, x.decisionToProjectorTxMs, x.projectorTxToAnswerMs].map((v) => round(v.mean ?? 0, 1)).join(' / ');
    return (
      whereTimeGoes({ ...w, shape: `boards ${w.shape}` }, 'boards') +
      ` Mean ms per stage by kind (app before publish / publish→decision / decision→projector tx / projector tx→answer): ` +
      (['add', 'edit', 'move'] as WriteKind[]).map((k) => `${k} ${m(w.stagesByKind[k])}`).join('; ') +
      `; reads before moves p50 ${w.reads.latencyMs.p50} ms.` +
      profileLine(w.shape)
    );
  };
  const boardTargets: typeof targets = [];
  const spreadB = bestBoard('spread');
  boardTargets.push({
    name: 'boards spread writes/s',
    target: `>= ${TARGETS.boardSpreadWritesPerSec}`,
    measured: spreadB ? `${spreadB.writesPerSec} (${spreadB.clients} clients${note(spreadB)}); ${conflictsOf(spreadB)}` : boardNotMeasured,
    met: !!spreadB && spreadB.writesPerSec >= TARGETS.boardSpreadWritesPerSec && spreadB.conflicts.notStale.rate < TARGETS.boardNotStaleConflictRate,
    ...(spreadB && spreadB.writesPerSec < TARGETS.boardSpreadWritesPerSec ? { whereTimeGoes: boardWhere(spreadB) } : {}),
  });
  const hotB = bestBoard('hot');
  boardTargets.push({
    name: 'boards hot writes/s with < 1% conflicts on adds and edits',
    target: `>= ${TARGETS.boardHotWritesPerSec}, adds+edits refused < ${TARGETS.boardNotStaleConflictRate * 100}%`,
    measured: hotB ? `${hotB.writesPerSec} (${hotB.clients} clients${note(hotB)}); ${conflictsOf(hotB)}` : boardNotMeasured,
    met: !!hotB && hotB.writesPerSec >= TARGETS.boardHotWritesPerSec && hotB.conflicts.notStale.rate < TARGETS.boardNotStaleConflictRate,
    ...(hotB && hotB.writesPerSec < TARGETS.boardHotWritesPerSec ? { whereTimeGoes: boardWhere(hotB) } : {}),
  });
  for (const shape of ['spread', 'hot'] as const) {
    const w = boardValid.find((x) => x.clients === 8 && x.shape === shape);
    const met = !!w && (w.latencyMs.p99 ?? Infinity) < TARGETS.boardP99At8ClientsMs;
    boardTargets.push({
      name: `boards p99 write-to-visible, ${shape}, 8 clients`,
      target: `< ${TARGETS.boardP99At8ClientsMs} ms`,
      measured: w ? `${w.latencyMs.p99} ms (p50 ${w.latencyMs.p50} ms${note(w)}; add ${w.byKind.add.latencyMs.p99}, edit ${w.byKind.edit.latencyMs.p99}, move ${w.byKind.move.latencyMs.p99} ms)` : boardNotMeasured,
      met,
      ...(w && !met ? { whereTimeGoes: boardWhere(w) } : {}),
    });
  }
  {
    const c = projectRebuildCommand;
    const r = projectRebuild;
    const met = !!c?.eventsPerSec && c.eventsPerSec >= TARGETS.projectsRebuildEventsPerSec;
    let where: string | undefined;
    if (c?.eventsPerSec && r && !met) {
      const top = Object.entries(r.postgres.byStatement).slice(0, 4).map(([k, x]) => `${k} ${x.count}x ${x.ms} ms`).join(', ');
      where =
        `The same replay in this process (ProjectorHost, batch 2000): ${r.eventsPerSec} events/s, ${r.batches} batches of ${r.eventsPerBatch} events, ${Math.round(r.seconds * 1000)} ms. ` +
        `Waiting on Postgres ${Math.round(r.postgres.totalMs)} ms (${Math.round(r.postgres.share * 100)}%; ${top}); ` +
        `the applier took ${r.applier.totalMs} ms, of which ${r.applier.nodeMs} ms in Node (fold + diff, no I/O) and ${r.applier.postgresMs} ms its own statements; ` +
        `decoding and validating every entry ${r.decodeMs} ms; last entry delivered by STAN at ${r.lastDeliveryAtMs} ms; ` +
        `CPU cores: ${Object.entries(r.cpuCores).filter(([k]) => k !== 'machineTotal').map(([k, v]) => `${k} ${v}`).join(', ')} of ${r.cpuCores.machineTotal} busy. ` +
        (r.profile
          ? `Profile of that replay (share of busy CPU): ${r.profile.inclusive
              .filter((x) => /projectors|components|contracts|platform\/eventlog/.test(x.fn))
              .slice(0, 6)
              .map((x) => `${x.fn.split(' ')[0]} ${Math.round(x.share * 100)}%`)
              .join(', ')}; GC ${Math.round((r.profile.byArea['(garbage collector)'] ?? 0) * 100)}%. `
          : '') +
        `One board event costs the projector's foldView ${foldCosts.map((f) => `${f.foldViewUs} µs at ${f.tasks} tasks`).join(', ')} (the component's evolve ${foldCosts.map((f) => `${f.evolveUs}`).join(' / ')} µs).`;
    }
    boardTargets.push({
      name: 'projects rebuild events/s',
      target: `>= ${TARGETS.projectsRebuildEventsPerSec}`,
      measured: c?.eventsPerSec
        ? `${c.eventsPerSec} (node dist/main.js rebuild projects: ${c.events} events, ${c.entries} entries in ${c.seconds} s; wall ${c.wallSeconds} s; ` +
          `the command used ${c.cpuCores.rebuildCommand ?? '?'} cores${foreign(c.cpuCores) >= 0.3 ? ', disturbed' : ''})`
        : `not measured: ${projectRebuildFailure ?? 'did not run'}`,
      met,
      ...(where ? { whereTimeGoes: where } : {}),
    });
  }
  targets.push(...boardTargets.filter((t) => (t.name.startsWith('projects rebuild') ? on('rebuild') : on('boards'))));
  if (on('approvals')) targets.push(...approvalTargets(approvals, bare, approvalFailure));

  const git = (...args: string[]) => {
    try {
      return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    } catch {
      return null;
    }
  };
  const report = {
    bench: 'devpie-client-backend',
    runId,
    commit: git('rev-parse', '--short', 'HEAD'),
    uncommittedChanges: (git('status', '--porcelain', '--untracked-files=no') ?? '') !== '',
    at: new Date().toISOString(),
    totalSeconds: 0,
    machine,
    settings: { ...settings, spreadCap: settings.spreadCap },
    quietWaitsMs: quietWaits,
    log: logStage && { ...logStage, cpuCores: logCpu, disturbed: foreign(logCpu) >= 0.3 },
    http: { port, channelPrefix: sysPrefix, writeWaitMs: base.writeWaitMs, failure: httpFailure, workloads, plans },
    rebuild: rebuilds,
    boards: {
      setup: boardSetup && {
        boards: boardSetup.boards.length,
        tasksPerBoard: settings.tasksPerBoard,
        hotBoards: boardSetup.hot.length,
        hotBoardTasks: settings.hotTasks,
        writes: boardSetup.writes,
        seconds: boardSetup.seconds,
      },
      mix: BOARD_MIX,
      failure: boardFailure,
      workloads: boardWorkloads,
      /** CPU profiles of the system process during one extra run per shape (not counted above). */
      profiles: boardProfiles,
      foldCostUsPerEvent: foldCosts,
      rebuild: {
        seeded: projectSeed,
        projectEventsFromHttpRun: projectTimeline?.events ?? 0,
        command: projectRebuildCommand,
        inProcess: projectRebuild,
        failure: projectRebuildFailure,
      },
    },
    approvals: on('approvals')
      ? {
          namespace,
          taskQueue,
          pollIntervalMs: settings.approvalPollMs,
          failure: approvalFailure,
          setup: approvals?.setup ?? null,
          send: approvals?.send ?? [],
          latency: approvals?.latency ?? [],
          throughput: approvals?.throughput ?? null,
          sendThenApprove: approvals?.sendThenApprove ?? null,
          bareTemporal: bare,
          leftoverWorkflowsTerminated: leftoversTerminated,
        }
      : null,
    targets,
  };
  if (process.env.BENCH_KEEP_DB !== '1') await dropDatabase(baseDb, settings.database);
  rmSync(mailDir, { recursive: true, force: true });
  report.totalSeconds = round((now() - started) / 1000, 1);
  const fd = Number(process.env.BENCH_REPORT_FD ?? 1);
  writeSync(fd, `${JSON.stringify(report, null, 2)}\n`);
  log('done', { seconds: report.totalSeconds, missed: targets.filter((t) => !t.met).map((t) => t.name) });
  // A report with void HTTP figures is still printed, but the run did not succeed.
  if (httpFailure || boardFailure || projectRebuildFailure || approvalFailure || bare?.failure) process.exitCode = 1;
}

main().then(
  () => process.exit(process.exitCode ?? 0),
  (err: Error) => {
    process.stderr.write(`[bench] failed: ${err.stack ?? err.message}\n`);
    process.exit(1);
  },
);
