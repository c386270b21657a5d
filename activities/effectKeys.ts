import type { EffectKey } from '../platform/effects/port';
import type { Notice } from './types';

/** Where a step runs: its workflow, the run, and the step's activity id within that run. */
export interface StepPlace {
  workflowId: string;
  runId: string;
  activityId: string;
}

/**
 * The ledger key of a notice a step sends.
 *
 * An invoice is announced once, whatever happens to the runs of its processes (the approval's
 * step retried or replayed, the payment process announcing it on the older path): keyed by the
 * invoice. Any other notice (the estimate sent, each reminder, the overdue notice, a receipt) is
 * keyed by its step: the workflow, the run and Temporal's activity id, which is the activity's
 * sequence number in the run, the same on every attempt and on a replay, and another one for the
 * next reminder. (A local activity gets a new sequence number only when its retry pause exceeds
 * the local retry threshold, a minute by default; the steps' pauses stop at 10 s.) A reset starts
 * a new run: the steps it runs again send their notices again, as an operator resetting asks.
 */
export function noticeKey(notice: Notice, step: StepPlace): EffectKey {
  if (notice.template === 'invoice-issued')
    return { scope: 'process-mail', id: `invoice-issued/${notice.params.invoiceId}` };
  return {
    scope: 'process-mail',
    id: `${notice.template}/${step.workflowId}/${step.runId}/${step.activityId}`,
  };
}

/**
 * A provider call is keyed by the idempotency key the workflow gave it (the invoice and its
 * checkout, or the invoice and the refunded intent): the key the provider deduplicates by too.
 */
export const paymentIntentKey = (idempotencyKey: string): EffectKey => ({
  scope: 'payment-intent',
  id: idempotencyKey,
});
export const refundKey = (idempotencyKey: string): EffectKey => ({
  scope: 'refund',
  id: idempotencyKey,
});
