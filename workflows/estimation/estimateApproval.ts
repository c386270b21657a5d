import {
  ApplicationFailure,
  ParentClosePolicy,
  condition,
  setHandler,
  startChild,
} from '@temporalio/workflow';
import { ALREADY_DECIDED } from '../../contracts/decided';
import { invoicePayment } from '../payments/invoicePayment';
import { INVOICE_ID, ESTIMATE_ID, PROJECT_ID } from '../searchAttributes';
import { workflowIds } from '../ids';
import type { Notice, RecordRequest } from '../../activities/types';
import { processSteps } from '../steps';
import {
  decideEstimate,
  estimateState,
  type ApprovalResult,
  type EstimateApprovalInput,
  type EstimateDecision,
} from './messages';

const until = (iso: string): number => Math.max(0, Date.parse(iso) - Date.now());

/**
 * An estimate sent to a client: notify them, remind them before it expires, and end with their
 * decision (or the sender's withdrawal), or with its expiry. Approval issues the invoice and
 * starts its payment process.
 */
export async function estimateApproval(input: EstimateApprovalInput): Promise<ApprovalResult> {
  const { local, steps } = processSteps();
  const { record, notify, issueInvoice, recordThenNotify, approveAndInvoice } = steps;
  const stream = `estimate-${input.estimateId}`;
  let state: 'sending' | 'sent' | ApprovalResult = 'sending';
  // In a box: TypeScript cannot see the update handler assign it.
  const box: { decision: EstimateDecision | null } = { decision: null };

  setHandler(estimateState, () => state);
  setHandler(
    decideEstimate,
    (d) => {
      box.decision = d;
      return 'accepted';
    },
    {
      // Refusals reach the caller at once, and leave no trace in the history.
      validator: (d: EstimateDecision) => {
        // While the send is being recorded the decision waits its turn: the client may have
        // seen the sent estimate before this workflow heard that it was recorded.
        // Decisions that collide: the first one in is the decision; the others are told so.
        if ((state !== 'sending' && state !== 'sent') || box.decision) {
          throw ApplicationFailure.create({
            type: 'conflict',
            message: box.decision
              ? ALREADY_DECIDED
              : state === 'refused'
                ? 'no decision is awaited: the estimate is not sent'
                : `${ALREADY_DECIDED}: the estimate is ${state}`,
            nonRetryable: true,
          });
        }
        if (Date.now() >= Date.parse(input.expiresAt))
          throw ApplicationFailure.create({
            type: 'expired',
            message: 'the estimate has expired',
            nonRetryable: true,
          });
        if (
          d.decision !== 'withdraw' &&
          (d.email ?? '').toLowerCase() !== input.clientEmail.toLowerCase()
        ) {
          throw ApplicationFailure.create({
            type: 'forbidden',
            message: 'only the client the estimate was sent to may decide',
            nonRetryable: true,
          });
        }
        if (d.decision === 'reject' && !d.reason)
          throw ApplicationFailure.create({
            type: 'invalid',
            message: 'a rejection needs a reason',
            nonRetryable: true,
          });
      },
    },
  );

  const sentRecord: RecordRequest = {
    streamId: stream,
    type: 'RecordEstimateSent',
    data: { clientEmail: input.clientEmail, expiresAt: input.expiresAt, sentBy: input.sentBy },
    userId: input.sentBy,
    commandId: input.sendCommandId,
    // Sent only as the draft the terms were read from: what the client approves is what they got.
    ...(input.terms ? { expectedVersion: input.terms.draftVersion } : {}),
  };
  const notice = (template: 'estimate-sent' | 'estimate-reminder'): Notice => ({
    template,
    to: input.clientEmail,
    params: { title: input.title, estimateId: input.estimateId, expiresAt: input.expiresAt },
  });
  // Local steps record and notify in one step; runs from before LOCAL_STEPS did it in two.
  const sent = local
    ? await recordThenNotify(sentRecord, notice('estimate-sent'))
    : await record(sentRecord);
  if (sent.status === 'rejected') {
    state = 'refused';
    // A decision that came meanwhile gets its answer: the component refuses it, the estimate is a draft.
    const early = box.decision;
    if (early)
      await record({
        streamId: stream,
        type: 'RecordEstimateWithdrawn',
        data: { by: early.by },
        userId: early.by,
        commandId: early.commandId,
      });
    return state;
  }
  state = 'sent';
  if (!local) await notify(notice('estimate-sent'));

  if (
    input.reminderAt &&
    !(await condition(() => box.decision !== null, until(input.reminderAt)))
  ) {
    const reminder: RecordRequest = {
      streamId: stream,
      type: 'RecordEstimateReminder',
      data: { clientEmail: input.clientEmail },
      userId: null,
      step: 'reminder',
    };
    if (local) await recordThenNotify(reminder, notice('estimate-reminder'));
    else {
      await record(reminder);
      await notify(notice('estimate-reminder'));
    }
  }
  if (!(await condition(() => box.decision !== null, until(input.expiresAt)))) {
    await record({
      streamId: stream,
      type: 'RecordEstimateExpired',
      data: {},
      userId: null,
      step: 'expired',
    });
    state = 'expired';
    return state;
  }

  const d = box.decision;
  if (!d) throw new Error('invariant broken: the wait for a decision ended without one');
  if (d.decision === 'reject') {
    // The update's validator refuses a rejection without a reason.
    if (d.reason === undefined)
      throw new Error('invariant broken: a rejection reached the workflow without a reason');
    await record({
      streamId: stream,
      type: 'RecordEstimateRejected',
      data: { by: d.by, reason: d.reason },
      userId: d.by,
      commandId: d.commandId,
    });
    state = 'rejected';
    return state;
  }
  if (d.decision === 'withdraw') {
    await record({
      streamId: stream,
      type: 'RecordEstimateWithdrawn',
      data: { by: d.by },
      userId: d.by,
      commandId: d.commandId,
    });
    state = 'withdrawn';
    return state;
  }
  const approval: RecordRequest = {
    streamId: stream,
    type: 'RecordEstimateApproved',
    data: { by: d.by },
    userId: d.by,
    commandId: d.commandId,
  };
  if (local) {
    // One step: the approval recorded, the payment process started, then the invoice issued.
    const { dueInMs, reminderEveryMs } = input.invoice;
    // The invoice is computed from what was sent; runs started without the terms leave it to the step to read them.
    const terms = input.terms && {
      projectId: input.projectId,
      clientEmail: input.clientEmail,
      currency: input.terms.currency,
      total: input.terms.total,
      depositPercent: input.terms.depositPercent,
    };
    const opening = {
      estimateId: input.estimateId,
      approvedAt: d.at ?? new Date().toISOString(),
      approvedBy: d.by,
      sentBy: input.sentBy,
      dueInMs,
      reminderEveryMs,
      ...(terms ? { terms } : {}),
    };
    const { approved } = await approveAndInvoice({ approval, invoice: opening });
    state = approved.status === 'accepted' ? 'approved' : 'refused';
    return state;
  }
  // Runs started before LOCAL_STEPS record the approval, issue the invoice, then start its process as a child.
  await record(approval);
  state = 'approved';
  const invoice = await issueInvoice({
    estimateId: input.estimateId,
    dueInMs: input.invoice.dueInMs,
    userId: d.by,
  });
  // Its own process, findable on its own, that outlives this one.
  await startChild(invoicePayment, {
    workflowId: workflowIds.invoicePayment(invoice.invoiceId),
    parentClosePolicy: ParentClosePolicy.ABANDON,
    typedSearchAttributes: [
      { key: INVOICE_ID, value: invoice.invoiceId },
      { key: ESTIMATE_ID, value: input.estimateId },
      { key: PROJECT_ID, value: input.projectId },
    ],
    args: [{ ...invoice, reminderEveryMs: input.invoice.reminderEveryMs, issuedBy: input.sentBy }],
  });
  return state;
}
