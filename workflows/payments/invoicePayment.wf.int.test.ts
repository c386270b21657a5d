import { randomUUID } from 'node:crypto';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { nameId } from '../../contracts/ids';
import { eventually } from '../../test/support/env';
import { inMs, refusal, workflowSuite, type WorkflowSuite } from '../../test/support/workflowSuite';
import type { InvoiceCommand } from '../../contracts/payments';
import type { RecordRequest } from '../../activities/types';
import { paymentIdFor, type invoicePayment } from './invoicePayment';
import type { lateProviderPayment } from './latePayment';
import {
  cancelInvoice,
  invoiceState,
  providerResult,
  recordManualPayment,
  startCheckout,
  type InvoicePaymentInput,
  type ProviderResult,
} from './messages';
import { workflowIds } from '../ids';

jest.setTimeout(60_000);

/*
 * The invoice payment workflow on the dev server, with its activities replaced by doubles: every
 * path (the due date and the reminders seconds away, as inputs), the provider's calls and their
 * idempotency keys, the saga, and the payments that must not count.
 */

let suite: WorkflowSuite;
beforeAll(async () => {
  suite = await workflowSuite('invoice-payment');
});
afterAll(async () => {
  await suite?.close();
});

const CLIENT = 'client@example.com';
const ADMIN = 'auth0|dev';

const inputFor = (over: Partial<InvoicePaymentInput> = {}): InvoicePaymentInput => ({
  invoiceId: randomUUID(),
  estimateId: randomUUID(),
  projectId: randomUUID(),
  amount: 10_000,
  currency: 'EUR',
  clientEmail: CLIENT,
  dueAt: inMs(60_000),
  kind: 'deposit',
  reminderEveryMs: 60_000,
  issuedBy: ADMIN,
  ...over,
});

async function start(over: Partial<InvoicePaymentInput> = {}, taskQueue = suite.taskQueue) {
  const input = inputFor(over);
  const workflowId = workflowIds.invoicePayment(input.invoiceId);
  const handle = await suite.env.client.workflow.start<typeof invoicePayment>('invoicePayment', {
    taskQueue,
    workflowId,
    args: [input],
  });
  const state = () => handle.query(invoiceState);
  /** Updates are answered when queued; the step that records them runs after. */
  const stateBecomes = (expected: { status: string; amountPaid: number; amountDue: number }) =>
    eventually(
      async () => JSON.stringify(await state()) === JSON.stringify(expected),
      10_000,
      `the invoice to be ${JSON.stringify(expected)}`,
    );
  return { input, workflowId, handle, state, stateBecomes };
}

const manual = (amount: number) => ({
  amount,
  reference: `SEPA ${amount}`,
  by: ADMIN,
  commandId: randomUUID(),
});
const provider = (
  r: Pick<ProviderResult, 'outcome' | 'paymentIntentId' | 'amount'> & Partial<ProviderResult>,
): ProviderResult => ({
  eventId: `evt_${randomUUID()}`,
  currency: 'EUR',
  commandId: randomUUID(),
  ...r,
});
const params = (input: InvoicePaymentInput) => ({
  invoiceId: input.invoiceId,
  amount: input.amount,
  currency: input.currency,
  dueAt: input.dueAt,
});
const invoiceRecord = <T extends InvoiceCommand['type']>(
  workflowId: string,
  type: T,
  data: Extract<InvoiceCommand, { type: T }>['data'],
  userId: string | null,
  key: { commandId?: string; step?: string },
): RecordRequest => ({ streamId: workflowId, type, data, userId, ...key }) as RecordRequest;
const recorded = (workflowId: string) =>
  suite.doubles.calls(workflowId, 'record').map((c) => c.args[0] as RecordRequest);
const templates = (workflowId: string) =>
  suite.doubles
    .calls(workflowId, 'notify')
    .map((c) => (c.args[0] as { template: string }).template);

/**
 * Sends the decisions one after another, a moment apart: parallel calls may reach the server in
 * any order, and these tests are about the order in which the workflow sees them.
 */
async function inOrder(calls: Array<() => Promise<unknown>>): Promise<Array<Promise<unknown>>> {
  const sent: Array<Promise<unknown>> = [];
  for (const call of calls) {
    const p = call();
    p.catch(() => undefined); // awaited by the test; not an unhandled rejection meanwhile
    sent.push(p);
    await new Promise((r) => setTimeout(r, 150));
  }
  return sent;
}

describe('invoice payment', () => {
  it('paid manually in two transfers; more than is due is refused, a transfer the component refuses does not count', async () => {
    const { input, workflowId, handle, stateBecomes } = await start();
    const first = manual(4000);
    expect(await handle.executeUpdate(recordManualPayment, { args: [first] })).toBe('accepted');
    await stateBecomes({ status: 'open', amountPaid: 4000, amountDue: 6000 });
    expect(
      await refusal(handle.executeUpdate(recordManualPayment, { args: [manual(7000)] })),
    ).toEqual({ type: 'invalid', message: 'at most 6000 is due' });

    const refused = manual(6000);
    suite.doubles.script(workflowId, {
      record: async (r) =>
        r.commandId === refused.commandId
          ? { status: 'rejected', code: 'conflict', reason: 'the invoice is being corrected' }
          : { status: 'accepted', version: 2 },
    });
    expect(await handle.executeUpdate(recordManualPayment, { args: [refused] })).toBe('accepted');
    await eventually(async () => recorded(workflowId).length === 2, 10_000, 'the refused transfer');
    await stateBecomes({ status: 'open', amountPaid: 4000, amountDue: 6000 });

    const last = manual(6000);
    expect(await handle.executeUpdate(recordManualPayment, { args: [last] })).toBe('accepted');
    expect(await handle.result()).toBe('paid');
    await stateBecomes({ status: 'paid', amountPaid: 10_000, amountDue: 0 });

    // Not announced by whoever issued it: the process tells the client itself, first.
    expect(suite.doubles.calls(workflowId).map((c) => [c.name, c.local])).toEqual([
      ['notify', true],
      ['record', true],
      ['record', true],
      ['record', true],
    ]);
    expect(suite.doubles.calls(workflowId, 'notify')[0]!.args).toEqual([
      { template: 'invoice-issued', to: CLIENT, params: params(input) },
    ]);
    expect(recorded(workflowId)).toEqual(
      [first, refused, last].map((p) =>
        invoiceRecord(
          workflowId,
          'RecordPaymentSucceeded',
          {
            paymentId: paymentIdFor(p.commandId),
            method: 'manual',
            amount: p.amount,
            reference: p.reference,
          },
          ADMIN,
          { commandId: p.commandId },
        ),
      ),
    );
    await expect(
      handle.executeUpdate(recordManualPayment, { args: [manual(1)] }),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('paid by the provider: one intent per checkout under its own key, a failed payment recorded once however often reported', async () => {
    const { input, workflowId, handle } = await start({ announced: true });
    const inv = input.invoiceId;
    const checkout1 = await handle.executeUpdate(startCheckout, {
      args: [{ by: 'auth0|client', commandId: randomUUID() }],
    });
    expect(checkout1).toEqual({
      paymentIntentId: `pi_${inv}-checkout-1`,
      clientSecret: `pi_${inv}-checkout-1_secret`,
    });

    const declined = provider({
      outcome: 'failed',
      paymentIntentId: checkout1.paymentIntentId,
      amount: 10_000,
      reason: 'card_declined',
    });
    expect(await handle.executeUpdate(providerResult, { args: [declined] })).toBe('accepted');
    // The provider sends an event again when our answer was slow: same event id, not a second failure.
    expect(
      await handle.executeUpdate(providerResult, {
        args: [{ ...declined, commandId: randomUUID() }],
      }),
    ).toBe('accepted');

    const checkout2 = await handle.executeUpdate(startCheckout, {
      args: [{ by: 'auth0|client', commandId: randomUUID() }],
    });
    expect(checkout2.paymentIntentId).toBe(`pi_${inv}-checkout-2`);
    const paid = provider({
      outcome: 'succeeded',
      paymentIntentId: checkout2.paymentIntentId,
      amount: 10_000,
    });
    expect(await handle.executeUpdate(providerResult, { args: [paid] })).toBe('accepted');
    expect(await handle.result()).toBe('paid');

    const calls = suite.doubles.calls(workflowId);
    // Announced by the approval's step: no second invoice email. The provider's calls are ordinary activities.
    expect(calls.map((c) => [c.name, c.local])).toEqual([
      ['createPaymentIntent', false],
      ['record', true],
      ['record', true],
      ['createPaymentIntent', false],
      ['record', true],
      ['record', true],
      ['notify', true],
    ]);
    expect(suite.doubles.calls(workflowId, 'createPaymentIntent').map((c) => c.args[0])).toEqual([
      { invoiceId: inv, amount: 10_000, currency: 'EUR', idempotencyKey: `${inv}-checkout-1` },
      { invoiceId: inv, amount: 10_000, currency: 'EUR', idempotencyKey: `${inv}-checkout-2` },
    ]);
    const pay1 = paymentIdFor(`${inv}/${checkout1.paymentIntentId}`);
    const pay2 = paymentIdFor(`${inv}/${checkout2.paymentIntentId}`);
    expect(recorded(workflowId)).toEqual([
      invoiceRecord(
        workflowId,
        'RecordPaymentRequested',
        {
          paymentId: pay1,
          method: 'stripe',
          amount: 10_000,
          providerReference: checkout1.paymentIntentId,
        },
        'auth0|client',
        { step: 'checkout-1' },
      ),
      invoiceRecord(
        workflowId,
        'RecordPaymentFailed',
        { paymentId: pay1, reason: 'card_declined' },
        null,
        { commandId: declined.commandId },
      ),
      invoiceRecord(
        workflowId,
        'RecordPaymentRequested',
        {
          paymentId: pay2,
          method: 'stripe',
          amount: 10_000,
          providerReference: checkout2.paymentIntentId,
        },
        'auth0|client',
        { step: 'checkout-2' },
      ),
      invoiceRecord(
        workflowId,
        'RecordPaymentSucceeded',
        { paymentId: pay2, method: 'stripe', amount: 10_000, reference: checkout2.paymentIntentId },
        null,
        { commandId: paid.commandId },
      ),
    ]);
    expect(suite.doubles.commands(workflowId).map(([, id]) => id)).toEqual([
      nameId('workflow', workflowId, 'checkout-1'),
      declined.commandId,
      nameId('workflow', workflowId, 'checkout-2'),
      paid.commandId,
    ]);
    expect(suite.doubles.calls(workflowId, 'notify')[0]!.args).toEqual([
      { template: 'payment-receipt', to: CLIENT, params: { ...params(input), paid: 10_000 } },
    ]);
  });

  it('a checkout the provider refuses fails with its reason, and the invoice waits as before', async () => {
    const { workflowId, handle, stateBecomes } = await start({ announced: true });
    suite.doubles.script(workflowId, {
      createPaymentIntent: async () => {
        throw ApplicationFailure.nonRetryable('Amount must be at least 50 cents', 'invalid');
      },
    });
    expect(
      await refusal(
        handle.executeUpdate(startCheckout, {
          args: [{ by: 'auth0|client', commandId: randomUUID() }],
        }),
      ),
    ).toEqual({
      type: 'invalid',
      message: 'Amount must be at least 50 cents',
    });
    await stateBecomes({ status: 'open', amountPaid: 0, amountDue: 10_000 });
    // Refused for good: asked once, and nothing recorded.
    expect(suite.doubles.calls(workflowId).map((c) => c.name)).toEqual(['createPaymentIntent']);
    await handle.terminate('test over');
  });

  it('overdue at its due date, reminded, then paid', async () => {
    const { input, workflowId, handle, stateBecomes } = await start({
      dueAt: inMs(1000),
      reminderEveryMs: 1500,
    });
    await eventually(
      async () => templates(workflowId).includes('invoice-reminder'),
      10_000,
      'a reminder',
    );
    await stateBecomes({ status: 'overdue', amountPaid: 0, amountDue: 10_000 });
    // Overdue invoices still take payment.
    const transfer = manual(10_000);
    expect(await handle.executeUpdate(recordManualPayment, { args: [transfer] })).toBe('accepted');
    expect(await handle.result()).toBe('paid');

    expect(templates(workflowId).slice(0, 3)).toEqual([
      'invoice-issued',
      'invoice-overdue',
      'invoice-reminder',
    ]);
    const reminder = suite.doubles.calls(workflowId, 'notify')[2]!;
    expect(reminder.args).toEqual([
      { template: 'invoice-reminder', to: CLIENT, params: { ...params(input), amountDue: 10_000 } },
    ]);
    const [overdue, payment] = suite.doubles.calls(workflowId, 'record');
    expect(overdue!.args).toEqual([
      invoiceRecord(workflowId, 'RecordInvoiceOverdue', {}, null, { step: 'overdue' }),
    ]);
    expect(overdue!.commandId).toBe(nameId('workflow', workflowId, 'overdue'));
    expect(overdue!.at).toBeGreaterThanOrEqual(Date.parse(input.dueAt));
    expect(reminder.at).toBeGreaterThan(overdue!.at);
    // Overdue once, whatever the reminders after it.
    expect(recorded(workflowId).map((r) => r.type)).toEqual([
      'RecordInvoiceOverdue',
      'RecordPaymentSucceeded',
    ]);
    expect(payment!.commandId).toBe(transfer.commandId);
  });

  it('saga: a charge whose receipt fails for good is refunded under its own key, and the invoice is open again', async () => {
    const { input, workflowId, handle, stateBecomes } = await start({ announced: true });
    const inv = input.invoiceId;
    suite.doubles.script(workflowId, {
      notify: async (n) => {
        if (n.template === 'payment-receipt') throw new Error('the mail server is down');
      },
    });
    const { paymentIntentId } = await handle.executeUpdate(startCheckout, {
      args: [{ by: 'auth0|client', commandId: randomUUID() }],
    });
    const charge = provider({ outcome: 'succeeded', paymentIntentId, amount: 10_000 });
    expect(await handle.executeUpdate(providerResult, { args: [charge] })).toBe('accepted');
    await eventually(
      async () => recorded(workflowId).some((r) => r.type === 'RecordPaymentRefunded'),
      15_000,
      'the refund',
    );
    await stateBecomes({ status: 'open', amountPaid: 0, amountDue: 10_000 });

    // Three attempts at the receipt (the confirmation's retry policy), then the compensation.
    expect(suite.doubles.calls(workflowId, 'notify').map((c) => c.attempt)).toEqual([1, 2, 3]);
    expect(suite.doubles.calls(workflowId, 'refund').map((c) => [c.args[0], c.local])).toEqual([
      [
        { paymentIntentId, amount: 10_000, idempotencyKey: `${inv}-refund-${paymentIntentId}` },
        false,
      ],
    ]);
    const paymentId = paymentIdFor(`${inv}/${paymentIntentId}`);
    expect(recorded(workflowId).slice(1)).toEqual([
      invoiceRecord(
        workflowId,
        'RecordPaymentSucceeded',
        { paymentId, method: 'stripe', amount: 10_000, reference: paymentIntentId },
        null,
        { commandId: charge.commandId },
      ),
      invoiceRecord(
        workflowId,
        'RecordPaymentRefunded',
        {
          paymentId,
          amount: 10_000,
          refundReference: `re_${inv}-refund-${paymentIntentId}`,
          reason: 'the payment could not be confirmed',
        },
        null,
        { step: `refund-${paymentIntentId}` },
      ),
    ]);
    // Open for payment again: the whole amount is due.
    expect(await handle.executeUpdate(recordManualPayment, { args: [manual(10_000)] })).toBe(
      'accepted',
    );
    expect(await handle.result()).toBe('paid');
  });

  it('cancelled, once the component takes the cancellation', async () => {
    const { workflowId, handle, stateBecomes } = await start({ announced: true });
    const refusedByComponent = { by: ADMIN, reason: 'Duplicate', commandId: randomUUID() };
    suite.doubles.script(workflowId, {
      record: async (r) =>
        r.commandId === refusedByComponent.commandId
          ? { status: 'rejected', code: 'conflict', reason: 'not now' }
          : { status: 'accepted', version: 2 },
    });
    expect(await handle.executeUpdate(cancelInvoice, { args: [refusedByComponent] })).toBe(
      'accepted',
    );
    await eventually(
      async () => recorded(workflowId).length === 1,
      10_000,
      'the first cancellation',
    );
    await stateBecomes({ status: 'open', amountPaid: 0, amountDue: 10_000 });

    const cancellation = { by: ADMIN, reason: 'Duplicate', commandId: randomUUID() };
    expect(await handle.executeUpdate(cancelInvoice, { args: [cancellation] })).toBe('accepted');
    expect(await handle.result()).toBe('cancelled');
    expect(recorded(workflowId)).toEqual(
      [refusedByComponent, cancellation].map((c) =>
        invoiceRecord(
          workflowId,
          'RecordInvoiceCancelled',
          { by: ADMIN, reason: 'Duplicate' },
          ADMIN,
          { commandId: c.commandId },
        ),
      ),
    );
    // Announced, never paid: nobody was emailed.
    expect(suite.doubles.calls(workflowId, 'notify')).toEqual([]);
    await expect(
      handle.executeUpdate(startCheckout, {
        args: [{ by: 'auth0|client', commandId: randomUUID() }],
      }),
    ).rejects.toBeInstanceOf(WorkflowNotFoundError);
  });

  it('refuses to cancel an invoice with payments', async () => {
    const { handle, stateBecomes } = await start({ announced: true });
    await handle.executeUpdate(recordManualPayment, { args: [manual(1000)] });
    await stateBecomes({ status: 'open', amountPaid: 1000, amountDue: 9000 });
    expect(
      await refusal(
        handle.executeUpdate(cancelInvoice, {
          args: [{ by: ADMIN, reason: 'Duplicate', commandId: randomUUID() }],
        }),
      ),
    ).toEqual({
      type: 'conflict',
      message: 'refund the payments before cancelling',
    });
    await handle.terminate('test over');
  });

  it('of decisions that reach it together, the one that settles the invoice is taken and the others are refused', async () => {
    // No worker on this queue until every decision is with the server: they reach the workflow in
    // one task, in the order they were sent, before the first is recorded.
    const queue = `${suite.taskQueue}-together`;
    const { workflowId, handle } = await start({ announced: true }, queue);
    const whole = manual(10_000);
    const sent = await inOrder([
      () => handle.executeUpdate(recordManualPayment, { args: [whole] }),
      () => refusal(handle.executeUpdate(recordManualPayment, { args: [manual(10_000)] })),
      () =>
        refusal(
          handle.executeUpdate(cancelInvoice, {
            args: [{ by: ADMIN, reason: 'Duplicate', commandId: randomUUID() }],
          }),
        ),
      () =>
        refusal(
          handle.executeUpdate(startCheckout, {
            args: [{ by: 'auth0|client', commandId: randomUUID() }],
          }),
        ),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    expect(await suite.workerUntil(queue, () => handle.result())).toBe('paid');
    const answers: unknown[] = await Promise.all(sent);
    expect(answers).toEqual([
      'accepted',
      ...Array.from({ length: 3 }, () => ({
        type: 'conflict',
        message: 'already decided: the invoice is being paid',
      })),
    ]);
    // Only the decision taken was recorded: none was accepted and then left unanswered.
    expect(recorded(workflowId).map((r) => r.commandId)).toEqual([whole.commandId]);
  });

  it('of two transfers that reach it together, one that would pay more than is left is refused', async () => {
    const queue = `${suite.taskQueue}-together-parts`;
    const { workflowId, handle } = await start({ announced: true }, queue);
    const part = manual(6000);
    const sent = await inOrder([
      () => handle.executeUpdate(recordManualPayment, { args: [part] }),
      () => refusal(handle.executeUpdate(recordManualPayment, { args: [manual(6000)] })),
      () =>
        refusal(
          handle.executeUpdate(cancelInvoice, {
            args: [{ by: ADMIN, reason: 'Duplicate', commandId: randomUUID() }],
          }),
        ),
    ]);
    await new Promise((r) => setTimeout(r, 500));
    await suite.workerUntil(queue, async () => {
      await eventually(async () => recorded(workflowId).length === 1, 10_000, 'the transfer');
    });
    expect(await Promise.all(sent)).toEqual([
      'accepted',
      { type: 'invalid', message: 'at most 4000 is due' },
      { type: 'conflict', message: 'refund the payments before cancelling' },
    ]);
    await handle.terminate('test over');
  });

  it('provider payments that do not fit (another currency, more than is due, not what the checkout asked) are recorded apart, never counted', async () => {
    const { input, workflowId, handle, stateBecomes } = await start({ announced: true });
    const inv = input.invoiceId;
    const { paymentIntentId } = await handle.executeUpdate(startCheckout, {
      args: [{ by: 'auth0|client', commandId: randomUUID() }],
    });
    const dollars = provider({
      outcome: 'succeeded',
      paymentIntentId,
      amount: 10_000,
      currency: 'USD',
    });
    const tooMuch = provider({
      outcome: 'succeeded',
      paymentIntentId: 'pi_made_elsewhere',
      amount: 20_000,
    });
    const changed = provider({ outcome: 'succeeded', paymentIntentId, amount: 5000 });
    for (const r of [dollars, tooMuch, changed])
      expect(await handle.executeUpdate(providerResult, { args: [r] })).toBe('accepted');
    await eventually(async () => recorded(workflowId).length === 4, 10_000, 'the three payments');
    await stateBecomes({ status: 'open', amountPaid: 0, amountDue: 10_000 });

    const unmatched = (r: ProviderResult, reason: string) =>
      invoiceRecord(
        workflowId,
        'RecordUnmatchedPayment',
        {
          paymentId: paymentIdFor(`${inv}/${r.paymentIntentId}`),
          amount: r.amount,
          currency: r.currency!,
          providerReference: r.paymentIntentId,
          reason,
        },
        null,
        { commandId: r.commandId },
      );
    expect(recorded(workflowId).slice(1)).toEqual([
      unmatched(dollars, 'paid in USD, the invoice is in EUR'),
      unmatched(tooMuch, '20000 paid, only 10000 is due'),
      unmatched(changed, '5000 paid, the checkout asked for 10000'),
    ]);
    // No receipt for money that did not count.
    expect(suite.doubles.calls(workflowId, 'notify')).toEqual([]);

    const fits = provider({ outcome: 'succeeded', paymentIntentId, amount: 10_000 });
    await handle.executeUpdate(providerResult, { args: [fits] });
    expect(await handle.result()).toBe('paid');
    expect(recorded(workflowId).at(-1)!.type).toBe('RecordPaymentSucceeded');
  });

  it('a provider success of no money is left out, and the payments after it go through', async () => {
    const { workflowId, handle, stateBecomes } = await start();
    // As the real step does: such a command breaks its contract, and every attempt fails.
    suite.doubles.script(workflowId, {
      record: async (r) => {
        if (r.type === 'RecordPaymentSucceeded' && r.data.amount < 1)
          throw new Error('body.amount must be >= 1');
        return { status: 'accepted', version: 2 };
      },
    });
    const nothing = provider({ outcome: 'succeeded', paymentIntentId: 'pi_nothing', amount: 0 });
    expect(await handle.executeUpdate(providerResult, { args: [nothing] })).toBe('accepted');
    expect(await handle.executeUpdate(recordManualPayment, { args: [manual(10_000)] })).toBe(
      'accepted',
    );
    await stateBecomes({ status: 'paid', amountPaid: 10_000, amountDue: 0 });
    expect(recorded(workflowId).map((r) => r.type)).toEqual(['RecordPaymentSucceeded']);
  });

  it('a provider payment reported after the process ended is recorded as unmatched by its own workflow', async () => {
    const invoiceId = randomUUID();
    const late = {
      invoiceId,
      ended: 'paid' as const,
      paymentIntentId: 'pi_second',
      amount: 10_000,
      currency: 'EUR',
      commandId: randomUUID(),
    };
    const workflowId = workflowIds.latePayment(invoiceId, 'pi_second');
    const result = await suite.env.client.workflow.execute<typeof lateProviderPayment>(
      'lateProviderPayment',
      { taskQueue: suite.taskQueue, workflowId, args: [late] },
    );
    expect(result).toBe('accepted');
    expect(suite.doubles.calls(workflowId).map((c) => [c.name, c.args[0], c.commandId])).toEqual([
      [
        'record',
        {
          streamId: `invoice-${invoiceId}`,
          type: 'RecordUnmatchedPayment',
          data: {
            paymentId: paymentIdFor(`${invoiceId}/pi_second`),
            amount: 10_000,
            currency: 'EUR',
            providerReference: 'pi_second',
            reason: 'paid after the invoice was paid',
          },
          userId: null,
          commandId: late.commandId,
        },
        late.commandId,
      ],
    ]);
  });
});
