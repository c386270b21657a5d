import { createServer, type Server, type Socket } from 'node:net';
import { testDatabase, type TestDatabase } from '../../test/support/env';
import { isTransient } from './errors';
import { createPool, inTransaction, withClient } from './pool';

jest.setTimeout(30_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await db.drop();
});

const terminate = (pid: number) => db.pool.query('SELECT pg_terminate_backend($1)', [pid]);

describe('a pool whose connections are cut', () => {
  it('survives a session killed while its client is checked out, and lends a live one next', async () => {
    const pool = createPool(db.url, 2);
    try {
      let killed = 0;
      // Killed between two statements of a transaction: the client is out, no query is running,
      // so the server's goodbye arrives as an `error` event on the client itself.
      const failure = await inTransaction(pool, async (tx) => {
        const { rows } = await tx.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
        killed = rows[0]?.pid ?? 0;
        await terminate(killed);
        await new Promise((r) => setTimeout(r, 200));
        await tx.query('SELECT 1');
      }).catch((err: unknown) => err);
      expect(isTransient(failure)).toBe(true);
      // The broken client was discarded: the next one is a new session.
      const next = await withClient(pool, (c) =>
        c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid'),
      );
      expect(next.rows[0]?.pid).not.toBe(killed);
      expect(pool.totalCount).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('survives idle sessions killed, and answers on new ones', async () => {
    const pool = createPool(`${db.url}?application_name=pool-under-fire`, 3);
    try {
      await Promise.all([1, 2, 3].map(() => pool.query('SELECT pg_sleep(0.05)')));
      const { rowCount } = await db.pool.query(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
          WHERE datname = current_database() AND application_name = 'pool-under-fire'`,
      );
      expect(rowCount).toBe(3);
      await new Promise((r) => setTimeout(r, 200));
      expect((await pool.query<{ one: number }>('SELECT 1 AS one')).rows[0]?.one).toBe(1);
    } finally {
      await pool.end();
    }
  });

  it('gives up taking a connection from a server that does not answer, as a transient failure', async () => {
    // Accepts connections and says nothing, like a host whose packets are dropped.
    const held = new Set<Socket>();
    const mute: Server = createServer((s) => held.add(s));
    await new Promise<void>((r) => mute.listen(0, '127.0.0.1', () => r()));
    const { port } = mute.address() as { port: number };
    const pool = createPool(`postgres://postgres@127.0.0.1:${port}/nothing`, 1);
    try {
      const started = Date.now();
      const failure = await pool.query('SELECT 1').catch((err: unknown) => err);
      process.stdout.write(`connect to a mute server gave up after ${Date.now() - started} ms\n`);
      expect(isTransient(failure)).toBe(true);
    } finally {
      await pool.end();
      for (const s of held) s.destroy();
      await new Promise((r) => mute.close(r));
    }
  });
});
