import type { InvoiceEvent } from '../../contracts/payments';
import { spec } from '../../test/support/deciderSpec';
import { amountDue, invoiceDecider } from './invoiceDecider';

const INV = '99999999-9999-4999-8999-999999999999';
const PAY1 = '99999999-9999-4999-8999-999999999991';
const PAY2 = '99999999-9999-4999-8999-999999999992';
const invoice = spec(invoiceDecider);
const issued: InvoiceEvent = {
  type: 'InvoiceIssued',
  data: {
    invoiceId: INV,
    estimateId: INV,
    projectId: INV,
    currency: 'EUR',
    amount: 10000,
    kind: 'full',
    dueAt: '2026-12-31T00:00:00.000Z',
    clientEmail: 'c@example.com',
  },
};
const paid = (paymentId: string, amount: number): InvoiceEvent => ({
  type: 'PaymentSucceeded',
  data: { paymentId, method: 'manual', amount, reference: 'bank' },
});

describe('invoice decider', () => {
  it('keeps amount paid and due exact across partial payments', () => {
    invoice
      .given(issued)
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY1, method: 'manual', amount: 4000, reference: 'bank' },
      })
      .then(paid(PAY1, 4000));
    invoice
      .given(issued, paid(PAY1, 4000))
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY2, method: 'manual', amount: 6000, reference: 'bank' },
      })
      .then(paid(PAY2, 6000), { type: 'InvoicePaid', data: { amountPaid: 10000 } });
    const state = [issued, paid(PAY1, 4000)].reduce(
      invoiceDecider.evolve,
      invoiceDecider.initialState(),
    );
    expect([state.amountPaid, amountDue(state)]).toEqual([4000, 6000]);
  });

  it('records a payment once', () => {
    invoice
      .given(issued, paid(PAY1, 4000))
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY1, method: 'manual', amount: 4000, reference: 'bank' },
      })
      .thenRefused('already_exists');
  });

  it('still takes payment when overdue, and reopens after a refund', () => {
    const overdue: InvoiceEvent = { type: 'InvoiceOverdue', data: {} };
    invoice
      .given(issued, overdue)
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_1' },
      })
      .then(
        {
          type: 'PaymentSucceeded',
          data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_1' },
        },
        { type: 'InvoicePaid', data: { amountPaid: 10000 } },
      );
    const refunded: InvoiceEvent = {
      type: 'PaymentRefunded',
      data: { paymentId: PAY1, amount: 10000, refundReference: 're_1', reason: 'compensation' },
    };
    const state = [
      issued,
      paid(PAY1, 10000),
      { type: 'InvoicePaid' as const, data: { amountPaid: 10000 } },
      refunded,
    ].reduce(invoiceDecider.evolve, invoiceDecider.initialState());
    expect(state).toMatchObject({ status: 'open', amountPaid: 0 });
    invoice
      .given(issued, paid(PAY1, 4000))
      .when({
        type: 'RecordPaymentRefunded',
        data: { paymentId: PAY1, amount: 5000, refundReference: 'r', reason: 'x' },
      })
      .thenRefused('invalid');
  });

  it('never records a payment beyond the invoice amount', () => {
    invoice
      .given(issued)
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY1, method: 'stripe', amount: 1_000_000, reference: 'pi_1' },
      })
      .thenRefused('invalid', /at most 10000 is due/);
    invoice
      .given(issued, paid(PAY1, 4000))
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY2, method: 'manual', amount: 6001, reference: 'bank' },
      })
      .thenRefused('invalid', /at most 6000/);
    const settled: InvoiceEvent = { type: 'InvoicePaid', data: { amountPaid: 10000 } };
    invoice
      .given(issued, paid(PAY1, 10000), settled)
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY2, method: 'stripe', amount: 1, reference: 'pi_2' },
      })
      .thenRefused('invalid');
  });

  it('keeps unmatched payments apart: the invoice stays unpaid with its amount due', () => {
    const unmatched = {
      paymentId: PAY1,
      amount: 1_000_000,
      currency: 'EUR',
      providerReference: 'pi_1',
      reason: '1000000 paid, only 10000 is due',
    };
    invoice
      .given(issued)
      .when({ type: 'RecordUnmatchedPayment', data: unmatched })
      .then({ type: 'UnmatchedPaymentReceived', data: unmatched });
    const yen: InvoiceEvent = {
      type: 'UnmatchedPaymentReceived',
      data: {
        ...unmatched,
        paymentId: PAY2,
        amount: 10000,
        currency: 'JPY',
        reason: 'paid in JPY, the invoice is in EUR',
      },
    };
    const state = [
      issued,
      { type: 'UnmatchedPaymentReceived' as const, data: unmatched },
      yen,
    ].reduce(invoiceDecider.evolve, invoiceDecider.initialState());
    expect(state).toMatchObject({
      status: 'open',
      amountPaid: 0,
      unmatched: {
        [PAY1]: { amount: 1_000_000, currency: 'EUR' },
        [PAY2]: { amount: 10000, currency: 'JPY' },
      },
    });
    expect(amountDue(state)).toBe(10000);
    // The invoice is still paid by a payment that fits.
    invoice
      .given(issued, yen)
      .when({
        type: 'RecordPaymentSucceeded',
        data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_3' },
      })
      .then(
        {
          type: 'PaymentSucceeded',
          data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_3' },
        },
        { type: 'InvoicePaid', data: { amountPaid: 10000 } },
      );
  });

  it('records an unmatched payment once, and never one that was counted', () => {
    const unmatched = {
      paymentId: PAY1,
      amount: 500,
      currency: 'JPY',
      providerReference: 'pi_1',
      reason: 'paid in JPY, the invoice is in EUR',
    };
    invoice
      .given(issued, { type: 'UnmatchedPaymentReceived', data: unmatched })
      .when({ type: 'RecordUnmatchedPayment', data: unmatched })
      .thenRefused('already_exists');
    invoice
      .given(issued, paid(PAY1, 500))
      .when({ type: 'RecordUnmatchedPayment', data: unmatched })
      .thenRefused('conflict');
    invoice
      .given()
      .when({ type: 'RecordUnmatchedPayment', data: unmatched })
      .thenRefused('not_found');
    // Money that arrives after the invoice was settled is still recorded for people to see.
    invoice
      .given(issued, { type: 'InvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } })
      .when({ type: 'RecordUnmatchedPayment', data: unmatched })
      .then({ type: 'UnmatchedPaymentReceived', data: unmatched });
  });

  it('is not cancelled while money is held', () => {
    invoice
      .given(issued, paid(PAY1, 10))
      .when({ type: 'RecordInvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } })
      .thenRefused('conflict', /refund/);
    invoice
      .given(issued)
      .when({ type: 'RecordInvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } })
      .then({ type: 'InvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } });
  });
});
