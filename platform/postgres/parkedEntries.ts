import type { Pool } from 'pg';
import type { ChannelKind } from '../eventlog/port';
import type { Tx } from './pool';

/** A log entry a consumer could not apply, as operators see it. */
export interface ParkedEntry {
  consumer: string;
  category: string;
  kind: ChannelKind;
  position: number;
  streamId: string | null;
  reason: string;
  body: string;
}

export interface ParkedRow extends ParkedEntry {
  parkedAt: string;
  attempts: number;
  retryRequested: boolean;
  resolvedAt: string | null;
}

type Db = Pick<Pool | Tx, 'query'>;

/** A row of platform.parked_entries as pg returns it. */
interface Row {
  consumer: string;
  category: string;
  /** The table's CHECK holds it to the channel kinds. */
  kind: ChannelKind;
  /** bigint, which pg returns as a string */
  position: string;
  stream_id: string | null;
  reason: string;
  body: string;
  parked_at: Date;
  attempts: number;
  retry_requested: Date | null;
  resolved_at: Date | null;
}

// Reasons come from errors, bodies from the log: both may hold what text columns refuse.
const storable = (s: string, max: number) => s.replaceAll('\u0000', '\ufffd').slice(0, max);

/**
 * The parked entries table (platform.parked_entries). Recording is idempotent by consumer and
 * position: parking the same entry again counts an attempt and reopens it.
 */
export const parkedEntries = {
  async record(db: Db, e: ParkedEntry): Promise<void> {
    await db.query(
      `INSERT INTO platform.parked_entries (consumer, category, kind, position, stream_id, reason, body)
       VALUES ($1, $2, $3, $4, $5, $6, $7)
       ON CONFLICT (consumer, position) DO UPDATE SET reason = EXCLUDED.reason, attempts = parked_entries.attempts + 1,
         retry_requested = NULL, resolved_at = NULL`,
      [
        e.consumer,
        e.category,
        e.kind,
        e.position,
        e.streamId,
        storable(e.reason, 4000),
        storable(e.body, 1_000_000),
      ],
    );
  },

  /** Streams whose entries a consumer holds back behind a parked one. */
  async heldStreams(db: Db, consumer: string): Promise<Set<string>> {
    const { rows } = await db.query<{ stream_id: string }>(
      'SELECT DISTINCT stream_id FROM platform.parked_entries WHERE consumer = $1 AND resolved_at IS NULL AND stream_id IS NOT NULL',
      [consumer],
    );
    return new Set(rows.map((r) => r.stream_id));
  },

  /** Entries an operator asked this consumer to apply again, oldest first. */
  async retryRequested(db: Db, consumer: string): Promise<ParkedRow[]> {
    const { rows } = await db.query<Row>(
      `${SELECT} WHERE consumer = $1 AND resolved_at IS NULL AND retry_requested IS NOT NULL ORDER BY position`,
      [consumer],
    );
    return rows.map(toRow);
  },

  async resolve(db: Db, consumer: string, position: number): Promise<void> {
    await db.query(
      'UPDATE platform.parked_entries SET resolved_at = now(), retry_requested = NULL WHERE consumer = $1 AND position = $2',
      [consumer, position],
    );
  },

  async failedAgain(db: Db, consumer: string, position: number, reason: string): Promise<void> {
    await db.query(
      'UPDATE platform.parked_entries SET attempts = attempts + 1, reason = $3, retry_requested = NULL WHERE consumer = $1 AND position = $2',
      [consumer, position, storable(reason, 4000)],
    );
  },

  async list(db: Db, category: string, all = false): Promise<ParkedRow[]> {
    const { rows } = await db.query<Row>(
      `${SELECT} WHERE category = $1 ${all ? '' : 'AND resolved_at IS NULL'} ORDER BY consumer, position`,
      [category],
    );
    return rows.map(toRow);
  },

  /** Asks the consumers to apply a category's open entries again; returns how many. */
  async requestRetry(db: Db, category: string): Promise<number> {
    const r = await db.query(
      'UPDATE platform.parked_entries SET retry_requested = now() WHERE category = $1 AND resolved_at IS NULL',
      [category],
    );
    return r.rowCount ?? 0;
  },

  /** Open entries per consumer, for /readyz. */
  async openCount(db: Db, consumer: string): Promise<number> {
    const { rows } = await db.query<{ n: number }>(
      'SELECT count(*)::int AS n FROM platform.parked_entries WHERE consumer = $1 AND resolved_at IS NULL',
      [consumer],
    );
    return rows[0]?.n ?? 0;
  },

  /** Whether a stream has an entry parked anywhere: its views may lag behind its log. */
  async isRepairing(db: Db, streamId: string): Promise<boolean> {
    const { rows } = await db.query(
      'SELECT 1 FROM platform.parked_entries WHERE stream_id = $1 AND resolved_at IS NULL LIMIT 1',
      [streamId],
    );
    return rows.length > 0;
  },
};

const SELECT = `SELECT consumer, category, kind, position, stream_id, reason, body, parked_at, attempts, retry_requested, resolved_at FROM platform.parked_entries`;

const toRow = (r: Row): ParkedRow => ({
  consumer: r.consumer,
  category: r.category,
  kind: r.kind,
  position: Number(r.position),
  streamId: r.stream_id,
  reason: r.reason,
  body: r.body,
  parkedAt: r.parked_at.toISOString(),
  attempts: r.attempts,
  retryRequested: r.retry_requested !== null,
  resolvedAt: r.resolved_at ? r.resolved_at.toISOString() : null,
});
