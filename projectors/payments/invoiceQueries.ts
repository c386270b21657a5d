import type { Pool } from 'pg';
import type { Invoice, Payment, UnmatchedPayment } from '../../contracts/http/payments';

export type { Invoice, Payment, UnmatchedPayment };

const SELECT = `SELECT v.*, coalesce((SELECT json_agg(json_build_object('id', p.id, 'method', p.method, 'amount', p.amount,
    'refunded', p.refunded, 'status', p.status, 'reference', p.reference, 'reason', p.reason,
    'createdAt', p.created_at, 'updatedAt', p.updated_at) ORDER BY p.created_at) FROM payments.payments p WHERE p.invoice_id = v.id), '[]') AS payments
  FROM payments.invoices v`;

/**
 * A row of SELECT. Postgres hands bigint columns over as strings, but inside json (the payments)
 * they are plain numbers, and timestamps are strings in the session's zone, not Dates.
 */
interface InvoiceRow {
  id: string;
  estimate_id: string;
  project_id: string;
  currency: string;
  amount: string;
  amount_paid: string;
  kind: Invoice['kind'];
  status: Invoice['status'];
  overdue: boolean;
  due_at: Date;
  client_email: string;
  payments: Payment[];
  unmatched_payments: UnmatchedPayment[];
  history: Invoice['history'];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toInvoice = (r: InvoiceRow): Invoice => ({
  id: r.id,
  estimateId: r.estimate_id,
  projectId: r.project_id,
  currency: r.currency,
  amount: Number(r.amount),
  amountPaid: Number(r.amount_paid),
  amountDue: Math.max(0, Number(r.amount) - Number(r.amount_paid)),
  kind: r.kind,
  status: r.status,
  dueAt: r.due_at.toISOString(),
  clientEmail: r.client_email,
  payments: r.payments.map((p) => ({
    ...p,
    createdAt: new Date(p.createdAt).toISOString(),
    updatedAt: new Date(p.updatedAt).toISOString(),
  })),
  unmatchedPayments: r.unmatched_payments,
  history: r.history,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function findInvoice(db: Pool, id: string): Promise<Invoice | null> {
  const { rows } = await db.query<InvoiceRow>(`${SELECT} WHERE v.id = $1`, [id]);
  return rows[0] ? toInvoice(rows[0]) : null;
}

export async function listInvoices(
  db: Pool,
  projectId: string,
  clientEmail?: string,
): Promise<Invoice[]> {
  const { rows } = clientEmail
    ? await db.query<InvoiceRow>(
        `${SELECT} WHERE v.project_id = $1 AND lower(v.client_email) = lower($2) ORDER BY v.created_at`,
        [projectId, clientEmail],
      )
    : await db.query<InvoiceRow>(`${SELECT} WHERE v.project_id = $1 ORDER BY v.created_at`, [
        projectId,
      ]);
  return rows.map(toInvoice);
}
