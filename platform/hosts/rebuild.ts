import { logger } from '../logger';
import { migrate } from '../postgres/migrate';
import { inTransaction } from '../postgres/pool';
import { ProjectorHost, viewsLockKey, type Projection } from './projectorHost';
import type { Runtime } from '../runtime/runtime';

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
export async function rebuild(
  rt: Runtime,
  projections: Projection[],
  onProgress: (p: RebuildProgress) => void,
  outcomeQuorum: (category: string) => number = () => 1,
): Promise<RebuildResult> {
  const [first] = projections;
  if (!first) throw new Error('nothing to rebuild: no projections');
  const live = first.schema;
  if (projections.some((p) => p.schema !== live)) throw new Error('rebuild one schema at a time');
  const aside = `${live}_rebuild`;
  const old = `${live}_old`;
  await rt.pool.query(`DROP SCHEMA IF EXISTS ${aside} CASCADE`);
  await rt.pool.query(`DROP SCHEMA IF EXISTS ${old} CASCADE`);
  await migrate(rt.config.databaseUrl, [first.migrations], { [live]: aside });
  const log = await rt.connectLog(`rebuild-${first.context}-${Date.now().toString(36)}`);
  // Held in an object: a host's onFatal sets it during the awaits below.
  const failed: { err: Error | null } = { err: null };
  const hosts = projections.map(
    (projection) =>
      new ProjectorHost(log, rt.pool, rt.leases, projection, {
        schema: aside,
        recordOutcomes: false,
        outcomeQuorum: outcomeQuorum(projection.category),
        batchSize: 2000,
        maxInFlight: 8192,
        onFatal: (err) => (failed.err ??= err),
      }),
  );
  const started = Date.now();
  const sum = (f: (h: ProjectorHost) => number) => hosts.reduce((n, h) => n + f(h), 0);
  const progress = (targets: number[]): RebuildProgress => ({
    position: sum((h) => h.position),
    target: targets.reduce((a, b) => a + b, 0),
    entries: sum((h) => h.stats.entries),
    events: sum((h) => h.stats.events),
    elapsedMs: Date.now() - started,
  });
  try {
    // Each host with the end of its category's log as it is now: where it has caught up.
    const goals = await Promise.all(
      hosts.map(async (host) => ({ host, target: await log.head(host.category, 'event') })),
    );
    const targets = goals.map((g) => g.target);
    const caughtUp = () => goals.every(({ host, target }) => host.position >= target);
    // Outcomes are the live projector's to record, but not of what the rebuild applies past its
    // checkpoint by the swap: the live projector then follows from the new views' checkpoint and
    // never sees those entries, and their requests would wait for ever. So each host holds what
    // it applied ahead of the live views, and the swap records it.
    const forgetRecorded = async () => {
      const { rows } = await rt.pool.query<{ projector: string; position: string }>(
        `SELECT projector, position FROM ${live}.checkpoints`,
      );
      for (const h of hosts)
        h.forgetHeldOutcomes(Number(rows.find((r) => r.projector === h.name)?.position ?? 0));
    };
    for (const h of hosts) {
      h.holdOutcomes();
      await h.start();
    }
    while (!caughtUp()) {
      if (failed.err) throw failed.err;
      onProgress(progress(targets));
      await forgetRecorded();
      await Promise.race([
        Promise.all(goals.map(({ host, target }) => host.waitFor(target))),
        new Promise((r) => setTimeout(r, 200)),
      ]);
    }
    onProgress(progress(targets));
    await inTransaction(rt.pool, async (tx) => {
      // The live projectors cannot commit while we hold this: their checkpoints stand still.
      await tx.query('SELECT pg_advisory_xact_lock($1::bigint)', [viewsLockKey(live)]);
      for (const h of hosts) {
        const { rows } = await tx.query<{ position: string }>(
          `SELECT position FROM ${live}.checkpoints WHERE projector = $1`,
          [h.name],
        );
        const position = Number(rows[0]?.position ?? 0);
        await h.waitFor(position);
        await h.stop();
        // Announced when this transaction commits, once the new views are the live ones.
        await h.recordHeldOutcomes(tx, position);
      }
      if (failed.err) throw failed.err;
      await tx.query(`ALTER SCHEMA ${live} RENAME TO ${old}`);
      await tx.query(`ALTER SCHEMA ${aside} RENAME TO ${live}`);
    });
    await rt.pool.query(`DROP SCHEMA ${old} CASCADE`);
    const result = { ...progress(hosts.map((h) => h.position)), schema: live };
    logger.info(result, 'views rebuilt and swapped in');
    return result;
  } finally {
    for (const h of hosts) await h.stop();
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
