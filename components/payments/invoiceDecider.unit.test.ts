import type { InvoiceEvent } from '../../contracts/payments';
import { spec } from '../deciderSpec';
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
const paid = (paymentId: string, amount: number): InvoiceEvent => ({ type: 'PaymentSucceeded', data: { paymentId, method: 'manual', amount, reference: 'bank' } });

describe('invoice decider', () => {
  it('keeps amount paid and due exact across partial payments', () => {
    invoice.given(issued).when({ type: 'RecordPaymentSucceeded', data: { paymentId: PAY1, method: 'manual', amount: 4000, reference: 'bank' } }).then(paid(PAY1, 4000));
    invoice
      .given(issued, paid(PAY1, 4000))
      .when({ type: 'RecordPaymentSucceeded', data: { paymentId: PAY2, method: 'manual', amount: 6000, reference: 'bank' } })
      .then(paid(PAY2, 6000), { type: 'InvoicePaid', data: { amountPaid: 10000 } });
    const state = [issued, paid(PAY1, 4000)].reduce(invoiceDecider.evolve, invoiceDecider.initialState());
    expect([state.amountPaid, amountDue(state)]).toEqual([4000, 6000]);
  });

  it('records a payment once', () => {
    invoice.given(issued, paid(PAY1, 4000)).when({ type: 'RecordPaymentSucceeded', data: { paymentId: PAY1, method: 'manual', amount: 4000, reference: 'bank' } }).thenRefused('already_exists');
  });

  it('still takes payment when overdue, and reopens after a refund', () => {
    const overdue: InvoiceEvent = { type: 'InvoiceOverdue', data: {} };
    invoice
      .given(issued, overdue)
      .when({ type: 'RecordPaymentSucceeded', data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_1' } })
      .then({ type: 'PaymentSucceeded', data: { paymentId: PAY1, method: 'stripe', amount: 10000, reference: 'pi_1' } }, { type: 'InvoicePaid', data: { amountPaid: 10000 } });
    const refunded: InvoiceEvent = { type: 'PaymentRefunded', data: { paymentId: PAY1, amount: 10000, refundReference: 're_1', reason: 'compensation' } };
    const state = [issued, paid(PAY1, 10000), { type: 'InvoicePaid' as const, data: { amountPaid: 10000 } }, refunded].reduce(invoiceDecider.evolve, invoiceDecider.initialState());
    expect(state).toMatchObject({ status: 'open', amountPaid: 0 });
    invoice.given(issued, paid(PAY1, 4000)).when({ type: 'RecordPaymentRefunded', data: { paymentId: PAY1, amount: 5000, refundReference: 'r', reason: 'x' } }).thenRefused('invalid');
  });

  it('is not cancelled while money is held', () => {
    invoice.given(issued, paid(PAY1, 10)).when({ type: 'RecordInvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } }).thenRefused('conflict', /refund/);
    invoice.given(issued).when({ type: 'RecordInvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } }).then({ type: 'InvoiceCancelled', data: { by: 'auth0|a', reason: 'x' } });
  });
});
