import {
  ActivityFailure,
  ApplicationFailure,
  CancelledFailure,
  TemporalFailure,
  condition,
  patched,
  setHandler,
} from '@temporalio/workflow';
import { ALREADY_DECIDED } from '../../contracts/decided';
import type { InvoiceCommand } from '../../contracts/payments';
import type { RecordRequest } from '../../activities/types';
import { processSteps, providerCalls } from '../steps';
import { unmatchedReason } from './matching';
import {
  cancelInvoice,
  invoiceState,
  providerResult,
  recordManualPayment,
  startCheckout,
  type Cancellation,
  type Checkout,
  type InvoicePaymentInput,
  type ManualPayment,
  type PaymentResult,
  type ProviderResult,
} from './messages';

const provider = providerCalls();

/**
 * Provider payments that do not fit the invoice (another currency, more than is due, not what its
 * checkout asked) are recorded apart instead of counted. Runs that handled a provider payment
 * before this change counted every one; their histories replay on that path.
 */
export const UNMATCHED_PAYMENTS = 'unmatched-payments';

type Work =
  | { kind: 'manual'; payment: ManualPayment }
  | { kind: 'provider'; result: ProviderResult }
  | { kind: 'cancel'; cancellation: Cancellation };

const failure = (type: string, message: string) =>
  ApplicationFailure.create({ type, message, nonRetryable: true });

/**
 * An issued invoice until it is paid or cancelled: notify the client, remind them, mark it
 * overdue at its due date (it still takes payment), and record payments: bank transfers an
 * administrator records, and provider payments the webhook reports. A provider charge whose
 * confirmation fails for good is refunded and the invoice is open again (saga).
 */
export async function invoicePayment(input: InvoicePaymentInput): Promise<PaymentResult> {
  const { local, steps, confirmation } = processSteps();
  const stream = `invoice-${input.invoiceId}`;
  let status: 'open' | 'overdue' | 'paid' | 'cancelled' = 'open';
  let amountPaid = 0;
  let checkouts = 0;
  /** What each of our checkouts asked the provider for, by payment intent. */
  const checkoutAmounts = new Map<string, number>();
  /** Intents whose payment was counted: a later report of the same one is a repeat, not money. */
  const countedIntents = new Set<string>();
  const queue: Work[] = [];
  const seenProviderEvents = new Set<string>();
  const due = () => Math.max(0, input.amount - amountPaid);
  const settled = () => status === 'paid' || status === 'cancelled';
  /**
   * Decisions taken and not yet recorded: transfers, and a cancellation. A validator counts them,
   * so that of decisions that reach the process together (in one task, or while a step runs) one
   * settles the invoice and the others are refused; accepted, they would be left in the queue
   * when the invoice is settled, and their requests never answered.
   */
  const queuedTransfers = () =>
    queue.reduce((sum, w) => sum + (w.kind === 'manual' ? w.payment.amount : 0), 0);
  const cancelQueued = () => queue.some((w) => w.kind === 'cancel');
  /** Why a decision comes too late: the invoice is settled, or a queued decision will settle it. */
  const decided = (): string | null => {
    if (settled()) return `${ALREADY_DECIDED}: the invoice is ${status}`;
    if (cancelQueued()) return `${ALREADY_DECIDED}: the invoice is being cancelled`;
    if (queuedTransfers() >= due()) return `${ALREADY_DECIDED}: the invoice is being paid`;
    return null;
  };
  const record = <T extends InvoiceCommand['type']>(
    type: T,
    data: Extract<InvoiceCommand, { type: T }>['data'],
    userId: string | null,
    key: { commandId?: string; step?: string },
  ) => steps.record({ type, data, streamId: stream, userId, ...key } as RecordRequest);

  setHandler(invoiceState, () => ({ status, amountPaid, amountDue: due() }));
  setHandler(
    recordManualPayment,
    (payment) => (queue.push({ kind: 'manual', payment }), 'accepted'),
    {
      validator: (p: ManualPayment) => {
        const late = decided();
        if (late) throw failure('conflict', late);
        const open = due() - queuedTransfers();
        if (p.amount > open) throw failure('invalid', `at most ${open} is due`);
      },
    },
  );
  setHandler(
    cancelInvoice,
    (cancellation) => (queue.push({ kind: 'cancel', cancellation }), 'accepted'),
    {
      validator: (_c: Cancellation) => {
        const late = decided();
        if (late) throw failure('conflict', late);
        if (amountPaid > 0 || queuedTransfers() > 0)
          throw failure('conflict', 'refund the payments before cancelling');
      },
    },
  );
  setHandler(providerResult, (result) => {
    if (!seenProviderEvents.has(result.eventId)) {
      seenProviderEvents.add(result.eventId);
      queue.push({ kind: 'provider', result });
    }
    return 'accepted';
  });
  setHandler(
    startCheckout,
    async (c) => {
      checkouts++;
      // What the intent asks for, even if a payment arrives while it is being made.
      const amount = due();
      // The key names this checkout of this invoice: a retried activity creates no second intent.
      let intent: { id: string; clientSecret: string | null };
      try {
        intent = await provider.createPaymentIntent({
          invoiceId: input.invoiceId,
          amount,
          currency: input.currency,
          idempotencyKey: `${input.invoiceId}-checkout-${checkouts}`,
        });
      } catch (err) {
        // The provider refused for good: the checkout fails, the invoice waits as before.
        const cause = err instanceof ActivityFailure ? err.cause : undefined;
        throw failure(
          'invalid',
          cause instanceof ApplicationFailure
            ? cause.message
            : 'the payment provider refused the checkout',
        );
      }
      checkoutAmounts.set(intent.id, amount);
      // Its own id: the checkout's outcome (with the intent) is the dispatcher's to record.
      await record(
        'RecordPaymentRequested',
        {
          paymentId: paymentIdFor(`${input.invoiceId}/${intent.id}`),
          method: 'stripe',
          amount,
          providerReference: intent.id,
        },
        c.by,
        {
          step: `checkout-${checkouts}`,
        },
      );
      return { paymentIntentId: intent.id, clientSecret: intent.clientSecret };
    },
    {
      validator: (_c: Checkout) => {
        const late = decided();
        if (late) throw failure('conflict', late);
      },
    },
  );

  const params = {
    invoiceId: input.invoiceId,
    amount: input.amount,
    currency: input.currency,
    dueAt: input.dueAt,
  };
  // Only on the local path: a worker from before it ignores the flag, and replays must agree with it.
  if (!(local && input.announced))
    await steps.notify({ template: 'invoice-issued', to: input.clientEmail, params });

  let nextReminder = Date.now() + input.reminderEveryMs;
  while (!settled()) {
    const wake = status === 'open' ? Math.min(Date.parse(input.dueAt), nextReminder) : nextReminder;
    if (!(await condition(() => queue.length > 0, Math.max(0, wake - Date.now())))) {
      if (status === 'open' && Date.now() >= Date.parse(input.dueAt)) {
        await record('RecordInvoiceOverdue', {}, null, { step: 'overdue' });
        status = 'overdue';
        await steps.notify({ template: 'invoice-overdue', to: input.clientEmail, params });
      } else {
        await steps.notify({
          template: 'invoice-reminder',
          to: input.clientEmail,
          params: { ...params, amountDue: due() },
        });
        nextReminder = Date.now() + input.reminderEveryMs;
      }
      continue;
    }
    const work = queue.shift();
    if (!work) throw new Error('invariant broken: the wait for work ended with nothing queued');
    if (work.kind === 'cancel') {
      const c = work.cancellation;
      const r = await record('RecordInvoiceCancelled', { by: c.by, reason: c.reason }, c.by, {
        commandId: c.commandId,
      });
      if (r.status === 'accepted') status = 'cancelled';
    } else if (work.kind === 'manual') {
      const p = work.payment;
      const r = await record(
        'RecordPaymentSucceeded',
        {
          paymentId: paymentIdFor(p.commandId),
          method: 'manual',
          amount: p.amount,
          reference: p.reference,
        },
        p.by,
        {
          commandId: p.commandId,
        },
      );
      if (r.status === 'accepted') paid(p.amount);
    } else {
      await providerPayment(work.result);
    }
  }
  // Reported while the step that settled the invoice ran: nothing is due any more, but the money
  // was taken. (Reports after the run ended: workflows/payments/latePayment.ts.)
  for (let w = queue.shift(); w; w = queue.shift()) {
    if (
      w.kind !== 'provider' ||
      w.result.outcome !== 'succeeded' ||
      countedIntents.has(w.result.paymentIntentId)
    )
      continue;
    if (!patched(UNMATCHED_PAYMENTS)) break;
    await recordUnmatched(w.result, `paid after the invoice was ${status}`);
  }
  return status as PaymentResult;

  function paid(amount: number): void {
    amountPaid += amount;
    if (amountPaid >= input.amount) status = 'paid';
  }

  async function recordUnmatched(r: ProviderResult, reason: string): Promise<void> {
    const data = {
      paymentId: paymentIdFor(`${input.invoiceId}/${r.paymentIntentId}`),
      amount: r.amount,
      currency: r.currency ?? input.currency,
      providerReference: r.paymentIntentId,
      reason,
    };
    await record('RecordUnmatchedPayment', data, null, { commandId: r.commandId });
  }

  async function providerPayment(r: ProviderResult): Promise<void> {
    // Providers' ids are theirs: scoped to this invoice, they name one payment of ours.
    const paymentId = paymentIdFor(`${input.invoiceId}/${r.paymentIntentId}`);
    if (r.outcome === 'failed') {
      await record('RecordPaymentFailed', { paymentId, reason: r.reason ?? 'declined' }, null, {
        commandId: r.commandId,
      });
      return;
    }
    // A repeat of a counted intent goes on to be refused as such by the component, as before.
    if (!countedIntents.has(r.paymentIntentId) && patched(UNMATCHED_PAYMENTS)) {
      const reason = unmatchedReason(r, {
        currency: input.currency,
        due: due(),
        checkout: checkoutAmounts.get(r.paymentIntentId),
      });
      if (reason) return recordUnmatched(r, reason);
    }
    // A success of nothing is no payment: its command would break the contract, and the step
    // retrying it would hold every later update of the invoice (a checkout, a transfer). The
    // webhook leaves such events out; this is for any already in the log. Not patched: the old
    // path never completed a step here, so no history holds one.
    if (r.amount < 1) return;
    const recorded = await record(
      'RecordPaymentSucceeded',
      { paymentId, method: 'stripe', amount: r.amount, reference: r.paymentIntentId },
      null,
      {
        commandId: r.commandId,
      },
    );
    if (recorded.status === 'rejected') return;
    countedIntents.add(r.paymentIntentId);
    paid(r.amount);
    try {
      await confirmation.notify({
        template: 'payment-receipt',
        to: input.clientEmail,
        params: { ...params, paid: r.amount },
      });
    } catch (err) {
      // Any failure of the step once its retries are spent: an ordinary activity's comes wrapped in
      // ActivityFailure, a local one's unwrapped (ApplicationFailure, or TimeoutFailure when its
      // last attempt ran out of time). Only a cancellation is not the step failing.
      if (!(err instanceof TemporalFailure) || err instanceof CancelledFailure) throw err;
      // Compensation: the charge is given back and the invoice is open for payment again.
      const refund = await provider.refund({
        paymentIntentId: r.paymentIntentId,
        amount: r.amount,
        idempotencyKey: `${input.invoiceId}-refund-${r.paymentIntentId}`,
      });
      await record(
        'RecordPaymentRefunded',
        {
          paymentId,
          amount: r.amount,
          refundReference: refund.id,
          reason: 'the payment could not be confirmed',
        },
        null,
        {
          step: `refund-${r.paymentIntentId}`,
        },
      );
      amountPaid -= r.amount;
      status = Date.now() >= Date.parse(input.dueAt) ? 'overdue' : 'open';
    }
  }
}

/**
 * A payment's id from what identifies it (a provider intent, or the command that recorded a
 * transfer): a name-based id, written out without crypto (workflows have none), stable on replay.
 */
export function paymentIdFor(key: string): string {
  // FNV-1a over the key, spread into a UUID-shaped (version 5 style) string.
  const words: number[] = [];
  for (let seed = 0; seed < 4; seed++) {
    let h = 0x811c9dc5 ^ seed;
    for (let i = 0; i < key.length; i++) {
      h ^= key.charCodeAt(i);
      h = Math.imul(h, 0x01000193) >>> 0;
    }
    words.push(h);
  }
  const hex = words.map((w) => w.toString(16).padStart(8, '0')).join('');
  const variant = ((parseInt(hex.slice(16, 17), 16) & 0x3) | 0x8).toString(16);
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-5${hex.slice(13, 16)}-${variant}${hex.slice(17, 20)}-${hex.slice(20, 32)}`;
}
