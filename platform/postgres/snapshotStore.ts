import type { Pool } from 'pg';
import {
  SnapshotLeaseLost,
  type Snapshot,
  type SnapshotFlush,
  type SnapshotStore,
} from '../snapshots/port';
import { inTransaction } from './pool';

/** Rows per statement: bounds the size of one statement's parameters and of the JSON built for it. */
const SNAPSHOTS_PER_STATEMENT = 200;
const IDS_PER_STATEMENT = 5_000;
const HANDLED_PAGE = 20_000;

const chunks = <T>(items: readonly T[], size: number): T[][] => {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
};

/**
 * Snapshots in Postgres (`platform.snapshots`, `snapshot_checkpoints`, `handled_commands`).
 * `prefix` is the log's channel prefix: two deployments sharing a database keep apart.
 */
export class PostgresSnapshotStore implements SnapshotStore {
  constructor(
    private readonly pool: Pool,
    private readonly prefix = '',
  ) {}

  private key(category: string): string {
    return `${this.prefix}${category}`;
  }

  async checkpoint(category: string): Promise<number> {
    const { rows } = await this.pool.query<{ position: string }>(
      'SELECT position FROM platform.snapshot_checkpoints WHERE category = $1',
      [this.key(category)],
    );
    return rows[0] ? Number(rows[0].position) : 0;
  }

  async load(category: string, streamIds: readonly string[]): Promise<Map<string, Snapshot>> {
    const out = new Map<string, Snapshot>();
    for (const ids of chunks(streamIds, IDS_PER_STATEMENT)) {
      const { rows } = await this.pool.query<{
        stream_id: string;
        version: number;
        state: unknown;
      }>(
        `SELECT stream_id, version, state FROM platform.snapshots
          WHERE category = $1 AND stream_id = ANY($2::text[])`,
        [this.key(category), ids],
      );
      for (const r of rows) out.set(r.stream_id, { version: r.version, state: r.state });
    }
    return out;
  }

  async handled(category: string, commandIds: readonly string[]): Promise<Set<string>> {
    const { rows } = await this.pool.query<{ command_id: string }>(
      `SELECT command_id FROM platform.handled_commands
        WHERE category = $1 AND command_id = ANY($2::uuid[])`,
      [this.key(category), commandIds],
    );
    return new Set(rows.map((r) => r.command_id));
  }

  async everyHandled(
    category: string,
    page: (commandIds: readonly string[]) => void,
  ): Promise<number> {
    // Pages by key, each its own short query: no transaction or cursor held open for long.
    let count = 0;
    for (let ids = await this.handledAfter(category, null); ;) {
      if (ids.length > 0) page(ids);
      count += ids.length;
      const last = ids[ids.length - 1];
      if (last === undefined || ids.length < HANDLED_PAGE) return count;
      ids = await this.handledAfter(category, last);
    }
  }

  private async handledAfter(category: string, after: string | null): Promise<string[]> {
    const { rows } = await this.pool.query<{ command_id: string }>(
      `SELECT command_id FROM platform.handled_commands
        WHERE category = $1 AND ($2::uuid IS NULL OR command_id > $2::uuid)
        ORDER BY command_id LIMIT ${String(HANDLED_PAGE)}`,
      [this.key(category), after],
    );
    return rows.map((r) => r.command_id);
  }

  save(category: string, flush: SnapshotFlush): Promise<void> {
    const key = this.key(category);
    return inTransaction(this.pool, async (tx) => {
      // The share lock holds back the next holder's claim of the lease (lease.ts records it before
      // it reads anything) until this commits: it then reads the checkpoint this flush moved.
      const held = await tx.query(
        'SELECT 1 FROM platform.leases WHERE name = $1 AND holder = $2 FOR SHARE',
        [flush.lease.name, flush.lease.holder],
      );
      if (held.rowCount === 0) {
        throw new SnapshotLeaseLost(`lease ${flush.lease.name} is no longer ours: flush refused`);
      }
      for (const part of chunks([...flush.snapshots], SNAPSHOTS_PER_STATEMENT)) {
        await tx.query(
          `INSERT INTO platform.snapshots (category, stream_id, version, state)
           SELECT $1, s.stream_id, s.version, s.state
             FROM jsonb_to_recordset($2::jsonb) AS s(stream_id text, version integer, state jsonb)
           ON CONFLICT (category, stream_id) DO UPDATE
             SET version = excluded.version, state = excluded.state
             WHERE snapshots.version < excluded.version`,
          [
            key,
            JSON.stringify(
              part.map(([streamId, s]) => ({
                stream_id: streamId,
                version: s.version,
                state: s.state,
              })),
            ),
          ],
        );
      }
      for (const part of chunks(flush.handled, IDS_PER_STATEMENT)) {
        await tx.query(
          `INSERT INTO platform.handled_commands (category, command_id, position)
           SELECT $1, id, position FROM unnest($2::uuid[], $3::bigint[]) AS h(id, position)
           ON CONFLICT DO NOTHING`,
          [key, part.map((h) => h.commandId), part.map((h) => h.position)],
        );
      }
      await tx.query(
        `INSERT INTO platform.snapshot_checkpoints (category, position) VALUES ($1, $2)
         ON CONFLICT (category) DO UPDATE SET position = GREATEST(snapshot_checkpoints.position, excluded.position)`,
        [key, flush.checkpoint],
      );
    });
  }
}
