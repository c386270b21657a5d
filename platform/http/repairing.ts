import type { Pool } from 'pg';
import { logger } from '../logger';
import { detached } from '../tracing';
import { HttpError } from './errors';

/** How stale the picture of repairing streams may be: one small query per process this often. */
const REFRESH_MS = 1000;

interface Snapshot {
  streams: Set<string>;
  timer: NodeJS.Timeout;
}

const snapshots = new WeakMap<Pool, Snapshot>();

async function refresh(db: Pool, snapshot: Snapshot): Promise<void> {
  try {
    const { rows } = await db.query<{ stream_id: string }>(
      'SELECT DISTINCT stream_id FROM platform.parked_entries WHERE resolved_at IS NULL AND stream_id IS NOT NULL',
    );
    snapshot.streams = new Set(rows.map((r) => r.stream_id));
  } catch (err) {
    logger.warn({ err: (err as Error).message }, 'could not read the repairing streams');
  }
}

function snapshotOf(db: Pool): Snapshot {
  let snapshot = snapshots.get(db);
  if (!snapshot) {
    // Set up by the first request that asks, and none of its work.
    snapshot = detached(() => {
      const s: Snapshot = {
        streams: new Set(),
        timer: setInterval(() => void refresh(db, s), REFRESH_MS),
      };
      s.timer.unref();
      void refresh(db, s);
      return s;
    });
    snapshots.set(db, snapshot);
  }
  return snapshot;
}

/**
 * A stream with a parked entry has views that may lag behind its log: rather than answer from
 * them, or let a write build on them, its readers and writers are told it is being repaired (503,
 * with Retry-After). Lists leave it out of nothing: they show its last good state.
 */
export function refuseWhileRepairing(db: Pool, streamId: string, what: string): void {
  // Ids in paths are UUIDs in any case; the log's stream ids are lower case.
  if (snapshotOf(db).streams.has(streamId.toLowerCase())) {
    throw Object.assign(
      new HttpError(503, `this ${what} is being repaired; try again later`, {
        'Retry-After': '30',
      }),
      { expose: true },
    );
  }
}
