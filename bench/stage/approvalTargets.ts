/** The approvals stage's targets; they always say where the time went (per stage of the approve path, and Temporal alone). */
import { availableParallelism } from 'node:os';
import type { ApprovalsResult, ApprovalStages, SendStages } from '../approvals';
import type { BareTemporalReport } from '../temporal';
import { round } from '../util';
import type { StageFailure } from './context';
import { disturbedNote, type Target } from './targets';

const TARGETS = {
  /** Approve request → approved estimate and its invoice visible to the client, p50. */
  approvalToInvoiceP50Ms: 300,
  /** Complete approval workflows (approved, invoice's payment workflow started) per second. */
  approvalWorkflowsPerSec: 20,
};

const ms = (x: number | null | undefined): string =>
  x === null || x === undefined ? '?' : `${round(x, 0)}`;
const cores = (c: Record<string, number>): string =>
  Object.entries(c)
    .filter(([k, v]) => k !== 'machineTotal' && v >= 0.01)
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ') + ` (machine ${c.machineTotal} of ${availableParallelism()})`;
const insideTiming = (inside: Record<string, unknown> | null, key: string): string => {
  const t = (
    inside?.timings as
      Record<string, { n: number; p50: number | null; p99: number | null }> | undefined
  )?.[key];
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
  const f = (
    xs: Array<{
      clients: number;
      perSec: number;
      latencyMs: { p50: number | null; p99: number | null };
    }>,
  ) =>
    xs
      .map(
        (x) =>
          `${x.clients} caller${x.clients > 1 ? 's' : ''} ${x.perSec}/s, p50 ${ms(x.latencyMs.p50)} / p99 ${ms(x.latencyMs.p99)} ms`,
      )
      .join('; ');
  return (
    `Temporal alone on the same dev server (the bench's workflows, its own worker and task queue): an empty workflow start→complete ${f(b.startToComplete)}; ` +
    `an Update round trip to a running workflow ${f(b.updateRoundTrip)}; the approval's steps with no-op activities (start, 2 activities, Update, 2 activities, child) ${f(b.approvalShape)}; ` +
    `the same with local activities ${f(b.approvalShapeLocal)}. ` +
    `CPU per flow at the most callers (ms, by process; the bench process is the worker there): ` +
    (['approvalShape', 'approvalShapeLocal'] as const)
      .map((k) => {
        const x = b[k].at(-1);
        return x?.cpuMsPerFlow
          ? `${k} ${Object.entries(x.cpuMsPerFlow)
              .filter(([g]) => ['temporalServer', 'benchClient', 'machineTotal'].includes(g))
              .map(([g, v]) => `${g} ${v}`)
              .join(', ')}`
          : '';
      })
      .filter(Boolean)
      .join('; ') +
    '.'
  );
}

export function approvalTargets(
  a: ApprovalsResult | null,
  bare: BareTemporalReport | null,
  failure: StageFailure | null,
): Target[] {
  const notMeasured = `not measured: ${failure ? `${failure.message} (during ${failure.during})` : 'the approvals stage did not run'}`;
  const out: Target[] = [];
  const lat = (a?.latency ?? []).filter((w) => w.approvals > 0);
  const latMet =
    lat.length > 0 &&
    lat.every(
      (w) =>
        w.invoicesSeen === w.approvals &&
        (w.approveToInvoiceVisibleMs.p50 ?? Infinity) < TARGETS.approvalToInvoiceP50Ms,
    );
  out.push({
    name: 'approve → approved estimate and invoice visible, p50',
    target: `< ${TARGETS.approvalToInvoiceP50Ms} ms`,
    measured: lat.length
      ? lat
          .map(
            (w) =>
              `${w.clients} client${w.clients > 1 ? 's' : ''}: p50 ${ms(w.approveToInvoiceVisibleMs.p50)} ms, p99 ${ms(w.approveToInvoiceVisibleMs.p99)} ms ` +
              `(approve answered p50 ${ms(w.approveMs.p50)} / p99 ${ms(w.approveMs.p99)} ms; ${w.invoicesSeen} of ${w.approvals} invoices seen${disturbedNote(w)})`,
          )
          .join('; ')
      : notMeasured,
    met: latMet,
    ...(lat.length
      ? {
          whereTimeGoes:
            lat
              .map(
                (w) =>
                  `${w.clients} client${w.clients > 1 ? 's' : ''}, mean ms: ${w.stages ? approvalPath(w.stages) : 'stages not joined'}`,
              )
              .join(' ') +
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
        `send p50 ${ms(tp.sendMs.p50)} / p99 ${ms(tp.sendMs.p99)} ms, approve p50 ${ms(tp.approveMs.p50)} / p99 ${ms(tp.approveMs.p99)} ms${disturbedNote(tp)}); ` +
        `bare Temporal: empty workflow ${bare?.startToComplete.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'}; approval shape ${bare?.approvalShape.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'} callers; ` +
        `with local activities ${bare?.approvalShapeLocal.map((x) => `${x.perSec}/s at ${x.clients}`).join(', ') ?? '?'}`
      : notMeasured,
    met: !!tp && tp.completedPerSec >= TARGETS.approvalWorkflowsPerSec,
    ...(tp
      ? {
          whereTimeGoes:
            `CPU cores while it ran: ${cores(tp.cpuCores)}; CPU ms per completed flow: ${Object.entries(
              tp.cpuMsPerFlow,
            )
              .filter(([, v]) => v >= 1)
              .sort((x, y) => y[1] - x[1])
              .map(([g, v]) => `${g} ${v}`)
              .join(
                ', ',
              )}. Inside the system: startWorkflowExecution ${insideTiming(tp.inside, 'temporal startWorkflowExecution')}, ` +
            `updateWorkflowExecution ${insideTiming(tp.inside, 'temporal updateWorkflowExecution')}, STAN stored→delivered process ${insideTiming(tp.inside, 'stan stored→delivered process')}, ` +
            `projector transactions ${insideTiming(tp.inside, 'projector transaction (BEGIN..COMMIT)')}, event-loop delay p99 ${ms((tp.inside?.eventLoopDelayMs as { p99?: number } | undefined)?.p99)} ms. ` +
            `Sampled flows, mean ms: send path: ${tp.stages.send ? sendPath(tp.stages.send) : 'not joined'}. Approve path: ${tp.stages.approve ? approvalPath(tp.stages.approve) : 'not joined'} ` +
            `Approve answered → workflow completed p50 ${ms(tp.answerToCompletedMs.p50)} ms. ` +
            (a?.sendThenApprove
              ? `Approving the moment the send is answered (${a.sendThenApprove.flows} flows, one at a time): ${a.sendThenApprove.refusedFirst} first refused 409 "the estimate is still being sent" ` +
                `although the send's answer said \`sent\`` +
                (a.sendThenApprove.refusedFirst
                  ? `; the workflow took the approval p50 ${ms(a.sendThenApprove.sendAnswerToApprovalAcceptedMs.p50)} / max ${ms(a.sendThenApprove.sendAnswerToApprovalAcceptedMs.max)} ms after that answer. `
                  : '. ')
              : '') +
            bareLine(bare),
        }
      : {}),
  });
  return out;
}
