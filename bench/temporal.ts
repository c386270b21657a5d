/**
 * Temporal on its own, on the same dev server the product uses: the bench's own workflows
 * (bench/temporalWorkflows.ts) run by a worker in the bench process on a task queue of its own, so
 * the figures say what Temporal costs here without NATS, Postgres or the product's process.
 * Also: reading a workflow's history as timestamps (the approvals stage's stage analysis), and
 * ending whatever a run left running on its task queues.
 */
import { Client, Connection, WorkflowIdConflictPolicy } from '@temporalio/client';
import type { History } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  NativeConnection,
  Runtime,
  Worker,
  type WorkerOptions,
} from '@temporalio/worker';
import type { BenchActivities } from './temporalWorkflows';
import { errorMessage, log, now, round, summarize, type Summary } from './util';

/** A closed-loop measurement: `clients` callers, each starting its next flow once the previous is done. */
export interface LoopResult {
  clients: number;
  n: number;
  seconds: number;
  /**
   * Flows completed per second in the steady part: from one median flow after the start (the
   * first completions) until the callers stopped starting new ones (the drain after is left out).
   */
  perSec: number;
  latencyMs: Summary;
  errors: number;
  /** Cores busy by process group while the loop ran (the bench process is the worker and the client here). */
  cpuCores?: Record<string, number>;
  /** CPU ms per completed flow, by process group (the whole loop, drain included). */
  cpuMsPerFlow?: Record<string, number>;
}

export interface BareTemporalReport {
  namespace: string;
  taskQueue: string;
  bundleSeconds: number;
  /** `benchEmpty`: start → one workflow task → completed, awaited by the starter (client.workflow.execute). */
  startToComplete: LoopResult[];
  /** `benchAwaitUpdate`: executeUpdate on a running workflow until the handler's result is back. */
  updateRoundTrip: LoopResult[];
  /**
   * `benchApprovalShape`: the product's approval steps with activities that do nothing: start, two
   * activities, an Update (its round trip apart in `updateMs`), two activities, a child started.
   */
  approvalShape: Array<LoopResult & { updateMs: Summary }>;
  /** The same with local activities (no task-queue trip per activity). */
  approvalShapeLocal: Array<LoopResult & { updateMs: Summary }>;
  failure: string | null;
}

let runtimeInstalled = false;
/** The SDK's native runtime, quiet (warnings to stderr), once per process. */
export function installQuietRuntime(): void {
  if (runtimeInstalled) return;
  Runtime.install({
    logger: new DefaultLogger('WARN', (entry) =>
      process.stderr.write(`[temporal ${entry.level}] ${entry.message}\n`),
    ),
    shutdownSignals: [],
  });
  runtimeInstalled = true;
}

export async function temporalClient(
  address: string,
  namespace: string,
): Promise<{ client: Client; connection: Connection }> {
  const connection = await Connection.connect({ address, connectTimeout: 5000 });
  return { connection, client: new Client({ connection, namespace }) };
}

/** The first of `candidates` the server knows (the dev stack registers `devpie-test` only in test mode). */
export async function pickNamespace(connection: Connection, candidates: string[]): Promise<string> {
  for (const ns of candidates) {
    try {
      await connection.workflowService.describeNamespace({ namespace: ns });
      return ns;
    } catch {
      /* next */
    }
  }
  throw new Error(`none of the Temporal namespaces ${candidates.join(', ')} exists on this server`);
}

export async function closedLoop(
  clients: number,
  durationMs: number,
  cap: number,
  /** One flow; a number it resolves to is kept as an extra measure of it. */
  flow: (i: number, caller: number) => Promise<unknown>,
): Promise<{ result: LoopResult; extra: number[] }> {
  const latencies: number[] = [];
  const ends: number[] = [];
  const extra: number[] = [];
  let issued = 0;
  let errors = 0;
  const start = now();
  const deadline = start + durationMs;
  const client = async (_: unknown, caller: number) => {
    while (issued < cap && now() < deadline && errors < 20) {
      const i = issued++;
      const t0 = now();
      try {
        const x = await flow(i, caller);
        const t1 = now();
        latencies.push(t1 - t0);
        ends.push(t1);
        if (typeof x === 'number') extra.push(x);
      } catch (err) {
        errors++;
        log('temporal flow failed', { message: (err as Error).message });
      }
    }
  };
  await Promise.all(Array.from({ length: clients }, client));
  const seconds = (now() - start) / 1000;
  const latencyMs = summarize(latencies);
  const from = start + Math.min(durationMs / 2, latencyMs.p50 ?? 0);
  const steady = ends.filter((t) => t > from && t <= deadline).length;
  return {
    result: {
      clients,
      n: latencies.length,
      seconds: round(seconds, 2),
      perSec: round(steady / ((deadline - from) / 1000), 1),
      latencyMs,
      errors,
    },
    extra,
  };
}

export async function bareTemporal(o: {
  address: string;
  namespace: string;
  taskQueue: string;
  clients: number[];
  /** Callers of the approval-shaped flows (the approvals' throughput concurrency too). */
  shapeClients: number[];
  durationMs: number;
  cap: number;
  /** Worker settings to try (the product's worker uses the SDK's defaults for these). */
  worker?: Partial<
    Pick<
      WorkerOptions,
      | 'maxConcurrentWorkflowTaskPolls'
      | 'maxConcurrentActivityTaskPolls'
      | 'nonStickyToStickyPollRatio'
    >
  >;
  /** Starts a CPU measurement; what it returns ends it and gives the cores used per process group. */
  cpu?: () => () => Record<string, number>;
  /** Which measurements to run (all by default). */
  only?: Array<'startToComplete' | 'updateRoundTrip' | 'approvalShape' | 'approvalShapeLocal'>;
}): Promise<BareTemporalReport> {
  installQuietRuntime();
  const report: BareTemporalReport = {
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    bundleSeconds: 0,
    startToComplete: [],
    updateRoundTrip: [],
    approvalShape: [],
    approvalShapeLocal: [],
    failure: null,
  };
  const tBundle = now();
  const quiet = {
    info() {},
    warn() {},
    error: (m: string) => log('bundler', { m }),
    debug() {},
    trace() {},
    log() {},
  } as never;
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('./temporalWorkflows'),
    logger: quiet,
  });
  report.bundleSeconds = round((now() - tBundle) / 1000, 1);
  const native = await NativeConnection.connect({ address: o.address });
  const activities: BenchActivities = { noop: async (step) => step };
  const worker = await Worker.create({
    connection: native,
    namespace: o.namespace,
    taskQueue: o.taskQueue,
    workflowBundle: { code },
    activities,
    ...o.worker,
  });
  const wanted = (
    m: 'startToComplete' | 'updateRoundTrip' | 'approvalShape' | 'approvalShapeLocal',
  ) => !o.only || o.only.includes(m);
  const loop = async (
    c: number,
    durationMs: number,
    flow: (i: number, caller: number) => Promise<unknown>,
  ) => {
    const stop = o.cpu?.();
    const out = await closedLoop(c, durationMs, o.cap, flow);
    const cpuCores = stop?.();
    if (cpuCores) {
      out.result.cpuCores = cpuCores;
      out.result.cpuMsPerFlow = Object.fromEntries(
        Object.entries(cpuCores)
          .filter(([k]) => k !== 'unattributed')
          .map(([k, v]) => [
            k,
            round((v * out.result.seconds * 1000) / Math.max(1, out.result.n), 1),
          ]),
      );
    }
    return out;
  };
  const running = worker.run();
  const { client, connection } = await temporalClient(o.address, o.namespace);
  const q = o.taskQueue;
  try {
    // Warm-up: the worker's first tasks load the bundle into its isolates.
    for (let i = 0; i < 20; i++)
      await client.workflow.execute('benchEmpty', { taskQueue: q, workflowId: `${q}-warm-${i}` });

    for (const c of wanted('startToComplete') ? o.clients : []) {
      const { result } = await loop(c, o.durationMs, async (i) => {
        await client.workflow.execute('benchEmpty', {
          taskQueue: q,
          workflowId: `${q}-empty-${c}-${i}`,
        });
      });
      report.startToComplete.push(result);
      log('bare temporal start→complete', {
        clients: c,
        perSec: result.perSec,
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
      });
    }

    for (const c of wanted('updateRoundTrip') ? o.clients : []) {
      // One long-lived workflow per caller, each taking one Update after another.
      const handles = await Promise.all(
        Array.from({ length: c }, (_, k) =>
          client.workflow.start('benchAwaitUpdate', {
            taskQueue: q,
            workflowId: `${q}-update-${c}-${k}`,
            workflowIdConflictPolicy: WorkflowIdConflictPolicy.FAIL,
          }),
        ),
      );
      const { result } = await loop(c, Math.min(o.durationMs, 2000), async (i, caller) => {
        await handles[caller]!.executeUpdate('go', { args: [String(i)] });
      });
      await Promise.all(handles.map((h) => h.terminate('bench: measured').catch(() => undefined)));
      report.updateRoundTrip.push(result);
      log('bare temporal update round trip', {
        clients: c,
        perSec: result.perSec,
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
      });
    }

    for (const [kind, type] of [
      ['approvalShape', 'benchApprovalShape'],
      ['approvalShapeLocal', 'benchApprovalShapeLocal'],
    ] as const) {
      for (const c of wanted(kind) ? o.shapeClients : []) {
        // Flows of a second or more: a longer run, so that the steady part holds enough of them.
        const { result, extra } = await loop(
          c,
          c > 1 ? Math.max(o.durationMs, 4000) : o.durationMs,
          async (i) => {
            const id = `${q}-${kind}-${c}-${i}`;
            const h = await client.workflow.start(type, {
              taskQueue: q,
              workflowId: id,
              args: [id],
            });
            const t = now();
            await h.executeUpdate('go', { args: ['approve'] });
            const updateMs = now() - t;
            const r = await h.result();
            if (r !== 'approved') throw new Error(`${type} ended ${String(r)}`);
            return updateMs;
          },
        );
        report[kind].push({ ...result, updateMs: summarize(extra) });
        log(`bare temporal ${kind}`, {
          clients: c,
          perSec: result.perSec,
          p50: result.latencyMs.p50,
          p99: result.latencyMs.p99,
        });
      }
    }
  } catch (err) {
    report.failure = (err as Error).message;
    log('bare temporal stage failed', { message: report.failure });
  } finally {
    worker.shutdown();
    await running.catch((err: unknown) =>
      log('bench worker stopped with an error', { message: errorMessage(err) }),
    );
    await native.close();
    await connection.close();
  }
  return report;
}

/** A history time (`{seconds, nanos}`; seconds a number, a string or a Long) in ms since the epoch. */
const msOf = (t: { seconds?: unknown; nanos?: number | null } | null | undefined): number => {
  if (!t) return NaN;
  const s = t.seconds as number | string | { toNumber(): number } | null | undefined;
  return (typeof s === 'object' && s ? s.toNumber() : Number(s ?? 0)) * 1000 + (t.nanos ?? 0) / 1e6;
};

/** The marker name the SDK (sdk-core) records a local activity's result under. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

/**
 * A local activity as its marker tells it. The marker's `complete_time` is not a wall-clock
 * reading: sdk-core writes the workflow's time when the activity was scheduled (its workflow
 * task's start, or the previous local activity's `complete_time` if later) plus the attempt's run
 * time. So the run time is exact (the worker's clock), and the wall-clock completion is
 * estimated as `scheduled + runMs`.
 */
export interface LocalActivityTimes {
  type: string;
  attempt: number;
  /** The workflow task that ran it: an index into `workflowTasks`. */
  task: number;
  /** When the worker scheduled it (`original_schedule_time`, the worker's clock, the first attempt's). */
  scheduled: number;
  /** The last attempt's run time in the worker: `complete_time` − the workflow's time when it was scheduled. */
  runMs: number;
  /**
   * Estimated wall-clock completion: `scheduled + runMs`, first attempts only (NaN after a retry,
   * where the run time is the last attempt's). A little early: the wait for a local-activity slot
   * between scheduling and running is in neither figure.
   */
  completed: number;
  /** Whether its marker comes after the first Update accepted in the history. */
  afterUpdate: boolean;
}

/** What the approvals stage reads from a workflow's history: when each step happened. */
export interface WorkflowTimes {
  started: number;
  /** Workflow tasks that completed, in order: scheduled → started (waiting for the worker), started → completed (the worker ran it, local activities included). */
  workflowTasks: Array<{ scheduled: number; started: number; completed: number }>;
  /** Local activities (their `core_local_activity` markers), in order. */
  localActivities: LocalActivityTimes[];
  /** The first Update accepted: written when the workflow task that ran its handler completed, after that task's local activities. */
  updateAccepted: number | null;
  completed: number | null;
}

/** Reads a history (as fetched, or from JSON through `historyFromJSON`) as timestamps. */
export function timesOf(history: History): WorkflowTimes {
  const t: WorkflowTimes = {
    started: NaN,
    workflowTasks: [],
    localActivities: [],
    updateAccepted: null,
    completed: null,
  };
  const wfts = new Map<string, WorkflowTimes['workflowTasks'][number]>();
  // The workflow's time as sdk-core keeps it: the latest of the tasks' starts and the local
  // activities' complete_time; a local activity's complete_time is this (when scheduled) + its run time.
  let wfTime = -Infinity;
  for (const e of history.events ?? []) {
    const at = msOf(e.eventTime);
    if (e.workflowExecutionStartedEventAttributes) {
      t.started = at;
      wfTime = Math.max(wfTime, at);
    } else if (e.workflowTaskScheduledEventAttributes)
      wfts.set(String(e.eventId), { scheduled: at, started: NaN, completed: NaN });
    else if (e.workflowTaskStartedEventAttributes) {
      const w = wfts.get(String(e.workflowTaskStartedEventAttributes.scheduledEventId));
      if (w) w.started = at;
      wfTime = Math.max(wfTime, at);
    } else if (e.workflowTaskCompletedEventAttributes) {
      const w = wfts.get(String(e.workflowTaskCompletedEventAttributes.scheduledEventId));
      if (w) {
        w.completed = at;
        t.workflowTasks.push(w);
      }
    } else if (e.markerRecordedEventAttributes?.markerName === LOCAL_ACTIVITY_MARKER) {
      const data = e.markerRecordedEventAttributes.details?.data?.payloads?.[0]?.data;
      if (!data) continue;
      const m = JSON.parse(Buffer.from(data).toString('utf8')) as {
        attempt?: number;
        activity_type?: string;
        complete_time?: { seconds?: unknown; nanos?: number } | null;
        original_schedule_time?: { seconds?: unknown; nanos?: number } | null;
      };
      const complete = msOf(m.complete_time);
      const runMs = complete - wfTime;
      const scheduled = msOf(m.original_schedule_time);
      const attempt = m.attempt ?? 1;
      t.localActivities.push({
        type: m.activity_type ?? '?',
        attempt,
        task: t.workflowTasks.length - 1,
        scheduled,
        runMs: runMs >= 0 ? runMs : NaN,
        completed: attempt === 1 && runMs >= 0 ? scheduled + runMs : NaN,
        afterUpdate: t.updateAccepted !== null,
      });
      if (Number.isFinite(complete)) wfTime = Math.max(wfTime, complete);
    } else if (e.workflowExecutionUpdateAcceptedEventAttributes) t.updateAccepted ??= at;
    else if (e.workflowExecutionCompletedEventAttributes) t.completed = at;
  }
  return t;
}

export async function workflowTimes(client: Client, workflowId: string): Promise<WorkflowTimes> {
  return timesOf(await client.workflow.getHandle(workflowId).fetchHistory());
}

/** Terminates what is still running on these task queues (a run's leftovers: open invoices, failed flows). */
export async function terminateLeftovers(
  client: Client,
  taskQueues: string[],
  reason: string,
): Promise<number> {
  let n = 0;
  for (const q of taskQueues) {
    const ids: string[] = [];
    for await (const w of client.workflow.list({
      query: `TaskQueue = '${q}' AND ExecutionStatus = 'Running'`,
    }))
      ids.push(w.workflowId);
    for (let i = 0; i < ids.length; i += 32) {
      await Promise.all(
        ids.slice(i, i + 32).map((id) =>
          client.workflow
            .getHandle(id)
            .terminate(reason)
            .then(
              () => n++,
              () => undefined,
            ),
        ),
      );
    }
  }
  return n;
}
