import type { Pool } from 'pg';
import type { Estimate, EstimateItem } from '../../contracts/http/estimation';

export type { Estimate, EstimateItem };

const SELECT = `SELECT e.*, to_char(e.valid_until, 'YYYY-MM-DD') AS valid_day,
  coalesce((SELECT json_agg(json_build_object('id', i.id, 'description', i.description, 'quantity', i.quantity, 'unit', i.unit,
    'unitPrice', i.unit_price, 'lineTotal', i.line_total, 'taskId', i.task_id) ORDER BY i.position)
    FROM estimation.estimate_items i WHERE i.estimate_id = e.id), '[]') AS items
  FROM estimation.estimates e`;

const iso = (d: Date | null): string | null => (d ? d.toISOString() : null);

/**
 * A row of SELECT. Postgres hands bigint columns over as strings, but inside json (the items) they
 * are plain numbers.
 */
interface EstimateRow {
  id: string;
  project_id: string;
  title: string;
  currency: string;
  tax_rate: number;
  discount: string;
  deposit_percent: number;
  valid_until: Date;
  valid_day: string;
  notes: string;
  client_email: string | null;
  supersedes: string | null;
  created_by: string;
  status: Estimate['status'];
  subtotal: string;
  discount_applied: string;
  tax: string;
  total: string;
  sent_at: Date | null;
  expires_at: Date | null;
  decided_by: string | null;
  reason: string | null;
  history: Estimate['history'];
  items: EstimateItem[];
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toEstimate = (r: EstimateRow): Estimate => ({
  id: r.id,
  projectId: r.project_id,
  title: r.title,
  currency: r.currency,
  taxRate: r.tax_rate,
  discount: Number(r.discount),
  depositPercent: r.deposit_percent,
  validUntil: r.valid_day,
  notes: r.notes,
  clientEmail: r.client_email,
  supersedes: r.supersedes,
  status: r.status,
  items: r.items,
  totals: {
    subtotal: Number(r.subtotal),
    discount: Number(r.discount_applied),
    tax: Number(r.tax),
    total: Number(r.total),
  },
  sentAt: iso(r.sent_at),
  expiresAt: iso(r.expires_at),
  decidedBy: r.decided_by,
  reason: r.reason,
  history: r.history,
  version: r.version,
  createdAt: r.created_at.toISOString(),
  updatedAt: r.updated_at.toISOString(),
});

export async function findEstimate(db: Pool, id: string): Promise<{ estimate: Estimate } | null> {
  const { rows } = await db.query<EstimateRow>(`${SELECT} WHERE e.id = $1`, [id]);
  return rows[0] ? { estimate: toEstimate(rows[0]) } : null;
}

export async function listEstimates(db: Pool, projectId: string): Promise<Estimate[]> {
  const { rows } = await db.query<EstimateRow>(
    `${SELECT} WHERE e.project_id = $1 ORDER BY e.created_at`,
    [projectId],
  );
  return rows.map(toEstimate);
}

/** What a client sees: the estimates sent to their address (drafts stay with the team). */
export async function estimatesFor(
  db: Pool,
  projectId: string,
  email: string,
): Promise<Estimate[]> {
  const { rows } = await db.query<EstimateRow>(
    `${SELECT} WHERE e.project_id = $1 AND lower(e.client_email) = lower($2) AND e.status <> 'draft' ORDER BY e.created_at`,
    [projectId, email],
  );
  return rows.map(toEstimate);
}
