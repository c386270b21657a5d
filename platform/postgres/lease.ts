import { createHash, randomUUID } from 'node:crypto';
import { Client } from 'pg';
import { asError } from '../errors';
import type { Lease, LeaseProvider } from '../lease';
import { logger } from '../logger';
import { isTransient } from './errors';
import { CONNECT_TIMEOUT_MS } from './pool';

const lockKey = (name: string): string =>
  createHash('sha1').update(name).digest().readBigInt64BE(0).toString();

/**
 * Beyond a confirmation's validity, the time for what a holder handed to its client just before
 * the confirmation lapsed to be sent (clients write what is queued at the end of the event loop's
 * turn) and to arrive.
 */
const SEND_MARGIN_MS = 250;

/**
 * A query on the lease's connection unanswered this long means the connection is dead (a peer
 * gone without a word): the lease is lost. Long, since a slow answer is not a loss: writes just
 * wait for it (see `isHeld`).
 */
const DEAD_AFTER_MS = 5_000;

/**
 * Leases as Postgres session advisory locks, one connection per lease: when the holder dies,
 * Postgres ends its session and the lock is free for the next instance at once.
 *
 * A lock alone does not fence: the session can end (pg_terminate_backend, a server restart, a
 * cut connection) while its holder goes on for a moment before it hears of it, and a next holder
 * could take the lock within that moment. So a holder trusts its lease only while its session was
 * confirmed alive within `validityMs` (`isHeld()`, asked before each guarded write; a write that
 * finds it lapsed waits for `confirm()`), and a next holder begins writing only once that long
 * (and a margin) has passed since it took the lock (`safeAfter`), unless the last holder gave the
 * lease up (recorded in platform.leases just before it let go).
 */
export class PostgresLeases implements LeaseProvider {
  constructor(
    private readonly connectionString: string,
    /** A standby asks for the lock this often: the gap between a holder's death and takeover. */
    private readonly pollMs = 100,
    /** A held lease proves its session is alive this often. */
    private readonly heartbeatMs = 150,
  ) {}

  /** How long one confirmation lasts: three heartbeats, so one late answer changes nothing. */
  get validityMs(): number {
    return 3 * this.heartbeatMs;
  }

  /**
   * Waits for the lease, and for Postgres too: while the server cannot be reached (restarting,
   * or the connection was cut while waiting) it asks again, so a writer that lost its lease with
   * the server stands by until both are back rather than failing over and over.
   */
  async acquire(name: string, signal?: AbortSignal): Promise<Lease> {
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.attempt(name, signal);
      } catch (err) {
        if (!isTransient(err) || signal?.aborted) throw err;
        if (attempt % 20 === 0)
          logger.warn(
            { lease: name, err: asError(err).message },
            'waiting for Postgres to take a lease',
          );
        await new Promise((r) => setTimeout(r, Math.min(this.pollMs * 2 ** attempt, 1_000)));
      }
    }
  }

  private async attempt(name: string, signal?: AbortSignal): Promise<Lease> {
    const validityMs = this.validityMs;
    const client = new Client({
      connectionString: this.connectionString,
      application_name: `lease:${name}`.slice(0, 63),
      keepAlive: true,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      // A half-open connection must not let us believe we still hold the lock.
      query_timeout: DEAD_AFTER_MS,
    });
    const holder = randomUUID();
    const listeners: Array<(err: Error) => void> = [];
    let lostWith: Error | null = null;
    let done = false;
    // On the monotonic clock: a wall clock set back must not stretch a confirmation.
    let confirmedAt = 0;
    // Assigned once the lock is held; `lost` may run before that, so no const declared there.
    let heartbeat: NodeJS.Timeout | undefined = undefined;
    const lost = (err: Error) => {
      clearInterval(heartbeat);
      if (done) return;
      done = true;
      lostWith = err;
      for (const l of listeners.splice(0)) l(err);
      client.end().catch(() => undefined);
    };
    const isHeld = (): boolean => !done && performance.now() - confirmedAt <= validityMs;
    // One question at a time on the connection; callers meanwhile share its answer.
    let asking: Promise<void> | null = null;
    const ask = (): Promise<void> =>
      (asking ??= (async () => {
        if (done) throw lostWith ?? new Error(`lease ${name} was given up`);
        const sentAt = performance.now();
        try {
          await client.query('SELECT 1');
        } catch (err) {
          lost(new Error(`lease ${name}: its session did not answer: ${asError(err).message}`));
          throw lostWith ?? err;
        }
        // Alive when the server answered, so at least since we asked.
        confirmedAt = Math.max(confirmedAt, sentAt);
      })().finally(() => (asking = null)));
    const confirm = async (): Promise<void> => {
      for (;;) {
        await ask();
        if (isHeld()) return;
        if (done) throw lostWith ?? new Error(`lease ${name} was given up`);
        // The answer was to a question asked too long ago (before a stall): ask again.
      }
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('lease connection ended')));
    let safeAfter = 0;
    try {
      await client.connect();
      const key = lockKey(name);
      for (;;) {
        if (signal?.aborted) throw new Error(`gave up waiting for lease ${name}`);
        const sentAt = performance.now();
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS ok',
          [key],
        );
        const [row] = rows;
        if (!row) throw new Error('pg_try_advisory_lock returned no row');
        if (row.ok) {
          confirmedAt = sentAt;
          break;
        }
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
      const gaveUp = await lastHolderGaveUp(client, name, holder);
      safeAfter = gaveUp ? 0 : Date.now() + validityMs + SEND_MARGIN_MS;
    } catch (err) {
      done = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    heartbeat = setInterval(() => {
      ask().catch(() => undefined);
    }, this.heartbeatMs);
    heartbeat.unref();
    return {
      name,
      holder,
      safeAfter,
      isHeld,
      confirm,
      onLost: (l) => {
        if (lostWith) l(lostWith);
        else if (!done) listeners.push(l);
      },
      release: async () => {
        clearInterval(heartbeat);
        if (done) return;
        done = true;
        await asking?.catch(() => undefined);
        // Said while the lock is still ours, so the next holder knows it need not wait; unless
        // we leave before our own wait for the one before us was over, which it must then finish.
        if (Date.now() >= safeAfter)
          await client
            .query('UPDATE platform.leases SET released = true WHERE name = $1 AND holder = $2', [
              name,
              holder,
            ])
            .catch(() => undefined);
        await client.end().catch(() => undefined);
      },
    };
  }
}

/** Records us as the holder; whether the one before gave the lease up (or there was none). */
async function lastHolderGaveUp(client: Client, name: string, holder: string): Promise<boolean> {
  try {
    const { rows } = await client.query<{ released: boolean | null }>(
      `WITH previous AS (SELECT released FROM platform.leases WHERE name = $1)
       INSERT INTO platform.leases (name, holder, released) VALUES ($1, $2, false)
       ON CONFLICT (name) DO UPDATE SET holder = EXCLUDED.holder, released = false, acquired_at = now()
       RETURNING (SELECT released FROM previous) AS released`,
      [name, holder],
    );
    return rows[0]?.released !== false;
  } catch (err) {
    // A database without the table (not migrated yet): nothing says how the last holder left.
    if ((err as { code?: unknown }).code === '42P01') return false;
    throw err;
  }
}
