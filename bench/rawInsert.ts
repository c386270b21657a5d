/**
 * Raw Postgres: single-row INSERTs of a ~200-byte jsonb value, autocommit (one statement, one
 * commit, the server's synchronous_commit), through `pg`, in the same closed loop as the HTTP
 * workloads. The yardstick issue 15 measures every write rate against.
 */
import { Client } from 'pg';
import { closedLoop } from './loop';
import { rawBody } from './ratios';
import { now, round, summarize, type Summary } from './util';

export interface RawInsertResult {
  clients: number;
  inserts: number;
  seconds: number;
  /** INSERTs answered without error, per second. */
  writesPerSec: number;
  /** One INSERT round trip, from `query` until its answer. */
  latencyMs: Summary;
  errors: number;
}

/** A table of the run's own (`name` is the caller's, checked here), one bigserial key and the jsonb. */
export async function createRawTable(client: Client, name: string): Promise<void> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad table name ${name}`);
  await client.query(`CREATE TABLE ${name} (id bigserial PRIMARY KEY, body jsonb NOT NULL)`);
}

/** One connection per caller: `conns` must hold at least `clients`, connected beforehand. */
export async function runRawInserts(o: {
  conns: Client[];
  table: string;
  clients: number;
  durationMs: number;
  maxInserts: number;
  bodyBytes: number;
}): Promise<RawInsertResult> {
  if (o.conns.length < o.clients)
    throw new Error(`raw INSERTs: ${o.clients} callers but ${o.conns.length} connections`);
  const text = `INSERT INTO ${o.table} (body) VALUES ($1)`;
  const latencies: number[] = [];
  let errors = 0;
  const failed: string[] = [];
  const { seconds } = await closedLoop(
    {
      clients: o.clients,
      durationMs: o.durationMs,
      maxOps: o.maxInserts,
      stop: () => errors >= 20,
    },
    (c) => {
      const conn = o.conns[c]!;
      return async (i) => {
        const body = rawBody(i, o.bodyBytes);
        const t0 = now();
        try {
          await conn.query(text, [body]);
          latencies.push(now() - t0);
        } catch (err) {
          errors++;
          failed.push((err as Error).message);
        }
      };
    },
  );
  if (failed.length) process.stderr.write(`[bench] raw INSERT failed: ${failed[0]}\n`);
  return {
    clients: o.clients,
    inserts: latencies.length + errors,
    seconds: round(seconds, 3),
    writesPerSec: Math.round(latencies.length / seconds),
    latencyMs: summarize(latencies),
    errors,
  };
}
