import { invoiceDecider, type Invoice as State } from '../../components/payments/invoiceDecider';
import type { EventEnvelope } from '../../contracts/envelope';
import {
  INVOICE_CATEGORY,
  invoiceEvents,
  type InvoiceCommand,
  type InvoiceEvent,
} from '../../contracts/payments';
import type { CategoryWriter } from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import { newId } from '../../platform/ids';
import { testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  Author,
  duplicate,
  redelivering,
  rowCount,
  TestProjector,
  typesOf,
  withProjectionServers,
} from '../../test/support/projections';
import {
  findInvoice,
  listInvoices,
  type Invoice,
  type Payment,
  type UnmatchedPayment,
} from './invoiceQueries';
import { invoicesProjection } from './invoicesProjection';

jest.setTimeout(60_000);

const prefix = testPrefix();
const PROJECT = newId();
const OWNER = `auth0|owner-${uniq()}`;
const CLIENT = `auth0|client-${uniq()}`;
const CLIENT_EMAIL = `client-${uniq()}@example.com`;

let log: StanEventLog;
let writer: CategoryWriter;
let author: Author<InvoiceCommand, InvoiceEvent, State>;
let one: TestDatabase;
let many: TestDatabase;
let live: TestProjector;
let batched: TestProjector;

withProjectionServers(
  'invoices',
  prefix,
  [INVOICE_CATEGORY],
  (servers) => {
    ({ log, one, many } = servers);
    writer = servers.writers[0]!;
    author = new Author(writer, invoiceDecider);
  },
  () => [live, batched],
);

// Commands, as the payment workflow records them ---------------------------------------------------

const stream = (id: string) => `${INVOICE_CATEGORY}-${id}`;

function send<T extends InvoiceCommand['type']>(
  id: string,
  type: T,
  data: Extract<InvoiceCommand, { type: T }>['data'],
  by: string | null = null,
): void {
  author.send(stream(id), { type, data } as InvoiceCommand, by);
}

function issue(amount: number, kind: 'full' | 'deposit', clientEmail = CLIENT_EMAIL): string {
  const id = newId();
  send(id, 'IssueInvoice', {
    invoiceId: id,
    estimateId: newId(),
    projectId: PROJECT,
    currency: 'USD',
    amount,
    kind,
    dueAt: '2026-04-01T00:00:00.000Z',
    clientEmail,
  });
  return id;
}

const request = (id: string, paymentId: string, amount: number, intent: string) =>
  send(
    id,
    'RecordPaymentRequested',
    { paymentId, method: 'stripe', amount, providerReference: intent },
    CLIENT,
  );
const succeed = (
  id: string,
  paymentId: string,
  amount: number,
  method: 'manual' | 'stripe',
  reference: string,
) =>
  send(
    id,
    'RecordPaymentSucceeded',
    { paymentId, method, amount, reference },
    method === 'manual' ? OWNER : null,
  );
const refund = (id: string, paymentId: string, amount: number) =>
  send(id, 'RecordPaymentRefunded', {
    paymentId,
    amount,
    refundReference: `re_${uniq()}`,
    reason: 'the payment could not be confirmed',
  });
const unmatched = (
  id: string,
  paymentId: string,
  amount: number,
  currency: string,
  reason: string,
) =>
  send(id, 'RecordUnmatchedPayment', {
    paymentId,
    amount,
    currency,
    providerReference: `pi_${uniq()}`,
    reason,
  });

// What the views must say -------------------------------------------------------------------------

/**
 * An invoice as the invoice decider folds it (status, what was paid and refunded of each payment
 * that counted), with what only the views keep (payments that did not count, references, reasons,
 * stamps, history) worked out here from what each event says.
 */
function expectedInvoice(events: EventEnvelope[]): Invoice {
  const state = events.reduce(
    (s, e) => invoiceDecider.evolve(s, e as unknown as InvoiceEvent),
    invoiceDecider.initialState(),
  );
  const payments = new Map<string, Payment>();
  const unmatchedPayments: UnmatchedPayment[] = [];
  for (const envelope of events) {
    const e = envelope as unknown as InvoiceEvent;
    const at = envelope.metadata.timestamp;
    if (e.type === 'PaymentRequested') {
      const d = e.data;
      payments.set(d.paymentId, {
        id: d.paymentId,
        method: d.method,
        amount: d.amount,
        refunded: 0,
        status: 'requested',
        reference: d.providerReference,
        reason: null,
        createdAt: at,
        updatedAt: at,
      });
    }
    const p = 'paymentId' in e.data ? payments.get(e.data.paymentId) : undefined;
    if (e.type === 'PaymentSucceeded') {
      const d = e.data;
      payments.set(d.paymentId, {
        ...(p ?? { id: d.paymentId, method: d.method, refunded: 0, reason: null, createdAt: at }),
        amount: d.amount,
        status: 'succeeded',
        reference: d.reference,
        updatedAt: at,
      });
    }
    if (e.type === 'PaymentFailed' && p)
      payments.set(p.id, { ...p, status: 'failed', reason: e.data.reason, updatedAt: at });
    if (e.type === 'UnmatchedPaymentReceived') {
      const { paymentId, amount, currency, providerReference, reason } = e.data;
      unmatchedPayments.push({ paymentId, amount, currency, providerReference, reason, at });
      // A checkout the provider paid otherwise than asked is no longer pending.
      if (p?.status === 'requested')
        payments.set(p.id, { ...p, status: 'unmatched', reason, updatedAt: at });
    }
    if (e.type === 'PaymentRefunded' && p) payments.set(p.id, { ...p, updatedAt: at });
  }
  // What counted towards the invoice, and what of it was given back, is the decider's.
  for (const [id, counted] of Object.entries(state.payments)) {
    const p = payments.get(id)!;
    payments.set(id, {
      ...p,
      amount: counted.amount,
      refunded: counted.refunded,
      status: counted.refunded >= counted.amount ? 'refunded' : 'succeeded',
    });
  }
  const issued = state.issued!;
  const last = events[events.length - 1]!;
  return {
    id: issued.invoiceId,
    estimateId: issued.estimateId,
    projectId: issued.projectId,
    currency: issued.currency,
    amount: issued.amount,
    amountPaid: state.amountPaid,
    amountDue: Math.max(0, issued.amount - state.amountPaid),
    kind: issued.kind,
    status: state.status,
    dueAt: issued.dueAt,
    clientEmail: issued.clientEmail,
    payments: [...payments.values()].sort((a, b) => a.createdAt.localeCompare(b.createdAt)),
    unmatchedPayments,
    history: events.map((e) => ({ type: e.type, at: e.metadata.timestamp, by: e.metadata.userId })),
    version: last.version,
    createdAt: events[0]!.metadata.timestamp,
    updatedAt: last.metadata.timestamp,
  };
}

/** Every invoice of the log, read through the payments app's queries, equals the fold. */
async function expectViewsFollowTheLog(db: TestDatabase): Promise<void> {
  const all = author.streamIds.map((id) => expectedInvoice(author.eventsOf(id)));
  for (const i of all) expect(await findInvoice(db.pool, i.id)).toEqual(i);
  expect(await listInvoices(db.pool, PROJECT)).toEqual(all);
  expect(await listInvoices(db.pool, PROJECT, CLIENT_EMAIL.toUpperCase())).toEqual(
    all.filter((i) => i.clientEmail === CLIENT_EMAIL),
  );
  expect([
    await rowCount(db, 'payments.invoices'),
    await rowCount(db, 'payments.payments'),
  ]).toEqual([all.length, all.flatMap((i) => i.payments).length]);
}

// The story ---------------------------------------------------------------------------------------

const ids = { overdue: '', cancelled: '', paid: '', partlyPaid: '' };

describe('the invoices projection', () => {
  it('applies every invoice event as the invoice decider folds it, one entry per transaction or hundreds', async () => {
    live = await TestProjector.start(log, one, invoicesProjection, 1);

    // A checkout declined, one paid in the wrong currency, the due date passed, a transfer, a
    // checkout that settles it, then refunds that open it again.
    ids.overdue = issue(100_000, 'full');
    const [declined, wrongCurrency, card, transfer] = [newId(), newId(), newId(), newId()];
    request(ids.overdue, declined, 100_000, 'pi_declined');
    send(ids.overdue, 'RecordPaymentFailed', { paymentId: declined, reason: 'card_declined' });
    request(ids.overdue, wrongCurrency, 100_000, 'pi_eur');
    unmatched(ids.overdue, wrongCurrency, 93_000, 'EUR', 'paid in EUR; the invoice is in USD');
    send(ids.overdue, 'RecordInvoiceOverdue', {});
    succeed(ids.overdue, transfer, 40_000, 'manual', 'wire 2026-04-03');
    request(ids.overdue, card, 60_000, 'pi_card');
    succeed(ids.overdue, card, 60_000, 'stripe', 'pi_card');
    refund(ids.overdue, card, 20_000);
    refund(ids.overdue, card, 40_000);
    // Money for no checkout of ours: listed, never counted.
    unmatched(ids.overdue, newId(), 5_000, 'USD', 'more than was due');

    ids.cancelled = issue(30_000, 'deposit', `someone-else-${uniq()}@example.com`);
    send(
      ids.cancelled,
      'RecordInvoiceCancelled',
      { by: OWNER, reason: 'the estimate was revised' },
      OWNER,
    );
    // Refusals are entries of the log too: they change no view.
    expect(
      author.refused(
        stream(ids.cancelled),
        {
          type: 'RecordPaymentSucceeded',
          data: { paymentId: newId(), method: 'manual', amount: 1, reference: 'late' },
        },
        OWNER,
      ),
    ).toBe('conflict');

    ids.paid = issue(25_000, 'deposit');
    succeed(ids.paid, newId(), 25_000, 'manual', 'cash');
    await author.flush();

    expect(typesOf(author.events)).toEqual(Object.keys(invoiceEvents).sort());
    await live.caughtUp();
    batched = await TestProjector.start(log, many, invoicesProjection, 500);
    await batched.caughtUp();
    expect(batched.host.stats.batches).toBeLessThan(batched.host.stats.entries / 3);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    expect(await findInvoice(many.pool, ids.overdue)).toMatchObject({
      status: 'overdue',
      amountPaid: 40_000,
      amountDue: 60_000,
    });
  });

  it('resumes from its checkpoint after a restart, changing invoices it wrote before', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    const checkpoints = [live.host.position, batched.host.position];
    succeed(ids.overdue, newId(), 60_000, 'manual', 'wire 2026-04-20');
    const paidInvoice = author.state(stream(ids.paid));
    refund(ids.paid, Object.keys(paidInvoice.payments)[0]!, 25_000);
    ids.partlyPaid = issue(80_000, 'full');
    const part = newId();
    request(ids.partlyPaid, part, 80_000, 'pi_part');
    succeed(ids.partlyPaid, part, 50_000, 'stripe', 'pi_part');
    await author.flush();

    live = await TestProjector.start(log, one, invoicesProjection, 1);
    batched = await TestProjector.start(log, many, invoicesProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect([live.host.stats.entries, batched.host.stats.entries]).toEqual([
      live.host.position - checkpoints[0]!,
      batched.host.position - checkpoints[1]!,
    ]);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
    expect((await findInvoice(many.pool, ids.paid))?.status).toBe('open');
  });

  it('changes nothing for a duplicated entry or a redelivered one', async () => {
    await Promise.all([live.stop(), batched.stop()]);
    // Payments and refunds again: applied twice, they would count money twice.
    const copies = author.entries;
    await duplicate(log, prefix, INVOICE_CATEGORY, copies);
    request(ids.partlyPaid, newId(), 30_000, 'pi_rest');
    await author.flush();
    const flaky = redelivering(log);
    live = await TestProjector.start(flaky, one, invoicesProjection, 1);
    batched = await TestProjector.start(flaky, many, invoicesProjection, 500);
    await live.caughtUp();
    await batched.caughtUp();
    expect(flaky.redelivered).toBeGreaterThan(0);
    for (const p of [live, batched])
      expect(p.host.stats.duplicates).toBeGreaterThanOrEqual(copies.flat().length);
    await expectViewsFollowTheLog(one);
    await expectViewsFollowTheLog(many);
  });
});
