import type { Pool } from 'pg';
import { uniq } from '../support/env';
import { flows } from '../support/flows';
import type { Api, TestSystem } from '../support/system';

/** A registered owner and a new board, with the column the load adds its tasks to. */
export async function boardToLoad(sys: TestSystem) {
  const { person, project } = flows(sys);
  const owner = await person('owner');
  const pid = await project(owner);
  const columns = await owner.call('GET', `/projects/${pid}/columns`);
  const columnId = (columns.body as Array<{ id: string }>)[0]?.id;
  if (!columnId) throw new Error(`the board has no column: ${JSON.stringify(columns.body)}`);
  return { owner, pid, columnId };
}

/** Waits until every acknowledged write is in the view (or a bound passes), then counts. */
export async function settledCount(db: Pool, projectId: string, load: WriteLoadResult) {
  let counted = await countInView(db, projectId, load);
  for (let i = 0; i < 100 && counted.lost > 0; i++) {
    await sleep(100);
    counted = await countInView(db, projectId, load);
  }
  return counted;
}

/** One answer to one attempt of one write. */
export interface Attempt {
  write: number;
  at: number;
  ms: number;
  /** 0: no answer (the connection failed). */
  status: number;
  retryAfter: string | null;
}

export interface WriteLoadOptions {
  /** Asked for every attempt: a scenario may move the load to another instance. */
  api: () => Api;
  token: string;
  projectId: string;
  columnId: string;
  clients: number;
  total: number;
  /** Pause between one client's writes, so the load spans the fault. */
  paceMs: number;
  /** A write is given up (and counted as not acknowledged) after this long. */
  writeDeadlineMs?: number;
  /**
   * No write is begun after this long: a system that stalls ends the load (and shows in what was
   * acknowledged and not found) rather than the test's time.
   */
  sendForMs?: number;
}

export interface WriteLoadResult {
  runId: string;
  sent: number;
  /** Titles of the writes that were acknowledged (201, or 202 with a command to follow). */
  acknowledged: string[];
  attempts: Attempt[];
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Task creations on one board, each with its own Idempotency-Key, retried under the same key on
 * 5xx or a failed connection, as a careful client does: what the fault suites count.
 */
export async function runWriteLoad(o: WriteLoadOptions): Promise<WriteLoadResult> {
  const runId = uniq();
  const deadlineMs = o.writeDeadlineMs ?? 60_000;
  const stopSending = Date.now() + (o.sendForMs ?? Infinity);
  const attempts: Attempt[] = [];
  const acknowledged: string[] = [];
  let next = 0;
  let sent = 0;
  const write = async (i: number) => {
    sent++;
    const title = `load ${runId} ${i}`;
    const key = `load-${runId}-${i}`;
    const giveUp = Date.now() + deadlineMs;
    while (Date.now() < giveUp) {
      const at = Date.now();
      let status = 0;
      let retryAfter: string | null = null;
      try {
        const res = await o
          .api()
          .call('POST', `/projects/${o.projectId}/columns/${o.columnId}/tasks`, {
            token: o.token,
            body: { title },
            headers: { 'Idempotency-Key': key },
          });
        status = res.status;
        retryAfter = res.headers.get('retry-after');
      } catch {
        status = 0;
      }
      attempts.push({ write: i, at, ms: Date.now() - at, status, retryAfter });
      if (status === 201 || status === 202) return void acknowledged.push(title);
      if (status >= 400 && status < 500 && status !== 409 && status !== 429) return;
      await sleep(retryAfter ? Math.min(1000, Number(retryAfter) * 1000) : 200);
    }
  };
  await Promise.all(
    Array.from({ length: o.clients }, async () => {
      for (let i = next++; i < o.total && Date.now() < stopSending; i = next++) {
        await write(i);
        await sleep(o.paceMs);
      }
    }),
  );
  return { runId, sent, acknowledged, attempts };
}

/** How many of a load's writes are in the board's view, and how many are missing or twice there. */
export async function countInView(
  db: Pool,
  projectId: string,
  load: WriteLoadResult,
): Promise<{ found: number; lost: number; doubled: number }> {
  const { rows } = await db.query<{ title: string; n: number }>(
    `SELECT title, count(*)::int AS n FROM projects.tasks
      WHERE project_id = $1 AND title LIKE $2 GROUP BY title`,
    [projectId, `load ${load.runId} %`],
  );
  const counts = new Map(rows.map((r) => [r.title, r.n]));
  return {
    found: rows.length,
    lost: load.acknowledged.filter((t) => !counts.has(t)).length,
    doubled: rows.filter((r) => r.n > 1).length,
  };
}

/**
 * When writes were acknowledged again after a moment: the first acknowledgement of an attempt
 * sent at or after it (`sentAfter`, for a fault that decides nothing meanwhile, like a writer's
 * death), or the first one answered after it.
 */
export function firstAckAfter(
  load: WriteLoadResult,
  t: number,
  by: 'answered' | 'sentAfter' = 'answered',
): number | null {
  const acks = load.attempts.filter(
    (a) => (by === 'sentAfter' ? a.at : a.at + a.ms) >= t && (a.status === 201 || a.status === 202),
  );
  return acks.length ? Math.min(...acks.map((a) => a.at + a.ms)) : null;
}

/** How many attempts got each status (0: no answer). */
export function countStatuses(attempts: Attempt[]): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const a of attempts) counts[a.status] = (counts[a.status] ?? 0) + 1;
  return counts;
}
