import { createHash } from 'node:crypto';
import { Client } from 'pg';
import { asError } from '../errors';
import type { Lease, LeaseProvider } from '../lease';

const lockKey = (name: string): string =>
  createHash('sha1').update(name).digest().readBigInt64BE(0).toString();

/**
 * Leases as Postgres session advisory locks, one connection per lease: when the holder dies,
 * Postgres ends its session and the lock is free for the next instance at once.
 */
export class PostgresLeases implements LeaseProvider {
  constructor(
    private readonly connectionString: string,
    private readonly pollMs = 250,
    /** A held lease proves its session is alive this often; silence past twice this is loss. */
    private readonly heartbeatMs = 2000,
  ) {}

  async acquire(name: string, signal?: AbortSignal): Promise<Lease> {
    const client = new Client({
      connectionString: this.connectionString,
      application_name: `lease:${name}`.slice(0, 63),
      keepAlive: true,
      // A half-open connection must not let us believe we still hold the lock.
      query_timeout: this.heartbeatMs * 2,
    });
    const listeners: Array<(err: Error) => void> = [];
    let released = false;
    // Assigned once the lock is held; `lost` may run before that, so no const declared there.
    let heartbeat: NodeJS.Timeout | undefined = undefined;
    const lost = (err: Error) => {
      clearInterval(heartbeat);
      if (released) return;
      released = true;
      for (const l of listeners.splice(0)) l(err);
    };
    client.on('error', lost);
    client.on('end', () => lost(new Error('lease connection ended')));
    await client.connect();
    const key = lockKey(name);
    try {
      for (;;) {
        if (signal?.aborted) throw new Error(`gave up waiting for lease ${name}`);
        const { rows } = await client.query<{ ok: boolean }>(
          'SELECT pg_try_advisory_lock($1::bigint) AS ok',
          [key],
        );
        const [row] = rows;
        if (!row) throw new Error('pg_try_advisory_lock returned no row');
        if (row.ok) break;
        await new Promise((r) => setTimeout(r, this.pollMs));
      }
    } catch (err) {
      released = true;
      await client.end().catch(() => undefined);
      throw err;
    }
    heartbeat = setInterval(() => {
      client.query('SELECT 1').catch((err: unknown) => {
        lost(new Error(`lease ${name} heartbeat failed: ${asError(err).message}`));
        client.end().catch(() => undefined);
      });
    }, this.heartbeatMs);
    heartbeat.unref();
    return {
      name,
      onLost: (l) => listeners.push(l),
      release: async () => {
        clearInterval(heartbeat);
        if (released) return;
        released = true;
        await client.end().catch(() => undefined);
      },
    };
  }
}
