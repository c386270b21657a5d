import { Pool, type PoolClient } from 'pg';
import { logger } from '../logger';
import { isTransient } from './errors';

export type Tx = PoolClient;

/**
 * How long taking a connection may wait: pg's default is forever, so with the server gone (or a
 * network that drops packets) a request would hang instead of answering 503.
 */
export const CONNECT_TIMEOUT_MS = 3_000;

export function createPool(connectionString: string, max = 10): Pool {
  const pool = new Pool({
    connectionString,
    max,
    idleTimeoutMillis: 30_000,
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    // A peer that vanished without closing (a dead host, a dropped NAT entry) is noticed.
    keepAlive: true,
  });
  // An idle client dropped by the server must not take the process down; the pool replaces it.
  pool.on('error', (err) => logger.warn({ err: err.message }, 'idle Postgres client error'));
  // Nor one cut the moment it is lent: the pool stops listening as it hands a client over, and the
  // borrower (`withClient`) listens only a promise's turn later. A server's "terminating
  // connection" read in the same packet as the connection's first "ready" falls in between, with no
  // listener, and ends the process (seen with pg_terminate_backend). So every client always has one;
  // the borrower still learns of the cut from its next query.
  pool.on('connect', (client) =>
    client.on('error', (err) => logger.warn({ err: err.message }, 'Postgres client error')),
  );
  return pool;
}

/**
 * A client taken from the pool for several statements. While it is out, the pool does not listen
 * for its errors: a connection cut then (pg_terminate_backend, a server restart) emits `error` on
 * the client, and an `error` nobody listens to ends the process. So `work` runs with a listener,
 * and a client that failed is handed back with the error, which makes the pool discard it
 * instead of lending a dead connection to the next caller.
 */
export async function withClient<T>(pool: Pool, work: (client: PoolClient) => Promise<T>) {
  const client = await pool.connect();
  let broken: Error | null = null;
  const onError = (err: Error) => (broken ??= err);
  client.on('error', onError);
  try {
    return await work(client);
  } catch (err) {
    if (isTransient(err)) broken ??= err as Error;
    throw err;
  } finally {
    client.removeListener('error', onError);
    // After a cut the pool's own listener is back on it, so a late error is still heard.
    client.release(broken ?? undefined);
  }
}

export function inTransaction<T>(pool: Pool, work: (tx: Tx) => Promise<T>): Promise<T> {
  return withClient(pool, async (tx) => {
    await tx.query('BEGIN');
    try {
      const result = await work(tx);
      await tx.query('COMMIT');
      return result;
    } catch (err) {
      await tx.query('ROLLBACK').catch(() => undefined);
      throw err;
    }
  });
}

export async function isReachable(pool: Pool): Promise<boolean> {
  try {
    await pool.query('SELECT 1');
    return true;
  } catch {
    return false;
  }
}
