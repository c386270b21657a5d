import type { EventEnvelope } from '../../contracts/envelope';
import { streamEntityId } from '../../contracts/envelope';
import { INVOICE_CATEGORY, type InvoiceEvent } from '../../contracts/payments';
import type { Projection } from '../../platform/hosts/projectorHost';
import { eventByEvent, historyEntry } from '../eventByEvent';
import type { Tx } from '../../platform/postgres/pool';

async function applyOne(tx: Tx, s: string, envelope: EventEnvelope): Promise<void> {
  const event = envelope as unknown as InvoiceEvent;
  const id = streamEntityId(envelope.streamId);
  const at = envelope.metadata.timestamp;
  switch (event.type) {
    case 'InvoiceIssued': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.invoices (id, estimate_id, project_id, currency, amount, kind, status, due_at, client_email, version, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, $6, 'open', $7, $8, $9, $10, $10) ON CONFLICT (id) DO NOTHING`,
        [
          id,
          d.estimateId,
          d.projectId,
          d.currency,
          d.amount,
          d.kind,
          d.dueAt,
          d.clientEmail,
          envelope.version,
          at,
        ],
      );
      break;
    }
    case 'PaymentRequested':
      await tx.query(
        `INSERT INTO ${s}.payments (id, invoice_id, method, amount, status, reference, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'requested', $5, $6, $6) ON CONFLICT (id) DO NOTHING`,
        [
          event.data.paymentId,
          id,
          event.data.method,
          event.data.amount,
          event.data.providerReference,
          at,
        ],
      );
      break;
    case 'PaymentSucceeded':
      await tx.query(
        `INSERT INTO ${s}.payments (id, invoice_id, method, amount, status, reference, created_at, updated_at)
         VALUES ($1, $2, $3, $4, 'succeeded', $5, $6, $6)
         ON CONFLICT (id) DO UPDATE SET status = 'succeeded', amount = EXCLUDED.amount, reference = EXCLUDED.reference, updated_at = EXCLUDED.updated_at`,
        [event.data.paymentId, id, event.data.method, event.data.amount, event.data.reference, at],
      );
      await tx.query(`UPDATE ${s}.invoices SET amount_paid = amount_paid + $2 WHERE id = $1`, [
        id,
        event.data.amount,
      ]);
      break;
    case 'PaymentFailed':
      await tx.query(
        `UPDATE ${s}.payments SET status = 'failed', reason = $2, updated_at = $3 WHERE id = $1`,
        [event.data.paymentId, event.data.reason, at],
      );
      break;
    case 'UnmatchedPaymentReceived': {
      const d = event.data;
      const entry = {
        paymentId: d.paymentId,
        amount: d.amount,
        currency: d.currency,
        providerReference: d.providerReference,
        reason: d.reason,
        at,
      };
      await tx.query(
        `UPDATE ${s}.invoices SET unmatched_payments = unmatched_payments || $2::jsonb WHERE id = $1`,
        [id, JSON.stringify([entry])],
      );
      // Our checkout's request for it is no longer pending: it was paid, but not as asked.
      await tx.query(
        `UPDATE ${s}.payments SET status = 'unmatched', reason = $2, updated_at = $3 WHERE id = $1 AND status = 'requested'`,
        [d.paymentId, d.reason, at],
      );
      break;
    }
    case 'InvoicePaid':
      await tx.query(`UPDATE ${s}.invoices SET status = 'paid' WHERE id = $1`, [id]);
      break;
    case 'InvoiceOverdue':
      await tx.query(`UPDATE ${s}.invoices SET status = 'overdue', overdue = true WHERE id = $1`, [
        id,
      ]);
      break;
    case 'InvoiceCancelled':
      await tx.query(`UPDATE ${s}.invoices SET status = 'cancelled' WHERE id = $1`, [id]);
      break;
    case 'PaymentRefunded':
      await tx.query(
        `UPDATE ${s}.payments SET refunded = refunded + $2, status = CASE WHEN refunded + $2 >= amount THEN 'refunded' ELSE status END, updated_at = $3 WHERE id = $1`,
        [event.data.paymentId, event.data.amount, at],
      );
      // What the refund leaves unpaid is due again: open, or overdue if it was.
      await tx.query(
        `UPDATE ${s}.invoices SET amount_paid = amount_paid - $2,
           status = CASE WHEN status = 'cancelled' THEN status WHEN amount_paid - $2 >= amount THEN 'paid' WHEN overdue THEN 'overdue' ELSE 'open' END
         WHERE id = $1`,
        [id, event.data.amount],
      );
      break;
  }
  await tx.query(
    `UPDATE ${s}.invoices SET version = $2, updated_at = $3, history = history || $4::jsonb WHERE id = $1`,
    [id, envelope.version, at, historyEntry(envelope)],
  );
}

export const invoicesProjection: Projection = {
  name: 'payments-projector',
  context: 'payments',
  category: INVOICE_CATEGORY,
  schema: 'payments',
  migrations: { schema: 'payments', dir: 'projectors/payments/migrations' },
  applier: eventByEvent(applyOne),
};
