import { logger } from '../logger';
import { migrate } from '../postgres/migrate';
import { inTransaction } from '../postgres/pool';
import { ProjectorHost, viewsLockKey, type Projection } from './projectorHost';
import type { Runtime } from './runtime';

export interface RebuildProgress {
  position: number;
  target: number;
  entries: number;
  events: number;
  elapsedMs: number;
}

export interface RebuildResult extends RebuildProgress {
  schema: string;
}

/**
 * Rebuilds a context's views from the log without taking them away: the projection replays the
 * whole log into a schema aside while the running projector and the API carry on with the old
 * one; then, holding the live projector's commit lock, the new views catch up with the old and
 * the two schemas swap names in one transaction. The live projector notices the swap on its next
 * commit and follows the log from the new views' checkpoint.
 */
export async function rebuild(rt: Runtime, projection: Projection, onProgress: (p: RebuildProgress) => void): Promise<RebuildResult> {
  const live = projection.schema;
  const aside = `${live}_rebuild`;
  const old = `${live}_old`;
  await rt.pool.query(`DROP SCHEMA IF EXISTS ${aside} CASCADE`);
  await rt.pool.query(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
  await migrate(rt.config.databaseUrl, [projection.migrations], { [live]: aside });
  const log = await rt.connectLog(`rebuild-${projection.context}-${Date.now().toString(36)}`);
  let failure: Error | null = null;
  const host = new ProjectorHost(log, rt.pool, rt.leases, projection, {
    schema: aside,
    batchSize: 2000,
    maxInFlight: 8192,
    onFatal: (err) => (failure ??= err),
  });
  const started = Date.now();
  const progress = (target: number): RebuildProgress => ({
    position: host.position,
    target,
    entries: host.stats.entries,
    events: host.stats.events,
    elapsedMs: Date.now() - started,
  });
  try {
    const target = await log.head(projection.category, 'event');
    await host.start();
    while (host.position < target) {
      if (failure) throw failure;
      onProgress(progress(target));
      await Promise.race([host.waitFor(target), new Promise((r) => setTimeout(r, 200))]);
    }
    onProgress(progress(target));
    await inTransaction(rt.pool, async (tx) => {
      // The live projector cannot commit while we hold this: its checkpoint stands still.
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [viewsLockKey(live)]);
      const { rows } = await tx.query<{ position: string }>(`SELECT position FROM ${live}.checkpoints WHERE projector = $1`, [host.name]);
      await host.waitFor(Number(rows[0]?.position ?? 0));
      await host.stop();
      if (failure) throw failure;
      await tx.query(`ALTER SCHEMA ${live} RENAME TO ${old}`);
      await tx.query(`ALTER SCHEMA ${aside} RENAME TO ${live}`);
    });
    await rt.pool.query(`DROP SCHEMA ${old} CASCADE`);
    const result = { ...progress(host.position), schema: live };
    logger.info(result, 'views rebuilt and swapped in');
    return result;
  } finally {
    await host.stop();
    await log.close();
  }
}

/** `[██████░░░░]  60%  12,000/20,000 entries  8,532/s` on one line, redrawn. */
export function progressBar(p: RebuildProgress, width = 30): string {
  const done = p.target > 0 ? Math.min(1, p.position / p.target) : 1;
  const filled = Math.round(done * width);
  const rate = p.elapsedMs > 0 ? Math.round((p.entries * 1000) / p.elapsedMs) : 0;
  const n = (x: number) => x.toLocaleString('en-US');
  return `[${'█'.repeat(filled)}${'░'.repeat(width - filled)}] ${String(Math.round(done * 100)).padStart(3)}%  ${n(p.position)}/${n(p.target)} entries  ${n(rate)}/s`;
}
