import { performance } from 'node:perf_hooks';
import { Client } from 'pg';

/** Wall-clock milliseconds with sub-millisecond resolution, comparable across processes. */
export const now = (): number => performance.timeOrigin + performance.now();

export const round = (n: number, digits = 1): number => {
  const f = 10 ** digits;
  return Math.round(n * f) / f;
};

export function percentile(sorted: number[], p: number): number | null {
  if (sorted.length === 0) return null;
  const i = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[i]!;
}

export interface Summary {
  n: number;
  p50: number | null;
  p90: number | null;
  p99: number | null;
  max: number | null;
  mean: number | null;
}

export function summarize(values: number[]): Summary {
  const s = [...values].sort((a, b) => a - b);
  const r = (v: number | null) => (v === null ? null : round(v, 2));
  return {
    n: s.length,
    p50: r(percentile(s, 50)),
    p90: r(percentile(s, 90)),
    p99: r(percentile(s, 99)),
    max: r(s.length ? s[s.length - 1]! : null),
    mean: r(s.length ? s.reduce((a, b) => a + b, 0) / s.length : null),
  };
}

export const log = (msg: string, fields: Record<string, unknown> = {}): void => {
  process.stderr.write(
    `[bench] ${msg}${Object.keys(fields).length ? ' ' + JSON.stringify(fields) : ''}\n`,
  );
};

/** What a failure says: an Error's message, else the thrown value itself. */
export const errorMessage = (err: unknown): string =>
  err instanceof Error ? err.message : String(err);

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const withDatabase = (url: string, db: string): string => {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.href;
};

/** Drops (forcing out any leftover session) and creates a database; returns its URL. */
export async function freshDatabase(baseUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`bad database name ${name}`);
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  return withDatabase(baseUrl, name);
}

export async function dropDatabase(baseUrl: string, name: string): Promise<void> {
  const admin = new Client({ connectionString: withDatabase(baseUrl, 'postgres') });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  } finally {
    await admin.end();
  }
}

/** A statement's kind for timing tables: `INSERT users`, `SELECT checkpoints`, `COMMIT`, `pg_notify`, ... */
export function statementKind(text: string): string {
  // A projector batch's statements travel with their values written in (a megabyte): its ends
  // say what it is, and the whole text would cost the replay it times a regex pass per trip.
  const ends = text.length > 16_384 ? `${text.slice(0, 8192)} ${text.slice(-8192)}` : text;
  const t = ends.replace(/\s+/g, ' ').trim();
  // `BEGIN; SET LOCAL ...; SELECT pg_advisory_xact_lock(...)` is one round trip that opens a transaction: BEGIN.
  const first = t.split(/[\s;]/)[0]!.toUpperCase();
  // One statement doing several things (CTEs): named by the tables it writes.
  if (first === 'WITH') {
    const written = [...t.matchAll(/\b(?:INSERT INTO|(?<!DO )UPDATE|DELETE FROM) ([\w.]+)/gi)].map(
      (m) => m[1]!.split('.').pop(),
    );
    return `WITH ${written.length ? written.join('+') : 'SELECT'}${/pg_notify/i.test(t) ? '+notify' : ''}`;
  }
  if (first === 'BEGIN' || first === 'COMMIT' || first === 'ROLLBACK' || first === 'LISTEN')
    return first;
  if (/pg_notify/i.test(t)) return 'pg_notify';
  if (/pg_try_advisory_lock/i.test(t)) return 'lease';
  if (/pg_advisory_xact_lock/i.test(t)) return 'advisory_xact_lock';
  if (first === 'INSERT')
    return `INSERT ${(/^INSERT INTO ([\w.]+)/i.exec(t)?.[1] ?? '?').split('.').pop()}`;
  if (first === 'UPDATE')
    return `UPDATE ${(/^UPDATE ([\w.]+)/i.exec(t)?.[1] ?? '?').split('.').pop()}`;
  if (first === 'SELECT') {
    // Every table it reads, so a read that joins or checks access says so (functions left out).
    const tables = [
      ...new Set(
        [...t.matchAll(/\b(?:FROM|JOIN) ([\w.]+)(?!\w*\s*\()/gi)].map((m) =>
          m[1]!.split('.').pop()!,
        ),
      ),
    ].sort();
    return `SELECT ${tables.length ? tables.join('+') : 'expr'}`;
  }
  return first;
}

/** Runs `items` through `workers` concurrent workers; rejects on the first failure. */
export async function parallel<T>(
  items: T[],
  workers: number,
  work: (item: T, i: number) => Promise<void>,
): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(workers, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await work(items[i]!, i);
      }
    }),
  );
}
