/**
 * Estimates approved over HTTP, as the frontend and the client drive them (test/support/flows.ts
 * does the same in the e2e tests), on the real system with its dispatcher and Temporal worker:
 *
 * * **latency**: estimates already sent; for each, `POST /estimates/{eid}/approve` as the addressed
 *   client (answers once the approved estimate is visible), then `GET /invoices/{iid}` every few
 *   ms until the invoice it issued is visible. The invoice's id is derived from the estimate's
 *   (`nameId('invoice', estimateId)`, as activities/index.ts does), so the poll is one cheap read.
 * * **throughput**: a closed loop of callers, each sending a drafted estimate and approving it; a
 *   flow counts once its `estimateApproval` workflow completed `approved` (after it started the
 *   invoice's payment workflow), as the Temporal client reports it (`handle.result()`).
 *
 * Where the time goes comes from what the system records anyway, joined per approval: the process
 * command (its traceId is the request's traceparent), the approval workflow's history (workflow
 * tasks, the local activities' markers, update accepted, completed), the commands the activities
 * send (the payment workflow's IssueInvoice too) and the events the components decide (the log),
 * and `command_outcomes`.
 */
import { Agent } from 'node:http';
import type { Client } from '@temporalio/client';
import type { Pool } from 'pg';
import { nameId } from '../contracts/ids';
import type { EventLog } from '../platform/eventlog/port';
import { newTraceId, sendJson, type Call } from './http';
import { workflowTimes, type LocalActivityTimes, type WorkflowTimes } from './temporal';
import type { ProfileSummary } from './profile';
import { errorMessage, parallel, log, now, round, sleep, summarize, type Summary } from './util';
import { workflowIds } from '../workflows/ids';

const trace = newTraceId;

class Api {
  private readonly agent: Agent;
  constructor(
    private readonly port: number,
    sockets: number,
  ) {
    this.agent = new Agent({ keepAlive: true, maxSockets: sockets });
  }

  async call(
    token: string,
    method: Call['method'],
    path: string,
    body?: unknown,
    traceId = trace(),
  ): Promise<{ status: number; json: any; text: string }> {
    return sendJson(this.agent, this.port, { method, path, token, body }, traceId);
  }

  close(): void {
    this.agent.destroy();
  }
}

export interface Party {
  sub: string;
  email: string;
  token: string;
}

interface Draft {
  id: string;
  pid: string;
  client: Party;
}

export interface SendRecord {
  estimateId: string;
  traceId: string;
  t0: number;
  t1: number;
  status: number;
}

export interface ApprovalRecord {
  estimateId: string;
  /** The last attempt's (the one answered 200): the stage analysis joins on it. */
  traceId: string;
  /** The first attempt's start (what the caller waited from)… */
  first: number;
  /** …and the last attempt's: approve latency and stages run from here. */
  t0: number;
  /** Attempts refused 409 "still being sent" before the last one (throughput flows retry those). */
  refusedWhileSending: number;
  /** The approve request's answer. */
  t1: number;
  status: number;
  state: string | null;
  /** When GET /invoices/{iid} first answered 200; null when not seen (throughput runs do not look). */
  invoiceSeen: number | null;
  polls: number;
  /** When the workflow's `handle.result()` came back `approved` (bench clock). */
  completed: number | null;
  result: string | null;
}

/** What a measured section reports besides its own figures (CPU, the probe inside the system). */
export interface Measurement {
  cpuCores: Record<string, number>;
  disturbed: boolean;
  inside: Record<string, unknown> | null;
}

export type Measure = <T>(
  label: string,
  run: () => Promise<T>,
) => Promise<{ value: T } & Measurement>;

/**
 * The approve path, per approval, from the request (`t0`), the process command, the approval
 * workflow's history and the log. The workflow runs its steps as local activities: the workflow
 * task that takes the Update runs the handler and one step, `approveAndInvoice` (RecordEstimateApproved,
 * (which starts the payment workflow, eager start, then records IssueInvoice) in the worker. A local activity's completion is estimated from its marker
 * (`LocalActivityTimes.completed`).
 */
export interface ApprovalStages {
  joined: number;
  /** HTTP in, JWT, the estimate + project + client reads, publishing the process command. */
  appBeforePublishMs: Summary;
  /** Process command published → the workflow task that ran the Update started (STAN delivery to the dispatcher, its duplicate check, updateWorkflowExecution, the server handing the task to the worker). */
  publishToTaskStartedMs: Summary;
  /** Of that: the task waiting for the worker's poll (scheduled → started). */
  taskWaitMs: Summary;
  /** That task started → RecordEstimateApproved built (its timestamp): the worker ran the Update's handler and the workflow code, then the step built the command. */
  taskStartedToCommandMs: Summary;
  /** Of that: until the worker scheduled the step, `approveAndInvoice` (the SDK and the workflow code; the rest is handing it over and building the command). */
  taskStartedToRecordScheduledMs: Summary;
  /** RecordEstimateApproved built → EstimateApproved decided (the activity publishing it, the component deciding). */
  commandToDecisionMs: Summary;
  /** Decision → the estimation projector's transaction that recorded the outcome. */
  decisionToProjectorTxMs: Summary;
  /** That transaction → the app's answer (commit, NOTIFY, estimate read, response). */
  projectorTxToAnswerMs: Summary;
  /** Approval's outcome recorded → IssueInvoice built, in the same step: its outcome wait woke, the estimate read, the payment workflow's start (startWorkflowExecution, eager: its first task comes back with it); not separable here. */
  outcomeToIssueCommandMs: Summary;
  /** The `approveAndInvoice` step's whole run, until the invoice's outcome woke it. */
  stepRunMs: Summary;
  /** IssueInvoice built → InvoiceIssued decided (publishing, the payments component deciding). */
  invoiceCommandToDecisionMs: Summary;
  /** InvoiceIssued → the payments projector's transaction that recorded its outcome. */
  invoiceDecisionToProjectorTxMs: Summary;
  /** That transaction → the client's poll first saw the invoice (commit + the poll interval). */
  invoiceProjectorTxToSeenMs: Summary;
  /** Approve request → Update accepted (the approval's workflow task completed, after its local activities), and → approval workflow completed. */
  toUpdateAcceptedMs: Summary;
  toWorkflowCompletedMs: Summary;
  /**
   * The approve → invoice-visible path split in two: what can be told apart as Temporal's (the
   * process command → the Update's workflow task started: dispatcher, Update, task delivery)
   * against everything else (app, worker, log, components, projectors, the client's poll). The
   * payment workflow's start inside the step is Temporal's too, but is not told apart from
   * the estimate read there, so it counts in `restMs`.
   */
  temporalMs: Summary;
  restMs: Summary;
}

/** The send path, per send: the process command starts the approval workflow, whose first task records RecordEstimateSent and emails the client (local activity `recordThenNotify`). */
export interface SendStages {
  joined: number;
  appBeforePublishMs: Summary;
  /** Process command published → workflow started (STAN delivery to the dispatcher, estimate read, startWorkflowExecution). */
  publishToWorkflowStartedMs: Summary;
  /** Workflow started → its first workflow task started… */
  workflowStartedToTaskStartedMs: Summary;
  /** …of which waiting for a worker (scheduled → started, on the task queue itself, not the worker's sticky queue). */
  firstTaskWaitMs: Summary;
  /** First task started → RecordEstimateSent built: the worker started the workflow, then the step built the command… */
  taskStartedToCommandMs: Summary;
  /** …of which until the worker scheduled the step (the SDK and the workflow code). */
  taskStartedToRecordScheduledMs: Summary;
  commandToDecisionMs: Summary;
  decisionToProjectorTxMs: Summary;
  projectorTxToAnswerMs: Summary;
}

export interface LatencyReport extends Measurement {
  clients: number;
  approvals: number;
  seconds: number;
  /** Approve request → answered with the approved estimate. */
  approveMs: Summary;
  /** Approve request → the invoice visible to the client. */
  approveToInvoiceVisibleMs: Summary;
  /** Answer → invoice visible. */
  answerToInvoiceVisibleMs: Summary;
  statuses: Record<string, number>;
  invoicesSeen: number;
  pollsPerApproval: number;
  stages: ApprovalStages | null;
}

export interface SendReport extends Measurement {
  clients: number;
  n: number;
  seconds: number;
  latencyMs: Summary;
  statuses: Record<string, number>;
  stages: SendStages | null;
}

export interface ThroughputReport extends Measurement {
  /** Only with BENCH_APPROVALS_PROFILE=1: the system process's CPU profile during this run. */
  profile?: ProfileSummary;
  clients: number;
  /** Each caller approves its estimate this long after the send was answered. */
  approveAfterMs: number;
  /** Estimates sent (each a fresh draft). */
  flows: number;
  seconds: number;
  /** The part of the run the rates count (after the ramp, until the callers stopped). */
  steadySeconds: number;
  /** Workflows that completed `approved` (the invoice's payment workflow started) per second, in the steady part: the sustained rate. */
  completedPerSec: number;
  /** Every completion, the drain after the callers stopped included. */
  completed: number;
  sendsPerSec: number;
  answeredPerSec: number;
  sendMs: Summary;
  approveMs: Summary;
  /** Approve answered → workflow completed (`approveAndInvoice`: the payment workflow started, the invoice issued; completion). */
  answerToCompletedMs: Summary;
  /**
   * Send answered (the view says `sent`) → the workflow took the approval: approves refused 409
   * "the estimate is still being sent" in between, and how long the caller kept trying.
   */
  refusedWhileSending: { flows: number; refusals: number; waitedMs: Summary };
  statuses: Record<string, number>;
  /** Invoices in the payments view for this run's approvals, counted at the end. */
  invoicesInView: number;
  /** CPU ms per completed flow by process group (the whole run, drain included). */
  cpuMsPerFlow: Record<string, number>;
  stages: { send: SendStages | null; approve: ApprovalStages | null };
}

export interface SendThenApproveReport extends Measurement {
  flows: number;
  /** Approves refused 409 "the estimate is still being sent" although the send's answer said `sent`. */
  refusedFirst: number;
  refusals: number;
  /** Send answered → an approve attempt the workflow accepted (retrying every 10 ms). */
  sendAnswerToApprovalAcceptedMs: Summary;
  statuses: Record<string, number>;
}

export interface ApprovalsOptions {
  port: number;
  runId: string;
  owner: Party;
  clients: Party[];
  latencyClients: number[];
  /** Approvals per caller in each latency workload, by caller count. */
  approvalsPerCaller: (clients: number) => number;
  throughputClients: number;
  throughputMs: number;
  throughputCap: number;
  approveAfterMs: number;
  /** Rates count from this long after the throughput run began. */
  rampMs: number;
  /** Flows in the send-then-approve-at-once sample. */
  raceSample: number;
  pollIntervalMs: number;
  /** How many throughput flows to read the histories of (stage analysis). */
  throughputHistorySample: number;
  temporal: Client;
  measure: Measure;
  /** When given, the system process runs under the CPU profiler during the throughput run (its figures are then not comparable). */
  profile?: (action: 'start' | 'stop') => Promise<ProfileSummary | null>;
}

export interface ApprovalsResult {
  setup: { projects: number; drafts: number; draftSeconds: number; registerStatus: number };
  send: SendReport[];
  latency: LatencyReport[];
  throughput: ThroughputReport | null;
  sendThenApprove: SendThenApproveReport | null;
  /** Joined afterwards (needs the log and the views): filled by `analyse`. */
  records: {
    sends: Map<SendReport, SendRecord[]>;
    approvals: Map<LatencyReport | ThroughputReport, ApprovalRecord[]>;
    throughputSends: SendRecord[];
  };
}

const statusesOf = (rs: Array<{ status: number }>): Record<string, number> => {
  const s: Record<string, number> = {};
  for (const r of rs) s[String(r.status)] = (s[String(r.status)] ?? 0) + 1;
  return s;
};

export function registration(p: Party): Call {
  return {
    method: 'POST',
    path: '/api/v1/users',
    token: p.token,
    body: {
      auth0Id: p.sub,
      email: p.email,
      emailVerified: true,
      firstName: 'Bench',
      lastName: 'Owner',
      picture: 'https://example.com/avatar.png',
      locale: 'en',
    },
  };
}

export async function runApprovals(o: ApprovalsOptions): Promise<ApprovalsResult> {
  const api = new Api(o.port, 64);
  const result: ApprovalsResult = {
    setup: { projects: 0, drafts: 0, draftSeconds: 0, registerStatus: 0 },
    send: [],
    latency: [],
    throughput: null,
    sendThenApprove: null,
    records: { sends: new Map(), approvals: new Map(), throughputSends: [] },
  };
  const must = async (
    token: string,
    method: Call['method'],
    path: string,
    body: unknown,
    expect: number,
  ) => {
    const r = await api.call(token, method, path, body);
    if (r.status !== expect)
      throw new Error(
        `${method} ${path} answered ${r.status} (expected ${expect}): ${r.text.slice(0, 300)}`,
      );
    return r.json;
  };

  // Setup: the owner, one project per client, drafts enough for every measurement.
  const reg = registration(o.owner);
  const registered = await api.call(o.owner.token, reg.method, reg.path, reg.body);
  result.setup.registerStatus = registered.status;
  if (registered.status !== 201 && registered.status !== 200)
    throw new Error(
      `registering the estimate owner failed: ${registered.status} ${registered.text.slice(0, 200)}`,
    );
  const projects: Array<{ pid: string; client: Party }> = [];
  for (const [k, client] of o.clients.entries()) {
    const p = await must(
      o.owner.token,
      'POST',
      '/api/v1/projects',
      { name: `Bench client work ${k}` },
      201,
    );
    projects.push({ pid: p.id as string, client });
  }
  result.setup.projects = projects.length;
  const latencyNeeds = o.latencyClients.map((c) => c * o.approvalsPerCaller(c));
  const total = latencyNeeds.reduce((a, b) => a + b, 0) + o.raceSample + o.throughputCap;
  const drafts: Draft[] = [];
  const tDraft = now();
  await parallel(
    Array.from({ length: total }, (_, i) => projects[i % projects.length]!),
    8,
    async (p, i) => {
      const e = await must(
        o.owner.token,
        'POST',
        `/api/v1/projects/${p.pid}/estimates`,
        {
          title: `Bench estimate ${i}`,
          currency: 'EUR',
          validUntil: '2099-12-31',
          clientEmail: p.client.email,
          items: [{ description: 'Build', quantity: '10', unit: 'hour', unitPrice: 10000 }],
        },
        201,
      );
      drafts[i] = { id: e.id as string, pid: p.pid, client: p.client };
    },
  );
  result.setup.drafts = drafts.length;
  result.setup.draftSeconds = round((now() - tDraft) / 1000, 2);
  log('approvals: drafts ready', { drafts: drafts.length, seconds: result.setup.draftSeconds });

  const sendOne = async (d: Draft): Promise<SendRecord> => {
    const traceId = trace();
    const t0 = now();
    const r = await api.call(
      o.owner.token,
      'POST',
      `/api/v1/estimates/${d.id}/send`,
      { expiresInMs: 3_600_000, reminderBeforeMs: 0 },
      traceId,
    );
    const t1 = now();
    if (r.status !== 200 || r.json?.status !== 'sent')
      log('approvals: send not answered as sent', { status: r.status, body: r.text.slice(0, 200) });
    return {
      estimateId: d.id,
      traceId,
      t0,
      t1,
      status: r.status === 200 && r.json?.status !== 'sent' ? -200 : r.status,
    };
  };

  const completions = new Map<string, Promise<void>>();
  const watch = (rec: ApprovalRecord) => {
    const p = o.temporal.workflow
      .getHandle(workflowIds.estimateApproval(rec.estimateId))
      .result()
      .then(
        (r: unknown) => {
          rec.completed = now();
          rec.result = String(r);
        },
        (err: unknown) => {
          rec.result = `failed: ${errorMessage(err)}`;
        },
      );
    completions.set(rec.estimateId, p);
  };

  /**
   * Approves as the client. Right after the send was answered the workflow may still refuse (409
   * "still being sent": the view shows `sent` before the workflow has taken the `record` activity's
   * result); `retryWhileSending` then tries again every 10 ms, as a client that got that 409 would.
   */
  const approveOne = async (
    d: Draft,
    pollInvoice: boolean,
    retryWhileSending = false,
  ): Promise<ApprovalRecord> => {
    const first = now();
    let refused = 0;
    let traceId: string;
    let t0: number;
    let r: Awaited<ReturnType<Api['call']>>;
    for (;;) {
      traceId = trace();
      t0 = now();
      r = await api.call(
        d.client.token,
        'POST',
        `/api/v1/estimates/${d.id}/approve`,
        undefined,
        traceId,
      );
      const notYet =
        r.status === 409 && (r.text.includes('still being sent') || r.text.includes('not running'));
      if (!(retryWhileSending && notYet && refused < 300)) break;
      refused++;
      await sleep(10);
    }
    const t1 = now();
    const rec: ApprovalRecord = {
      estimateId: d.id,
      traceId,
      first,
      t0,
      refusedWhileSending: refused,
      t1,
      status: r.status,
      state: r.json?.status ?? null,
      invoiceSeen: null,
      polls: 0,
      completed: null,
      result: null,
    };
    if (r.status !== 200 || rec.state !== 'approved') {
      log('approvals: approve not answered as approved', {
        status: r.status,
        body: r.text.slice(0, 200),
      });
      return rec;
    }
    watch(rec);
    if (pollInvoice) {
      const iid = nameId('invoice', d.id);
      const deadline = t1 + 20_000;
      while (now() < deadline) {
        rec.polls++;
        const g = await api.call(d.client.token, 'GET', `/api/v1/invoices/${iid}`);
        if (g.status === 200) {
          rec.invoiceSeen = now();
          break;
        }
        if (g.status !== 404) {
          log('approvals: invoice poll failed', { status: g.status, body: g.text.slice(0, 200) });
          break;
        }
        await sleep(o.pollIntervalMs);
      }
    }
    return rec;
  };

  // Sends for the latency workloads, at the same concurrency as the approvals that follow.
  let cursor = 0;
  const sentFor: Draft[][] = [];
  for (const [k, c] of o.latencyClients.entries()) {
    const batch = drafts.slice(cursor, cursor + latencyNeeds[k]!);
    cursor += batch.length;
    const records: SendRecord[] = [];
    const t = now();
    const m = await o.measure(`send${c}`, () =>
      parallel(batch, c, async (d) => void records.push(await sendOne(d))),
    );
    const ok = records.filter((r) => r.status === 200);
    const rep: SendReport = {
      clients: c,
      n: ok.length,
      seconds: round((now() - t) / 1000, 2),
      latencyMs: summarize(ok.map((r) => r.t1 - r.t0)),
      statuses: statusesOf(records),
      stages: null,
      ...strip(m),
    };
    result.send.push(rep);
    result.records.sends.set(rep, records);
    sentFor.push(batch.filter((d) => ok.some((r) => r.estimateId === d.id)));
    log('approvals: sent', {
      clients: c,
      n: ok.length,
      p50: rep.latencyMs.p50,
      p99: rep.latencyMs.p99,
      statuses: rep.statuses,
    });
  }

  for (const [k, c] of o.latencyClients.entries()) {
    const batch = sentFor[k]!;
    const records: ApprovalRecord[] = [];
    const t = now();
    const m = await o.measure(`approve${c}`, () =>
      parallel(batch, c, async (d) => void records.push(await approveOne(d, true))),
    );
    const seconds = (now() - t) / 1000;
    const ok = records.filter((r) => r.status === 200 && r.state === 'approved');
    const seen = ok.filter((r) => r.invoiceSeen !== null);
    const rep: LatencyReport = {
      clients: c,
      approvals: ok.length,
      seconds: round(seconds, 2),
      approveMs: summarize(ok.map((r) => r.t1 - r.t0)),
      approveToInvoiceVisibleMs: summarize(seen.map((r) => r.invoiceSeen! - r.t0)),
      answerToInvoiceVisibleMs: summarize(seen.map((r) => r.invoiceSeen! - r.t1)),
      statuses: statusesOf(records),
      invoicesSeen: seen.length,
      pollsPerApproval: ok.length ? round(ok.reduce((n, r) => n + r.polls, 0) / ok.length, 1) : 0,
      stages: null,
      ...strip(m),
    };
    result.latency.push(rep);
    result.records.approvals.set(rep, records);
    log('approvals: latency', {
      clients: c,
      approvals: ok.length,
      approveP50: rep.approveMs.p50,
      approveP99: rep.approveMs.p99,
      invoiceP50: rep.approveToInvoiceVisibleMs.p50,
      invoiceP99: rep.approveToInvoiceVisibleMs.p99,
      statuses: rep.statuses,
    });
  }
  // Let the latency flows finish before the next measurement.
  await Promise.race([Promise.allSettled([...completions.values()]), sleep(20_000)]);

  // Approving right after the send was answered, one flow at a time: how long the workflow keeps
  // refusing ("still being sent") after the view already says `sent`.
  const raceDrafts = drafts.slice(cursor, cursor + o.raceSample);
  cursor += raceDrafts.length;
  const race: ApprovalRecord[] = [];
  const raceM = await o.measure('send-then-approve', async () => {
    for (const d of raceDrafts) {
      const sent = await sendOne(d);
      if (sent.status === 200) race.push(await approveOne(d, false, true));
    }
  });
  result.sendThenApprove = {
    flows: race.length,
    refusedFirst: race.filter((a) => a.refusedWhileSending > 0).length,
    refusals: race.reduce((n, a) => n + a.refusedWhileSending, 0),
    sendAnswerToApprovalAcceptedMs: summarize(
      race.filter((a) => a.status === 200).map((a) => a.t0 - a.first),
    ),
    statuses: statusesOf(race),
    ...strip(raceM),
  };
  log('approvals: approve right after send', {
    flows: race.length,
    refusedFirst: result.sendThenApprove.refusedFirst,
    waitedP50: result.sendThenApprove.sendAnswerToApprovalAcceptedMs.p50,
  });
  await Promise.race([
    Promise.allSettled(
      race.map((a) => completions.get(a.estimateId)).filter((p) => p !== undefined),
    ),
    sleep(20_000),
  ]);

  // Throughput: each caller sends a drafted estimate, waits `approveAfterMs` (the client reading
  // it), approves it, and starts over; callers start staggered over that wait so that sends and
  // approvals interleave from the start.
  const pool = drafts.slice(cursor);
  const sends: SendRecord[] = [];
  const approvals: ApprovalRecord[] = [];
  let issued = 0;
  let failures = 0;
  const c = o.throughputClients;
  let loopStart = 0;
  let loopEnd = 0;
  let measuredUntil = 0;
  let profile: ProfileSummary | null = null;
  const m = await o.measure(`throughput${c}`, async () => {
    await o.profile?.('start');
    loopStart = now();
    const deadline = loopStart + o.throughputMs;
    await Promise.all(
      Array.from({ length: c }, async (_, k) => {
        await sleep((k * (o.approveAfterMs + 500)) / c);
        while (issued < pool.length && now() < deadline && failures < 20) {
          const d = pool[issued++]!;
          const s = await sendOne(d);
          sends.push(s);
          // 202: not visible within the write wait, but under way: approve it all the same (the
          // approval retries while the workflow still says "being sent").
          if (s.status !== 200 && s.status !== 202) {
            failures++;
            continue;
          }
          await sleep(Math.max(0, s.t1 + o.approveAfterMs - now()));
          const a = await approveOne(d, false, true);
          approvals.push(a);
          if (a.status !== 200) failures++;
        }
      }),
    );
    loopEnd = now();
    profile = (await o.profile?.('stop')) ?? null;
    // The flows under way when the callers stopped finish (bounded); they do not count in the rate.
    await Promise.race([
      Promise.allSettled(
        approvals.map((a) => completions.get(a.estimateId)).filter((p) => p !== undefined),
      ),
      sleep(30_000),
    ]);
    measuredUntil = now();
  });
  // The rate counts completions after the ramp (the first flows need a send, the wait and an
  // approval before any can complete) until the callers stopped.
  const steadyFrom = loopStart + Math.min(o.rampMs, o.throughputMs / 2);
  const steady = (loopEnd - steadyFrom) / 1000;
  const done = approvals.filter((a) => a.result === 'approved' && a.completed !== null);
  const inWindow = done.filter((a) => a.completed! > steadyFrom && a.completed! <= loopEnd);
  const answered = approvals.filter((a) => a.status === 200 && a.state === 'approved');
  const answeredInWindow = answered.filter((a) => a.t1 > steadyFrom && a.t1 <= loopEnd);
  result.throughput = {
    clients: c,
    approveAfterMs: o.approveAfterMs,
    flows: sends.length,
    seconds: round((loopEnd - loopStart) / 1000, 2),
    steadySeconds: round(steady, 2),
    completedPerSec: round(inWindow.length / steady, 1),
    completed: done.length,
    sendsPerSec: round(
      sends.filter((x) => x.status === 200 && x.t1 > steadyFrom && x.t1 <= loopEnd).length / steady,
      1,
    ),
    answeredPerSec: round(answeredInWindow.length / steady, 1),
    sendMs: summarize(sends.filter((x) => x.status === 200).map((x) => x.t1 - x.t0)),
    approveMs: summarize(answered.map((a) => a.t1 - a.t0)),
    answerToCompletedMs: summarize(done.map((a) => a.completed! - a.t1)),
    refusedWhileSending: {
      flows: approvals.filter((a) => a.refusedWhileSending > 0).length,
      refusals: approvals.reduce((n, a) => n + a.refusedWhileSending, 0),
      waitedMs: summarize(
        approvals.filter((a) => a.refusedWhileSending > 0).map((a) => a.t0 - a.first),
      ),
    },
    statuses: statusesOf([
      ...sends.map((x) => ({ status: `send ${x.status}` })),
      ...approvals.map((a) => ({ status: `approve ${a.status}` })),
    ] as never),
    invoicesInView: 0,
    cpuMsPerFlow: Object.fromEntries(
      Object.entries(m.cpuCores)
        .filter(([k]) => k !== 'unattributed')
        .map(([k, v]) => [
          k,
          round((v * (measuredUntil - loopStart)) / Math.max(1, done.length), 1),
        ]),
    ),
    stages: { send: null, approve: null },
    ...(profile ? { profile } : {}),
    ...strip(m),
  };
  result.records.approvals.set(result.throughput, approvals);
  result.records.throughputSends = sends;
  log('approvals: throughput', {
    clients: c,
    flows: sends.length,
    completedPerSec: result.throughput.completedPerSec,
    sendsPerSec: result.throughput.sendsPerSec,
    answeredPerSec: result.throughput.answeredPerSec,
    sendP50: result.throughput.sendMs.p50,
    approveP50: result.throughput.approveMs.p50,
    statuses: result.throughput.statuses,
  });
  api.close();
  return result;
}

const strip = (m: { value: unknown } & Measurement): Measurement => ({
  cpuCores: m.cpuCores,
  disturbed: m.disturbed,
  inside: m.inside,
});

/** The log's entries this analysis needs, keyed for joining. */
interface Joined {
  /** Process command by the request's traceId: its id and when the app built it. */
  process: Map<string, { id: string; at: number }>;
  /** Commands by id (the workflows' local activities send them): when they were built. */
  command: Map<string, number>;
  /** Decisions by the command that caused them. */
  decision: Map<string, number>;
  /** Outcomes by command id: the projector transaction that recorded them. */
  recorded: Map<string, number>;
}

async function readJoined(log: EventLog, pool: Pool): Promise<Joined> {
  const j: Joined = {
    process: new Map(),
    command: new Map(),
    decision: new Map(),
    recorded: new Map(),
  };
  for (const category of ['estimate', 'invoice']) {
    await log.read(category, 'process', 1, (d) => {
      const c = JSON.parse(d.body) as {
        id?: string;
        metadata?: { traceId: string; timestamp: string };
      };
      if (c.id && c.metadata)
        j.process.set(c.metadata.traceId, { id: c.id, at: Date.parse(c.metadata.timestamp) });
    });
    await log.read(category, 'command', 1, (d) => {
      const c = JSON.parse(d.body) as { id?: string; metadata?: { timestamp: string } };
      if (c.id && c.metadata) j.command.set(c.id, Date.parse(c.metadata.timestamp));
    });
    await log.read(category, 'event', 1, (d) => {
      const e = JSON.parse(d.body) as {
        events?: Array<{ metadata: { causationId: string | null; timestamp: string } }>;
        rejection?: { metadata: { causationId: string | null; timestamp: string } };
      };
      const meta = e.events?.[0]?.metadata ?? e.rejection?.metadata;
      if (meta?.causationId) j.decision.set(meta.causationId, Date.parse(meta.timestamp));
    });
  }
  const { rows } = await pool.query<{ command_id: string; at: number }>(
    "SELECT command_id, extract(epoch FROM recorded_at)::float8 * 1000 AS at FROM platform.command_outcomes WHERE category IN ('estimate', 'invoice')",
  );
  for (const r of rows) j.recorded.set(r.command_id, r.at);
  return j;
}

/** The workflow task that ran a local activity (`task` indexes the history's completed tasks). */
/**
 * A request joined with its workflow's history and the log: its process command, the step (local
 * activity) that recorded it and the task that ran the step, and the command's decision and outcome.
 */
function joinStep(
  r: { estimateId: string; traceId: string; status: number },
  j: Joined,
  times: Map<string, WorkflowTimes>,
  pick: (t: WorkflowTimes) => LocalActivityTimes | undefined,
) {
  const t = times.get(r.estimateId);
  const p = j.process.get(r.traceId);
  if (!t || !p || r.status !== 200) return null;
  const step = pick(t);
  const task = step ? t.workflowTasks[step.task] : undefined;
  const cmd = j.command.get(p.id);
  const dec = j.decision.get(p.id);
  const rec = j.recorded.get(p.id);
  if (!step || !task || cmd === undefined || dec === undefined || rec === undefined) return null;
  return { t, p, step, task, cmd, dec, rec };
}

/** Each stage's summary over the joined rows (a stage a row could not measure is left out of it). */
function summarizeStages<K extends string>(
  k: readonly K[],
  rows: Array<Partial<Record<K, number>>>,
): { joined: number } & Record<K, Summary> {
  const stages = Object.fromEntries(
    k.map((name) => [
      name,
      summarize(
        rows
          .map((row) => row[name])
          .filter((x): x is number => x !== undefined && Number.isFinite(x)),
      ),
    ]),
  );
  return { joined: rows.length, ...(stages as Record<K, Summary>) };
}

function approvalStages(
  records: ApprovalRecord[],
  j: Joined,
  times: Map<string, WorkflowTimes>,
): ApprovalStages {
  const k = [
    'appBeforePublishMs',
    'publishToTaskStartedMs',
    'taskWaitMs',
    'taskStartedToCommandMs',
    'taskStartedToRecordScheduledMs',
    'commandToDecisionMs',
    'decisionToProjectorTxMs',
    'projectorTxToAnswerMs',
    'outcomeToIssueCommandMs',
    'stepRunMs',
    'invoiceCommandToDecisionMs',
    'invoiceDecisionToProjectorTxMs',
    'invoiceProjectorTxToSeenMs',
    'toUpdateAcceptedMs',
    'toWorkflowCompletedMs',
    'temporalMs',
    'restMs',
  ] as const;
  const rows: Array<Partial<Record<(typeof k)[number], number>>> = [];
  for (const r of records) {
    // RecordEstimateApproved: the step after the Update, in the task that took it.
    const joined = joinStep(r, j, times, (t) =>
      t.localActivities.find((a) => a.type === 'approveAndInvoice' && a.afterUpdate),
    );
    if (!joined) continue;
    const { t, p, step: recordLa, task, cmd, dec, rec } = joined;
    const stages: Partial<Record<(typeof k)[number], number>> = {
      appBeforePublishMs: p.at - r.t0,
      publishToTaskStartedMs: task.started - p.at,
      taskWaitMs: task.started - task.scheduled,
      taskStartedToCommandMs: cmd - task.started,
      taskStartedToRecordScheduledMs: recordLa.scheduled - task.started,
      commandToDecisionMs: dec - cmd,
      decisionToProjectorTxMs: rec - dec,
      projectorTxToAnswerMs: r.t1 - rec,
      stepRunMs: recordLa.runMs,
    };
    if (t.updateAccepted !== null) stages.toUpdateAcceptedMs = t.updateAccepted - r.t0;
    if (t.completed !== null) stages.toWorkflowCompletedMs = t.completed - r.t0;
    // The step's IssueInvoice, named after the approval workflow and its step.
    const issueId = nameId('workflow', workflowIds.estimateApproval(r.estimateId), 'invoice');
    const ic = j.command.get(issueId);
    const id = j.decision.get(issueId);
    const ir = j.recorded.get(issueId);
    if (ic !== undefined) stages.outcomeToIssueCommandMs = ic - rec;
    if (ic !== undefined && id !== undefined) stages.invoiceCommandToDecisionMs = id - ic;
    if (id !== undefined && ir !== undefined) stages.invoiceDecisionToProjectorTxMs = ir - id;
    if (ir !== undefined && r.invoiceSeen !== null)
      stages.invoiceProjectorTxToSeenMs = r.invoiceSeen - ir;
    if (r.invoiceSeen !== null) {
      // Critical path t0 → invoice seen: Temporal's part that can be told apart is the Update's
      // delivery (process command → its workflow task started).
      stages.temporalMs = stages.publishToTaskStartedMs!;
      stages.restMs = r.invoiceSeen - r.t0 - stages.temporalMs;
    }
    rows.push(stages);
  }
  return summarizeStages(k, rows);
}

function sendStages(
  records: SendRecord[],
  j: Joined,
  times: Map<string, WorkflowTimes>,
): SendStages {
  const k = [
    'appBeforePublishMs',
    'publishToWorkflowStartedMs',
    'workflowStartedToTaskStartedMs',
    'firstTaskWaitMs',
    'taskStartedToCommandMs',
    'taskStartedToRecordScheduledMs',
    'commandToDecisionMs',
    'decisionToProjectorTxMs',
    'projectorTxToAnswerMs',
  ] as const;
  const rows: Array<Record<(typeof k)[number], number>> = [];
  for (const r of records) {
    // RecordEstimateSent: the workflow's first step, in its first task.
    const joined = joinStep(r, j, times, (t) =>
      t.localActivities.find((a) => a.type === 'recordThenNotify'),
    );
    if (!joined || !Number.isFinite(joined.t.started)) continue;
    const { t, p, step: recordLa, task, cmd, dec, rec } = joined;
    rows.push({
      appBeforePublishMs: p.at - r.t0,
      publishToWorkflowStartedMs: t.started - p.at,
      workflowStartedToTaskStartedMs: task.started - t.started,
      firstTaskWaitMs: task.started - task.scheduled,
      taskStartedToCommandMs: cmd - task.started,
      taskStartedToRecordScheduledMs: recordLa.scheduled - task.started,
      commandToDecisionMs: dec - cmd,
      decisionToProjectorTxMs: rec - dec,
      projectorTxToAnswerMs: r.t1 - rec,
    });
  }
  return summarizeStages(k, rows);
}

/** Joins every measured request with the log, the outcomes and the workflow histories. */
export async function analyseApprovals(
  r: ApprovalsResult,
  o: { log: EventLog; pool: Pool; temporal: Client; throughputHistorySample: number },
): Promise<void> {
  const j = await readJoined(o.log, o.pool);
  const ids = new Set<string>();
  for (const rs of r.records.sends.values()) for (const x of rs) ids.add(x.estimateId);
  for (const rep of r.latency)
    for (const x of r.records.approvals.get(rep) ?? []) ids.add(x.estimateId);
  const tpApprovals = r.throughput ? (r.records.approvals.get(r.throughput) ?? []) : [];
  // A sample spread over the throughput run (its start, middle and end alike).
  const step = Math.max(1, Math.floor(tpApprovals.length / Math.max(1, o.throughputHistorySample)));
  const sample = tpApprovals.filter((_, i) => i % step === 0);
  for (const x of sample) ids.add(x.estimateId);
  const times = new Map<string, WorkflowTimes>();
  await parallel([...ids], 8, async (id) => {
    try {
      times.set(id, await workflowTimes(o.temporal, workflowIds.estimateApproval(id)));
    } catch (err) {
      log('approvals: history not read', { id, message: (err as Error).message });
    }
  });
  for (const [rep, rs] of r.records.sends) rep.stages = sendStages(rs, j, times);
  for (const rep of r.latency)
    rep.stages = approvalStages(r.records.approvals.get(rep) ?? [], j, times);
  if (r.throughput) {
    const sampled = new Set(sample.map((x) => x.estimateId));
    r.throughput.stages = {
      send: sendStages(
        r.records.throughputSends.filter((s) => sampled.has(s.estimateId)),
        j,
        times,
      ),
      approve: approvalStages(sample, j, times),
    };
    const approved = tpApprovals
      .filter((a) => a.status === 200)
      .map((a) => nameId('invoice', a.estimateId));
    const { rows } = await o.pool.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM payments.invoices WHERE id = ANY($1::uuid[])',
      [approved],
    );
    r.throughput.invoicesInView = rows[0]?.n ?? 0;
  }
}
