/**
 * Stage `approvals`: estimates approved on the same running system (its dispatcher and Temporal
 * worker), and beside it Temporal alone: the bench's own workflows on the same dev server.
 */
import type { Pool } from 'pg';
import type { EventLog } from '../../platform/eventlog/port';
import { analyseApprovals, runApprovals, type ApprovalsResult, type Measure } from '../approvals';
import { coresUsed, cpuSnapshot } from '../cpu';
import { bareTemporal, terminateLeftovers, type BareTemporalReport } from '../temporal';
import { errorMessage, log } from '../util';
import type { LiveSystem, RunContext, RunTemporal, StageFailure } from './context';
import { assertAlive, measured, stageFailure } from './measured';
import type { Tokens } from './tokens';

export interface ApprovalsStageResult {
  bare: BareTemporalReport | null;
  approvals: ApprovalsResult | null;
  failure: StageFailure | null;
}

/** Throughput flows whose workflow histories the stage analysis reads. */
const THROUGHPUT_HISTORY_SAMPLE = 80;

export async function approvalsStage(
  run: RunContext,
  live: LiveSystem,
  temporal: RunTemporal,
  tokens: Tokens,
): Promise<ApprovalsStageResult> {
  const { settings } = run;
  const out: ApprovalsStageResult = { bare: null, approvals: null, failure: null };
  let step = 'bare Temporal';
  const measure: Measure = async (label, body) => {
    step = label;
    const m = await measured(live, run.quiet, `approvals-${label}`, body);
    assertAlive(live, `approvals ${label}`);
    return m;
  };
  try {
    if (live.system.exit()) throw new Error('the system under test is gone');
    await run.quiet.wait(live.named, 'bare-temporal');
    out.bare = await bareTemporal({
      address: temporal.address,
      namespace: temporal.namespace,
      taskQueue: `${temporal.taskQueue}-bare`,
      clients: settings.approvalClients,
      shapeClients: [1, 24],
      durationMs: settings.bareTemporalMs,
      cap: 5_000,
      cpu: () => {
        const before = cpuSnapshot(live.named);
        return () => coresUsed(before, cpuSnapshot(live.named));
      },
    });
    step = 'setup';
    out.approvals = await runApprovals({
      port: live.system.port,
      runId: run.runId,
      owner: tokens.estimateOwner,
      clients: tokens.estimateClients,
      latencyClients: settings.approvalClients,
      approvalsPerCaller: settings.approvalsPerCaller,
      throughputClients: settings.approvalThroughputClients,
      throughputMs: settings.approvalThroughputMs,
      throughputCap: settings.approvalThroughputCap,
      approveAfterMs: settings.approvalApproveAfterMs,
      rampMs: settings.approvalRampMs,
      raceSample: settings.approvalRaceSample,
      pollIntervalMs: settings.approvalPollMs,
      throughputHistorySample: THROUGHPUT_HISTORY_SAMPLE,
      temporal: temporal.client,
      measure,
      ...(process.env.BENCH_APPROVALS_PROFILE === '1' ? { profile: live.system.profile } : {}),
    });
  } catch (err) {
    out.failure = stageFailure(live, step, err);
    log('approvals stage failed', { message: out.failure.message });
  }
  return out;
}

/**
 * Once the system has stopped: joins the approvals with the log, the outcomes and the workflow
 * histories, then ends what the run left running (the invoices' payment workflows wait for
 * payment for weeks). Returns how many workflows were terminated (null when that failed).
 */
export async function finishApprovals(
  a: ApprovalsStageResult,
  reader: EventLog,
  pool: Pool,
  temporal: RunTemporal,
): Promise<number | null> {
  if (a.approvals) {
    try {
      await analyseApprovals(a.approvals, {
        log: reader,
        pool,
        temporal: temporal.client,
        throughputHistorySample: THROUGHPUT_HISTORY_SAMPLE,
      });
    } catch (err) {
      log('approvals analysis failed', { message: (err as Error).message });
    }
  }
  const terminated = await terminateLeftovers(
    temporal.client,
    [temporal.taskQueue, `${temporal.taskQueue}-bare`],
    'bench run over',
  ).catch((err: unknown) => {
    log('terminating leftover workflows failed', { message: errorMessage(err) });
    return null;
  });
  log('leftover workflows terminated', { n: terminated });
  return terminated;
}
