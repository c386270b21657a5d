import type { EventEnvelope } from '../../contracts/envelope';
import { streamEntityId } from '../../contracts/envelope';
import { ESTIMATE_CATEGORY, type EstimateEvent } from '../../contracts/estimation';
import { lineTotal, totals, type Line } from '../../components/estimation/totals';
import type { Projection } from '../../platform/hosts/projectorHost';
import { historyEntry } from '../eventByEvent';
import type { Tx } from '../../platform/postgres/pool';

const STATUS: Partial<Record<EstimateEvent['type'], string>> = {
  EstimateSent: 'sent',
  EstimateApproved: 'approved',
  EstimateRejected: 'rejected',
  EstimateExpired: 'expired',
  EstimateWithdrawn: 'withdrawn',
};

const COLUMNS: Record<string, string> = {
  title: 'title',
  currency: 'currency',
  taxRate: 'tax_rate',
  discount: 'discount',
  depositPercent: 'deposit_percent',
  validUntil: 'valid_until',
  notes: 'notes',
  clientEmail: 'client_email',
};

async function applyOne(tx: Tx, s: string, envelope: EventEnvelope): Promise<void> {
  const event = envelope as unknown as EstimateEvent;
  const id = streamEntityId(envelope.streamId);
  const at = envelope.metadata.timestamp;
  const step = historyEntry(envelope);
  switch (event.type) {
    case 'EstimateDrafted': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.estimates (id, project_id, title, currency, tax_rate, discount, deposit_percent, valid_until, notes,
           client_email, supersedes, created_by, status, version, created_at, updated_at, history)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, 'draft', $13, $14, $14, $15) ON CONFLICT (id) DO NOTHING`,
        [
          d.id,
          d.projectId,
          d.title,
          d.currency,
          d.taxRate,
          d.discount,
          d.depositPercent,
          d.validUntil,
          d.notes,
          d.clientEmail,
          d.supersedes,
          d.createdBy,
          envelope.version,
          at,
          step,
        ],
      );
      return;
    }
    case 'EstimateModified': {
      const sets = Object.entries(event.data).map(([k, v], i) => ({
        sql: `${COLUMNS[k]} = $${i + 4}`,
        v,
      }));
      await tx.query(
        `UPDATE ${s}.estimates SET ${sets.map((x) => x.sql).join(', ')}, version = $2, updated_at = $3 WHERE id = $1`,
        [id, envelope.version, at, ...sets.map((x) => x.v)],
      );
      break;
    }
    case 'EstimateItemAdded': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.estimate_items (id, estimate_id, position, description, quantity, unit, unit_price, line_total, task_id)
         VALUES ($1, $2, (SELECT coalesce(max(position), 0) + 1 FROM ${s}.estimate_items WHERE estimate_id = $2), $3, $4, $5, $6, $7, $8)
         ON CONFLICT (id) DO NOTHING`,
        [
          d.itemId,
          id,
          d.description,
          d.quantity,
          d.unit,
          d.unitPrice,
          lineTotal(d),
          d.taskId ?? null,
        ],
      );
      break;
    }
    case 'EstimateItemModified': {
      const { itemId, ...f } = event.data;
      await tx.query(
        `UPDATE ${s}.estimate_items SET description = coalesce($2, description), quantity = coalesce($3, quantity),
           unit = coalesce($4, unit), unit_price = coalesce($5, unit_price) WHERE id = $1`,
        [itemId, f.description ?? null, f.quantity ?? null, f.unit ?? null, f.unitPrice ?? null],
      );
      const { rows } = await tx.query<{ quantity: string; unit_price: string }>(
        `SELECT quantity, unit_price FROM ${s}.estimate_items WHERE id = $1`,
        [itemId],
      );
      if (rows[0])
        await tx.query(`UPDATE ${s}.estimate_items SET line_total = $2 WHERE id = $1`, [
          itemId,
          lineTotal({ quantity: rows[0].quantity, unitPrice: Number(rows[0].unit_price) }),
        ]);
      break;
    }
    case 'EstimateItemRemoved':
      await tx.query(`DELETE FROM ${s}.estimate_items WHERE id = $1`, [event.data.itemId]);
      break;
    default: {
      // The process's events change the status only: one statement, stamp and history included.
      const status = STATUS[event.type];
      const d = event.data as Record<string, string | undefined>;
      await tx.query(
        `UPDATE ${s}.estimates SET status = coalesce($2, status),
           sent_at = CASE WHEN $3 = 'EstimateSent' THEN $4::timestamptz ELSE sent_at END,
           expires_at = coalesce($5::timestamptz, expires_at), client_email = coalesce($6, client_email),
           decided_by = CASE WHEN $2 IN ('approved', 'rejected', 'withdrawn') THEN $7 ELSE decided_by END,
           reason = coalesce($8, reason), version = $9, updated_at = $4, history = history || $10::jsonb
         WHERE id = $1`,
        [
          id,
          status ?? null,
          event.type,
          at,
          d.expiresAt ?? null,
          d.clientEmail ?? null,
          d.by ?? null,
          d.reason ?? null,
          envelope.version,
          step,
        ],
      );
      return;
    }
  }
  await tx.query(
    `UPDATE ${s}.estimates SET version = $2, updated_at = $3, history = history || $4::jsonb WHERE id = $1`,
    [id, envelope.version, at, step],
  );
}

/** Events after which the totals may differ: the items, or the discount and tax they are priced with. */
const repricing = (e: EventEnvelope): boolean =>
  e.type === 'EstimateDrafted' ||
  e.type.startsWith('EstimateItem') ||
  (e.type === 'EstimateModified' &&
    ('discount' in (e.data as object) || 'taxRate' in (e.data as object)));

/** Totals are the server's: recomputed exactly from the items whenever a batch touched them. */
async function retotal(tx: Tx, s: string, id: string): Promise<void> {
  // bigint columns come as strings; the json lines carry their prices as numbers.
  const { rows } = await tx.query<{ discount: string; tax_rate: number; lines: Line[] }>(
    `SELECT e.discount, e.tax_rate, coalesce(json_agg(json_build_object('quantity', i.quantity, 'unitPrice', i.unit_price) ORDER BY i.position)
       FILTER (WHERE i.id IS NOT NULL), '[]') AS lines
     FROM ${s}.estimates e LEFT JOIN ${s}.estimate_items i ON i.estimate_id = e.id WHERE e.id = $1 GROUP BY e.id`,
    [id],
  );
  const row = rows[0];
  if (!row) return;
  const t = totals(row.lines, Number(row.discount), row.tax_rate);
  await tx.query(
    `UPDATE ${s}.estimates SET subtotal = $2, discount_applied = $3, tax = $4, total = $5 WHERE id = $1`,
    [id, t.subtotal, t.discount, t.tax, t.total],
  );
}

export const estimatesProjection: Projection = {
  name: 'estimation-projector',
  context: 'estimation',
  category: ESTIMATE_CATEGORY,
  schema: 'estimation',
  migrations: { schema: 'estimation', dir: 'projectors/estimation/migrations' },
  applier: (schema) => ({
    async apply(tx, events) {
      const touched = new Set<string>();
      for (const e of events) {
        await applyOne(tx, schema, e);
        if (repricing(e)) touched.add(streamEntityId(e.streamId));
      }
      for (const id of touched) await retotal(tx, schema, id);
    },
  }),
};
