import { testDatabase, uniq, type TestDatabase } from '../../test/support/env';
import { PostgresLeases } from './lease';

jest.setTimeout(30_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await db.drop();
});

const killHolder = (name: string) =>
  db.pool.query(
    `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
      WHERE datname = current_database() AND application_name = $1`,
    [`lease:${name}`],
  );

describe('PostgresLeases', () => {
  const leases = () => new PostgresLeases(db.url, 20);

  it('hands over at once when the holder gave the lease up', async () => {
    const name = `hand-over-${uniq()}`;
    const first = await leases().acquire(name);
    expect(first.safeAfter).toBe(0);
    expect(first.isHeld()).toBe(true);
    await first.confirm();
    await first.release();
    expect(first.isHeld()).toBe(false);
    const second = await leases().acquire(name);
    expect(second.safeAfter).toBe(0);
    await second.release();
  });

  it('makes the next holder wait when the last one lost the lease, and tells the loser', async () => {
    const name = `lost-${uniq()}`;
    const first = await leases().acquire(name);
    const lost = new Promise<Error>((resolve) => first.onLost(resolve));
    await killHolder(name);
    expect((await lost).message).toMatch(/terminating connection|ended/);
    expect(first.isHeld()).toBe(false);
    await expect(first.confirm()).rejects.toThrow();
    const second = await leases().acquire(name);
    // The loser may have gone on writing for a moment: the next one waits that long.
    expect(second.safeAfter).toBeGreaterThan(Date.now());
    // Leaving before that wait is over passes the wait on to the next holder.
    await second.release();
    const third = await leases().acquire(name);
    expect(third.safeAfter).toBeGreaterThan(Date.now());
    // A timer may fire a millisecond early by Date.now() (libuv rounds its clock): wait a little past.
    await new Promise((r) => setTimeout(r, Math.max(0, third.safeAfter - Date.now()) + 20));
    await third.release();
    const fourth = await leases().acquire(name);
    expect(fourth.safeAfter).toBe(0);
    await fourth.release();
  });

  it('keeps a second taker waiting while the lease is held', async () => {
    const name = `busy-${uniq()}`;
    const first = await leases().acquire(name);
    const abort = new AbortController();
    const second = leases().acquire(name, abort.signal);
    setTimeout(() => abort.abort(), 300);
    await expect(second).rejects.toThrow(/gave up waiting/);
    expect(first.isHeld()).toBe(true);
    await first.release();
  });
});
