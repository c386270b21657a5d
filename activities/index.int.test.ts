import { randomUUID } from 'node:crypto';
import { ApplicationFailure } from '@temporalio/activity';
import type { Info } from '@temporalio/activity';
import type { CommandEnvelope } from '../contracts/envelope';
import { streamCategory } from '../contracts/envelope';
import { nameId } from '../contracts/ids';
import type { CommandPublisher } from '../platform/eventlog/reconnectingPublisher';
import { InvalidCommand } from '../platform/outcomes/commandSender';
import { OutcomeWaiter, recordOutcome } from '../platform/outcomes/outcomes';
import type { MailMessage, Mailer } from '../platform/mail/port';
import { PaymentProviderError, type PaymentProvider } from '../platform/payments/port';
import { EffectInProgress } from '../platform/effects/once';
import { postgresEffectLedger } from '../platform/postgres/effectLedger';
import { testDatabase, type TestDatabase } from '../test/support/env';
import { MockActivityEnvironment } from '@temporalio/testing';
import type { InvoicePaymentInput } from '../workflows/payments/messages';
import { createActivities, type ActivityDeps } from '.';
import type { InvoiceDraft, RecordRequest } from './types';
import { workflowIds } from '../workflows/ids';

jest.setTimeout(30_000);

/*
 * The activities in an activity context, without a worker: the real command sender (contract
 * checks), outcome waiter, Postgres (outcomes, the estimate view, the effect ledger) and notice
 * templates; doubles for the log (it decides as the component would), the mail server and the
 * payment provider.
 */

let db: TestDatabase;
let outcomes: OutcomeWaiter;
beforeAll(async () => {
  db = await testDatabase();
  outcomes = new OutcomeWaiter(db.pool, db.url);
  await outcomes.start();
});
afterAll(async () => {
  await outcomes?.stop();
  await db?.drop();
});

type Decision =
  { status: 'accepted' } | { status: 'rejected'; code: 'conflict'; reason: string } | 'no answer';

/** Everything the activities touched, in order. */
type Effect =
  | { kind: 'command'; command: CommandEnvelope }
  | { kind: 'mail'; message: MailMessage }
  | { kind: 'start'; input: InvoicePaymentInput }
  | { kind: 'provider'; call: string; input: unknown };

function world(
  decide: (c: CommandEnvelope) => Decision = () => ({ status: 'accepted' }),
  over: Partial<ActivityDeps> = {},
) {
  const effects: Effect[] = [];
  const log: CommandPublisher = {
    // The component: decides a command once and announces it; a repeat is ignored, announced by nobody.
    async sendCommand(command) {
      effects.push({ kind: 'command', command });
      const d = decide(command);
      if (d === 'no answer') return;
      const { commandId, streamId, userId } = {
        commandId: command.id,
        streamId: command.streamId,
        userId: command.metadata.userId,
      };
      await recordOutcome(db.pool, {
        commandId,
        category: streamCategory(streamId),
        streamId,
        userId,
        ...d,
      });
    },
    isConnected: () => true,
    close: async () => undefined,
  };
  const mailer: Mailer = {
    kind: 'test',
    async send(message) {
      effects.push({ kind: 'mail', message });
    },
    close: () => undefined,
  };
  const provider: PaymentProvider = {
    name: 'test',
    async createIntent(input) {
      effects.push({ kind: 'provider', call: 'createIntent', input });
      return {
        id: `pi_${input.idempotencyKey}`,
        clientSecret: 'secret',
        amount: input.amount,
        currency: input.currency,
        status: 'requires_payment_method',
      };
    },
    async refund(input) {
      effects.push({ kind: 'provider', call: 'refund', input });
      return { id: `re_${input.idempotencyKey}`, amount: input.amount, status: 'succeeded' };
    },
    parseWebhook: () => {
      throw new Error('not in these tests');
    },
  };
  const activities = createActivities({
    log,
    outcomes,
    db: db.pool,
    mailer,
    effects: postgresEffectLedger(db.pool),
    provider,
    appUrl: 'https://app.example/',
    startPayment: async (input) => void effects.push({ kind: 'start', input }),
    outcomeWaitMs: 2000,
    ...over,
  });
  return {
    activities,
    effects,
    commands: () => effects.flatMap((e) => (e.kind === 'command' ? [e.command] : [])),
  };
}

/** An activity attempt for a workflow: its id is what every id is derived from. */
const attempt = (workflowId: string, info: Partial<Info> = {}) =>
  new MockActivityEnvironment({
    workflowExecution: { workflowId, runId: randomUUID() },
    isLocal: true,
    ...info,
  });

const expiry = (estimateId: string): RecordRequest => ({
  streamId: `estimate-${estimateId}`,
  type: 'RecordEstimateExpired',
  data: {},
  userId: null,
  step: 'expired',
});

describe('record', () => {
  it('sends the same command from every attempt and every run of a step, and a repeat finds the first outcome', async () => {
    const { activities, commands } = world();
    const id = randomUUID();
    const workflowId = workflowIds.estimateApproval(id);
    expect(await attempt(workflowId).run(activities.record, expiry(id))).toEqual({
      status: 'accepted',
      version: 0,
    });
    // A later attempt (the first one's answer was lost), under another run id after a reset.
    expect(await attempt(workflowId, { attempt: 3 }).run(activities.record, expiry(id))).toEqual({
      status: 'accepted',
      version: 0,
    });
    const [first, again] = commands();
    expect(first!.id).toBe(nameId('workflow', workflowId, 'expired'));
    expect(again!.id).toBe(first!.id);
    expect(first).toMatchObject({
      type: 'RecordEstimateExpired',
      streamId: workflowId,
      expectedVersion: null,
      data: {},
      metadata: { correlationId: workflowId, userId: null },
    });
  });

  it('sends the waiting request’s command id as is, and hands back a refusal', async () => {
    const { activities, commands } = world(() => ({
      status: 'rejected',
      code: 'conflict',
      reason: 'the estimate is not sent',
    }));
    const id = randomUUID();
    const commandId = randomUUID();
    const request: RecordRequest = {
      streamId: `estimate-${id}`,
      type: 'RecordEstimateApproved',
      data: { by: 'auth0|client' },
      userId: 'auth0|client',
      commandId,
    };
    expect(await attempt(workflowIds.estimateApproval(id)).run(activities.record, request)).toEqual(
      { status: 'rejected', code: 'conflict', reason: 'the estimate is not sent' },
    );
    expect(commands().map((c) => [c.id, c.metadata.userId])).toEqual([[commandId, 'auth0|client']]);
  });

  it('fails the attempt when no outcome comes, so Temporal tries again', async () => {
    const { activities } = world(() => 'no answer', { outcomeWaitMs: 500 });
    const id = randomUUID();
    await expect(
      attempt(workflowIds.estimateApproval(id)).run(activities.record, expiry(id)),
    ).rejects.toThrow(/no outcome for RecordEstimateExpired/);
  });

  it('refuses a command that breaks its contract before it reaches the log', async () => {
    const { activities, commands } = world();
    const id = randomUUID();
    // What the types would not let a workflow write, as a command from an older worker could be.
    const bad = {
      ...expiry(id),
      type: 'RecordEstimateSent',
      data: { clientEmail: 'not an address' },
    } as unknown as RecordRequest;
    await expect(
      attempt(workflowIds.estimateApproval(id)).run(activities.record, bad),
    ).rejects.toBeInstanceOf(InvalidCommand);
    expect(commands()).toEqual([]);
  });
});

describe('notices', () => {
  it('notify sends the notice as the client reads it, with a link into the app', async () => {
    const { activities, effects } = world();
    const invoiceId = randomUUID();
    await attempt(workflowIds.invoicePayment(invoiceId)).run(activities.notify, {
      template: 'invoice-issued' as const,
      to: 'client@example.com',
      params: { invoiceId, amount: 12345, currency: 'EUR', dueAt: '2030-01-31T00:00:00.000Z' },
    });
    expect(effects).toEqual([
      {
        kind: 'mail',
        message: {
          to: 'client@example.com',
          subject: 'Invoice for 123.45 EUR',
          text: `An invoice of 123.45 EUR is due by 2030-01-31T00:00:00.000Z.\nPay it here: https://app.example/invoices/${invoiceId}`,
        },
      },
    ]);
  });

  it('a mail server that fails fails the attempt', async () => {
    const { activities } = world(undefined, {
      mailer: {
        kind: 'down',
        send: async () => Promise.reject(new Error('ECONNREFUSED')),
        close: () => undefined,
      },
    });
    await expect(
      attempt('invoice-x').run(activities.notify, {
        template: 'invoice-overdue' as const,
        to: 'client@example.com',
        params: { invoiceId: 'x', dueAt: 'soon' },
      }),
    ).rejects.toThrow('ECONNREFUSED');
  });

  it('recordThenNotify emails only once the record is accepted', async () => {
    const id = randomUUID();
    const reminder: RecordRequest = {
      streamId: `estimate-${id}`,
      type: 'RecordEstimateReminder',
      data: { clientEmail: 'client@example.com' },
      userId: null,
      step: 'reminder',
    };
    const notice = {
      template: 'estimate-reminder' as const,
      to: 'client@example.com',
      params: { title: 'Shop', estimateId: id, expiresAt: '2030-01-31T00:00:00.000Z' },
    };

    const refused = world(() => ({
      status: 'rejected',
      code: 'conflict',
      reason: 'already decided',
    }));
    expect(
      await attempt(workflowIds.estimateApproval(id)).run(
        refused.activities.recordThenNotify,
        reminder,
        notice,
      ),
    ).toMatchObject({ status: 'rejected' });
    expect(refused.effects.map((e) => e.kind)).toEqual(['command']);

    const other = randomUUID();
    const accepted = world();
    await attempt(workflowIds.estimateApproval(other)).run(
      accepted.activities.recordThenNotify,
      { ...reminder, streamId: `estimate-${other}` },
      notice,
    );
    expect(accepted.effects.map((e) => e.kind)).toEqual(['command', 'mail']);
  });
});

describe('the payment provider', () => {
  it('gets the workflow’s idempotency key as is, once: a retried attempt gets the recorded intent and refund without asking again', async () => {
    const { activities, effects } = world();
    const key = `inv-${randomUUID()}`;
    const input = {
      invoiceId: randomUUID(),
      amount: 5000,
      currency: 'EUR',
      idempotencyKey: `${key}-checkout-1`,
    };
    const first: { id: string } = await attempt('invoice-1', { isLocal: false }).run(
      activities.createPaymentIntent,
      input,
    );
    const retried = await attempt('invoice-1', { isLocal: false, attempt: 2 }).run(
      activities.createPaymentIntent,
      input,
    );
    expect(first).toEqual({ id: `pi_${key}-checkout-1`, clientSecret: 'secret' });
    expect(retried).toEqual(first);
    const refund = {
      paymentIntentId: first.id,
      amount: 5000,
      idempotencyKey: `${key}-refund-${first.id}`,
    };
    const refunded = await attempt('invoice-1', { isLocal: false }).run(activities.refund, refund);
    expect(refunded).toEqual({ id: `re_${key}-refund-${first.id}` });
    expect(
      await attempt('invoice-1', { isLocal: false, attempt: 2 }).run(activities.refund, refund),
    ).toEqual(refunded);
    expect(effects).toEqual([
      { kind: 'provider', call: 'createIntent', input },
      { kind: 'provider', call: 'refund', input: refund },
    ]);
  });

  it('a provider refusal records nothing: the next checkout with that key asks the provider again', async () => {
    let refuse = true;
    const calls: string[] = [];
    const { activities } = world(undefined, {
      provider: {
        name: 'flaky',
        async createIntent(input) {
          calls.push(input.idempotencyKey);
          if (refuse) throw new PaymentProviderError('connection reset', true, 'api_error');
          return { ...input, id: 'pi_1', clientSecret: null, status: 'requires_payment_method' };
        },
        refund: async () => Promise.reject(new Error('not in this test')),
        parseWebhook: () => {
          throw new Error('not in this test');
        },
      },
    });
    const input = { invoiceId: 'x', amount: 10, currency: 'EUR', idempotencyKey: randomUUID() };
    await expect(
      attempt('invoice-x', { isLocal: false }).run(activities.createPaymentIntent, input),
    ).rejects.toThrow('connection reset');
    refuse = false;
    expect(
      await attempt('invoice-x', { isLocal: false, attempt: 2 }).run(
        activities.createPaymentIntent,
        input,
      ),
    ).toEqual({ id: 'pi_1', clientSecret: null });
    expect(calls).toHaveLength(2);
  });

  const failingWith = (err: Error): PaymentProvider => ({
    name: 'failing',
    createIntent: async () => Promise.reject(err),
    refund: async () => Promise.reject(err),
    parseWebhook: () => {
      throw err;
    },
  });
  const intent = {
    invoiceId: 'inv-2',
    amount: 10,
    currency: 'EUR',
    idempotencyKey: 'inv-2-checkout-1',
  };

  it('a refusal that retrying cannot change fails for good, with the provider’s reason', async () => {
    const { activities } = world(undefined, {
      provider: failingWith(
        new PaymentProviderError(
          'Amount must be at least 50 cents',
          false,
          'invalid_request_error',
        ),
      ),
    });
    const err = await attempt('invoice-2')
      .run(activities.createPaymentIntent, intent)
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({
      type: 'invalid',
      nonRetryable: true,
      message: 'Amount must be at least 50 cents',
    });
  });

  it('an outage is left to Temporal’s retries', async () => {
    const outage = new PaymentProviderError('connection reset', true, 'api_connection_error');
    const { activities } = world(undefined, { provider: failingWith(outage) });
    await expect(
      attempt('invoice-2').run(activities.refund, {
        paymentIntentId: 'pi_1',
        amount: 10,
        idempotencyKey: 'k',
      }),
    ).rejects.toBe(outage);
  });

  it('without a provider configured, a checkout fails for good', async () => {
    const { activities } = world(undefined, { provider: null });
    await expect(
      attempt('invoice-2').run(activities.createPaymentIntent, intent),
    ).rejects.toMatchObject({
      type: 'invalid',
      nonRetryable: true,
      message: 'online payment is not configured',
    });
  });
});

describe('approveAndInvoice', () => {
  /** A sent estimate in the view: 1234.56 EUR with a 50% deposit (for runs started without their terms). */
  async function sentEstimate(depositPercent = 50, total = 123_456): Promise<string> {
    const id = randomUUID();
    await db.pool.query(
      `INSERT INTO estimation.estimates (id, project_id, title, currency, tax_rate, discount, deposit_percent, valid_until, notes, client_email,
         created_by, status, total, version, created_at, updated_at)
       VALUES ($1, $2, 'Shop', 'EUR', 0, 0, $3, '2099-12-31', '', 'client@example.com', $2, 'sent', $4, 2, now(), now())`,
      [id, randomUUID(), depositPercent, total],
    );
    return id;
  }
  const PROJECT = randomUUID();
  /** The terms the run was started with: 1234.56 EUR with a 50% deposit. */
  const terms = (depositPercent = 50, total = 123_456) => ({
    projectId: PROJECT,
    clientEmail: 'client@example.com',
    currency: 'EUR',
    total,
    depositPercent,
  });
  const approval = (
    estimateId: string,
    withTerms: ReturnType<typeof terms> | null = terms(),
    commandId = randomUUID(),
  ) => ({
    approval: {
      streamId: `estimate-${estimateId}`,
      type: 'RecordEstimateApproved',
      data: { by: 'auth0|client' },
      userId: 'auth0|client',
      commandId,
    } satisfies RecordRequest,
    invoice: {
      estimateId,
      approvedAt: '2030-01-01T10:00:00.000Z',
      approvedBy: 'auth0|client',
      sentBy: 'auth0|dev',
      dueInMs: 86_400_000,
      reminderEveryMs: 3_600_000,
      ...(withTerms ? { terms: withTerms } : {}),
    },
  });

  it('records the approval, starts the payment process, then issues the invoice, then tells the client: the same on a retry', async () => {
    const { activities, effects } = world();
    // Not in the views: the amount comes from the terms the process was given, nothing is read.
    const estimateId = randomUUID();
    const workflowId = workflowIds.estimateApproval(estimateId);
    const input = approval(estimateId);
    const first = await attempt(workflowId).run(activities.approveAndInvoice, input);
    const invoiceId = nameId('invoice', estimateId);
    const draft = {
      invoiceId,
      estimateId,
      projectId: PROJECT,
      currency: 'EUR',
      amount: 61_728,
      kind: 'deposit',
      // From the approval's time, not the attempt's.
      dueAt: '2030-01-02T10:00:00.000Z',
      clientEmail: 'client@example.com',
    };
    expect(first).toEqual({ approved: { status: 'accepted', version: 0 }, invoice: draft });
    expect(effects.map((e) => (e.kind === 'command' ? e.command.type : e.kind))).toEqual([
      'RecordEstimateApproved',
      'start',
      'IssueInvoice',
      'mail',
    ]);
    expect(effects[1]).toEqual({
      kind: 'start',
      input: { ...draft, reminderEveryMs: 3_600_000, issuedBy: 'auth0|dev', announced: true },
    });
    const issue = (effects[2] as { command: CommandEnvelope }).command;
    expect([issue.id, issue.streamId]).toEqual([
      nameId('workflow', workflowId, 'invoice'),
      `invoice-${invoiceId}`,
    ]);
    expect((effects[3] as { message: MailMessage }).message.text).toContain(
      `https://app.example/invoices/${invoiceId}`,
    );

    // The step's next attempt: the same commands, the same process, the same invoice.
    const retried = await attempt(workflowId, { attempt: 2 }).run(
      activities.approveAndInvoice,
      input,
    );
    expect(retried).toEqual(first);
    const commands = effects.flatMap((e) => (e.kind === 'command' ? [e.command.id] : []));
    expect(commands).toEqual([
      input.approval.commandId,
      issue.id,
      input.approval.commandId,
      issue.id,
    ]);
    expect(effects.filter((e) => e.kind === 'start')).toEqual([effects[1], effects[1]]);
    // Told once: the mail is keyed by the invoice.
    expect(effects.filter((e) => e.kind === 'mail')).toHaveLength(1);
  });

  it('a run started without its terms reads them from the estimate as it was sent', async () => {
    const { activities, effects } = world();
    const estimateId = await sentEstimate(100);
    const done: { invoice: unknown } = await attempt(workflowIds.estimateApproval(estimateId)).run(
      activities.approveAndInvoice,
      approval(estimateId, null),
    );
    expect(done.invoice).toMatchObject({
      estimateId,
      amount: 123_456,
      kind: 'full',
      currency: 'EUR',
      clientEmail: 'client@example.com',
    });
    expect(effects.map((e) => (e.kind === 'command' ? e.command.type : e.kind))).toEqual([
      'RecordEstimateApproved',
      'start',
      'IssueInvoice',
      'mail',
    ]);
  });

  it('an approval the component refuses gets no process and no invoice', async () => {
    const { activities, effects } = world(() => ({
      status: 'rejected',
      code: 'conflict',
      reason: 'the estimate has expired',
    }));
    const estimateId = randomUUID();
    expect(
      await attempt(workflowIds.estimateApproval(estimateId)).run(
        activities.approveAndInvoice,
        approval(estimateId),
      ),
    ).toEqual({
      approved: { status: 'rejected', code: 'conflict', reason: 'the estimate has expired' },
      invoice: null,
    });
    expect(effects.map((e) => e.kind)).toEqual(['command']);
  });

  it('a deposit that rounds to nothing is nothing to pay: no process, no invoice', async () => {
    const { activities, effects } = world();
    const estimateId = randomUUID();
    expect(
      await attempt(workflowIds.estimateApproval(estimateId)).run(
        activities.approveAndInvoice,
        approval(estimateId, terms(1, 10)),
      ),
    ).toMatchObject({ approved: { status: 'accepted' }, invoice: null });
    expect(effects.map((e) => e.kind)).toEqual(['command']);
  });
});

describe('issueInvoice (runs started before the local steps)', () => {
  it('issues the invoice due from when the step was scheduled: a retry names the same due date, and nothing reads the invoices', async () => {
    const { activities, commands } = world();
    const estimateId = randomUUID();
    await db.pool.query(
      `INSERT INTO estimation.estimates (id, project_id, title, currency, tax_rate, discount, deposit_percent, valid_until, notes, client_email,
         created_by, status, total, version, created_at, updated_at)
       VALUES ($1, $2, 'Shop', 'EUR', 0, 0, 100, '2099-12-31', '', 'client@example.com', $2, 'sent', 5000, 3, now(), now())`,
      [estimateId, randomUUID()],
    );
    const scheduled = Date.parse('2030-03-01T00:00:00.000Z');
    const step = { estimateId, dueInMs: 86_400_000, userId: 'auth0|client' };
    const first = await attempt(workflowIds.estimateApproval(estimateId), {
      isLocal: false,
      scheduledTimestampMs: scheduled,
    }).run(activities.issueInvoice, step);
    const again = await attempt(workflowIds.estimateApproval(estimateId), {
      isLocal: false,
      attempt: 2,
      scheduledTimestampMs: scheduled,
    }).run(activities.issueInvoice, step);
    expect(first).toMatchObject({ amount: 5000, dueAt: '2030-03-02T00:00:00.000Z' });
    expect(again).toEqual(first);
    expect(commands().map((c) => [c.type, c.id])).toEqual([
      ['IssueInvoice', nameId('workflow', workflowIds.estimateApproval(estimateId), 'invoice')],
      ['IssueInvoice', nameId('workflow', workflowIds.estimateApproval(estimateId), 'invoice')],
    ]);
  });
});

describe('a send', () => {
  it('is recorded only as the draft it was read from: the step carries its expected version', async () => {
    const { activities, commands } = world();
    const id = randomUUID();
    const sent: RecordRequest = {
      streamId: `estimate-${id}`,
      type: 'RecordEstimateSent',
      data: {
        clientEmail: 'client@example.com',
        expiresAt: '2030-01-31T00:00:00.000Z',
        sentBy: 'auth0|dev',
      },
      userId: 'auth0|dev',
      commandId: randomUUID(),
      expectedVersion: 4,
    };
    await attempt(workflowIds.estimateApproval(id)).run(activities.record, sent);
    expect(commands()[0]).toMatchObject({ type: 'RecordEstimateSent', expectedVersion: 4 });
  });
});

describe('effects happen once', () => {
  /** One step of one run: every attempt of it, and its replay, has this activity info. */
  const step = (workflowId: string, runId: string, activityId: string, info: Partial<Info> = {}) =>
    new MockActivityEnvironment({
      workflowExecution: { workflowId, runId },
      activityId,
      isLocal: true,
      startToCloseTimeoutMs: 10_000,
      ...info,
    });
  const reminder = (invoiceId: string) => ({
    template: 'invoice-reminder' as const,
    to: 'client@example.com',
    params: { invoiceId, amountDue: 500, currency: 'EUR', dueAt: '2030-01-31T00:00:00.000Z' },
  });
  const mails = (effects: Effect[]) => effects.filter((e) => e.kind === 'mail');

  it('a notice step run again (the worker died before its result was kept) mails once; the next reminder is a mail of its own', async () => {
    const { activities, effects } = world();
    const invoiceId = randomUUID();
    const wf = workflowIds.invoicePayment(invoiceId);
    const run = randomUUID();
    await step(wf, run, '4').run(activities.notify, reminder(invoiceId));
    await step(wf, run, '4', { attempt: 2 }).run(activities.notify, reminder(invoiceId));
    // Replayed by the next worker: same run, same activity id, first attempt again.
    await step(wf, run, '4').run(activities.notify, reminder(invoiceId));
    expect(mails(effects)).toHaveLength(1);
    // The next reminder of the same invoice: the same notice, another step.
    await step(wf, run, '6').run(activities.notify, reminder(invoiceId));
    expect(mails(effects)).toHaveLength(2);
  });

  it('recordThenNotify retried after its record was accepted records again (decided once) and mails once', async () => {
    const { activities, effects } = world();
    const id = randomUUID();
    const wf = workflowIds.estimateApproval(id);
    const run = randomUUID();
    const request: RecordRequest = {
      streamId: `estimate-${id}`,
      type: 'RecordEstimateReminder',
      data: { clientEmail: 'client@example.com' },
      userId: null,
      step: 'reminder',
    };
    const notice = {
      template: 'estimate-reminder' as const,
      to: 'client@example.com',
      params: { title: 'Shop', estimateId: id, expiresAt: '2030-01-31T00:00:00.000Z' },
    };
    for (const n of [1, 2, 3])
      expect(
        await step(wf, run, '2', { attempt: n }).run(activities.recordThenNotify, request, notice),
      ).toMatchObject({ status: 'accepted' });
    expect(effects.map((e) => e.kind)).toEqual(['command', 'mail', 'command', 'command']);
  });

  it('an invoice is announced once, whatever happens to the runs: a retried step, another run, the payment process', async () => {
    const { activities, effects } = world();
    const estimateId = randomUUID();
    const wf = workflowIds.estimateApproval(estimateId);
    const input = {
      approval: {
        streamId: `estimate-${estimateId}`,
        type: 'RecordEstimateApproved',
        data: { by: 'auth0|client' },
        userId: 'auth0|client',
        commandId: randomUUID(),
      } satisfies RecordRequest,
      invoice: {
        estimateId,
        approvedAt: '2030-01-01T10:00:00.000Z',
        approvedBy: 'auth0|client',
        sentBy: 'auth0|dev',
        dueInMs: 86_400_000,
        reminderEveryMs: 3_600_000,
        terms: {
          projectId: randomUUID(),
          clientEmail: 'client@example.com',
          currency: 'EUR',
          total: 10_000,
          depositPercent: 100,
        },
      },
    };
    const run = randomUUID();
    const { invoice }: { invoice: InvoiceDraft | null } = await step(wf, run, '3').run(
      activities.approveAndInvoice,
      input,
    );
    await step(wf, run, '3', { attempt: 2 }).run(activities.approveAndInvoice, input);
    await step(wf, randomUUID(), '1').run(activities.approveAndInvoice, input);
    // The payment process announces an invoice its starter did not (the older path): not twice.
    await step(workflowIds.invoicePayment(invoice!.invoiceId), randomUUID(), '1').run(
      activities.notify,
      {
        template: 'invoice-issued' as const,
        to: 'client@example.com',
        params: {
          invoiceId: invoice!.invoiceId,
          amount: 10_000,
          currency: 'EUR',
          dueAt: invoice!.dueAt,
        },
      },
    );
    expect(mails(effects)).toHaveLength(1);
  });

  it('a retry that comes while the first attempt is still sending is told to come back, and sends nothing', async () => {
    let release: () => void = () => undefined;
    const sent: string[] = [];
    const { activities } = world(undefined, {
      mailer: {
        kind: 'slow',
        async send(m) {
          if (sent.length === 0) await new Promise<void>((r) => (release = r));
          sent.push(m.to);
        },
        close: () => undefined,
      },
    });
    const invoiceId = randomUUID();
    const wf = workflowIds.invoicePayment(invoiceId);
    const run = randomUUID();
    const first = step(wf, run, '4').run(activities.notify, reminder(invoiceId));
    await new Promise((r) => setTimeout(r, 100));
    await expect(
      step(wf, run, '4', { attempt: 2 }).run(activities.notify, reminder(invoiceId)),
    ).rejects.toBeInstanceOf(EffectInProgress);
    release();
    await first;
    await step(wf, run, '4', { attempt: 3 }).run(activities.notify, reminder(invoiceId));
    expect(sent).toHaveLength(1);
  });

  it('a worker that died between the mail server’s acceptance and the record: the mail goes again once the attempt’s time is up (at least once)', async () => {
    const sent: string[] = [];
    const { activities } = world(undefined, {
      mailer: {
        kind: 'dies',
        async send(m) {
          sent.push(m.to);
          // The first attempt's process dies here: accepted by the server, never recorded.
          if (sent.length === 1) await new Promise<never>(() => undefined);
        },
        close: () => undefined,
      },
    });
    const invoiceId = randomUUID();
    const wf = workflowIds.invoicePayment(invoiceId);
    const run = randomUUID();
    const short = { startToCloseTimeoutMs: 200 };
    void step(wf, run, '4', short).run(activities.notify, reminder(invoiceId));
    await new Promise((r) => setTimeout(r, 400));
    await step(wf, run, '4', { ...short, attempt: 2 }).run(activities.notify, reminder(invoiceId));
    await step(wf, run, '4', { ...short, attempt: 3 }).run(activities.notify, reminder(invoiceId));
    expect(sent).toHaveLength(2);
  });
});
