import type { Static } from '@sinclair/typebox';
import type { InvoiceCommand, InvoiceEvent, InvoiceIssued } from '../../contracts/payments';
import { accept, refuse, type Decider, type Decision } from '../../platform/decider';

export type InvoiceStatus = 'open' | 'overdue' | 'paid' | 'cancelled';

export interface Invoice {
  exists: boolean;
  status: InvoiceStatus;
  issued: Static<typeof InvoiceIssued> | null;
  amountPaid: number;
  /** Succeeded payments and what of each is still not refunded. */
  payments: Record<string, { amount: number; refunded: number }>;
  /** Money received that does not count towards the invoice, by payment: for people to settle. */
  unmatched: Record<string, { amount: number; currency: string }>;
  overdue: boolean;
}

export const emptyInvoice = (): Invoice => ({
  exists: false,
  status: 'open',
  issued: null,
  amountPaid: 0,
  payments: {},
  unmatched: {},
  overdue: false,
});
export const amountDue = (i: Invoice): number =>
  Math.max(0, (i.issued?.amount ?? 0) - i.amountPaid);

/** The amount of an invoice that exists: it exists from its issue on. */
function issuedAmount(i: Invoice): number {
  if (!i.issued) throw new Error('invariant broken: an existing invoice has no issue');
  return i.issued.amount;
}

/** A payment the invoice counts: decide refunds no other. */
function paymentOf(i: Invoice, paymentId: string): Invoice['payments'][string] {
  const payment = i.payments[paymentId];
  if (!payment) throw new Error(`invariant broken: the invoice has no payment ${paymentId}`);
  return payment;
}

function decide(command: InvoiceCommand, i: Invoice): Decision<InvoiceEvent> {
  if (command.type === 'IssueInvoice') {
    if (i.exists) return refuse('already_exists', 'the invoice already exists');
    return accept({ type: 'InvoiceIssued', data: command.data });
  }
  if (!i.exists) return refuse('not_found', 'no such invoice');
  const settled =
    i.status === 'paid' || i.status === 'cancelled'
      ? refuse('conflict', `the invoice is ${i.status}`)
      : null;

  switch (command.type) {
    case 'RecordPaymentRequested':
    case 'RecordPaymentFailed':
      return (
        settled ??
        accept({
          type: command.type === 'RecordPaymentRequested' ? 'PaymentRequested' : 'PaymentFailed',
          data: command.data,
        } as InvoiceEvent)
      );
    case 'RecordPaymentSucceeded': {
      if (i.status === 'cancelled') return refuse('conflict', 'the invoice is cancelled');
      if (i.payments[command.data.paymentId])
        return refuse('already_exists', 'that payment is already recorded');
      const paid = i.amountPaid + command.data.amount;
      const due = issuedAmount(i);
      // Behind the process's own check: more than is due is an unmatched payment, never paid.
      if (paid > due) return refuse('invalid', `at most ${amountDue(i)} is due`);
      const events: InvoiceEvent[] = [{ type: 'PaymentSucceeded', data: command.data }];
      if (i.status !== 'paid' && paid >= due)
        events.push({ type: 'InvoicePaid', data: { amountPaid: paid } });
      return accept(...events);
    }
    case 'RecordUnmatchedPayment':
      // Recorded whatever the invoice's state: the money was received either way.
      if (i.unmatched[command.data.paymentId])
        return refuse('already_exists', 'that payment is already recorded as unmatched');
      if (i.payments[command.data.paymentId])
        return refuse('conflict', 'that payment counts towards the invoice');
      return accept({ type: 'UnmatchedPaymentReceived', data: command.data });
    case 'RecordInvoiceOverdue':
      if (i.status !== 'open') return refuse('conflict', `the invoice is ${i.status}`);
      return accept({ type: 'InvoiceOverdue', data: command.data });
    case 'RecordInvoiceCancelled':
      if (i.status === 'paid' || i.status === 'cancelled')
        return refuse('conflict', `the invoice is ${i.status}`);
      if (i.amountPaid > 0) return refuse('conflict', 'refund the payments before cancelling');
      return accept({ type: 'InvoiceCancelled', data: command.data });
    case 'RecordPaymentRefunded': {
      const payment = i.payments[command.data.paymentId];
      if (!payment) return refuse('not_found', 'no such payment');
      if (command.data.amount > payment.amount - payment.refunded)
        return refuse('invalid', 'cannot refund more than was paid');
      return accept({ type: 'PaymentRefunded', data: command.data });
    }
  }
}

function evolve(i: Invoice, event: InvoiceEvent): Invoice {
  switch (event.type) {
    case 'InvoiceIssued':
      return { ...emptyInvoice(), exists: true, issued: event.data };
    case 'PaymentRequested':
    case 'PaymentFailed':
      return i;
    case 'PaymentSucceeded':
      return {
        ...i,
        amountPaid: i.amountPaid + event.data.amount,
        payments: {
          ...i.payments,
          [event.data.paymentId]: { amount: event.data.amount, refunded: 0 },
        },
      };
    case 'InvoicePaid':
      return { ...i, status: 'paid' };
    case 'UnmatchedPaymentReceived':
      return {
        ...i,
        unmatched: {
          ...i.unmatched,
          [event.data.paymentId]: { amount: event.data.amount, currency: event.data.currency },
        },
      };
    case 'InvoiceOverdue':
      return { ...i, status: 'overdue', overdue: true };
    case 'InvoiceCancelled':
      return { ...i, status: 'cancelled' };
    case 'PaymentRefunded': {
      const p = paymentOf(i, event.data.paymentId);
      const amountPaid = i.amountPaid - event.data.amount;
      // A refund reopens what it leaves unpaid: overdue if it was, open otherwise.
      const status: InvoiceStatus =
        i.status === 'cancelled'
          ? 'cancelled'
          : amountPaid >= issuedAmount(i)
            ? 'paid'
            : i.overdue
              ? 'overdue'
              : 'open';
      return {
        ...i,
        amountPaid,
        status,
        payments: {
          ...i.payments,
          [event.data.paymentId]: { ...p, refunded: p.refunded + event.data.amount },
        },
      };
    }
  }
}

export const invoiceDecider: Decider<InvoiceCommand, InvoiceEvent, Invoice> = {
  initialState: emptyInvoice,
  decide: (command, i) => decide(command, i),
  evolve,
};
