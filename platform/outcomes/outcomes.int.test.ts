import { eventually, testDatabase, uniq, type TestDatabase } from '../../test/support/env';
import { newId } from '../ids';
import { OutcomeWaiter, recordOutcome } from './outcomes';

let db: TestDatabase;
let waiter: OutcomeWaiter;
beforeAll(async () => {
  db = await testDatabase();
  waiter = new OutcomeWaiter(db.pool, db.url);
  await waiter.start();
});
afterAll(async () => {
  await waiter?.stop();
  await db?.drop();
});

const record = (commandId: string) =>
  recordOutcome(db.pool, {
    commandId,
    category: 'estimate',
    streamId: `estimate-${uniq()}`,
    userId: null,
    status: 'rejected',
    code: 'conflict',
    reason: 'already decided',
  });

describe('OutcomeWaiter', () => {
  it('wakes a waiting request when its outcome is announced', async () => {
    const id = newId();
    const pending = waiter.expect(id, 5_000);
    await record(id);
    expect(await pending.outcome).toMatchObject({ status: 'rejected', code: 'conflict' });
  });

  it('finds an outcome decided before it waited only when asked to look', async () => {
    // A repeat: decided earlier, so nobody announces it again.
    const id = newId();
    await record(id);
    const started = Date.now();
    expect(await waiter.expect(id, 1_000, { lookAfterMs: 50 }).outcome).toMatchObject({
      status: 'rejected',
    });
    expect(Date.now() - started).toBeLessThan(1_000);
    // Without the look the wait runs out, and the final check finds it: the same answer, late.
    const late = Date.now();
    expect(await waiter.expect(id, 300).outcome).toMatchObject({ status: 'rejected' });
    expect(Date.now() - late).toBeGreaterThanOrEqual(290);
  });
});

describe('OutcomeWaiter whose connection is cut', () => {
  const killListener = async () => {
    const { rowCount } = await db.pool.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
        WHERE datname = current_database() AND application_name = 'outcome-listener'`,
    );
    return rowCount;
  };

  it('listens again, and answers the requests whose outcomes were announced while it was away', async () => {
    const id = newId();
    // Longer than the test may take: only the look-up after reconnecting can answer it in time.
    const pending = waiter.expect(id, 120_000);
    const cutAt = Date.now();
    expect(await killListener()).toBe(1);
    await eventually(async () => !waiter.isListening, 5_000, 'the listener to notice');
    await record(id);
    expect(await pending.outcome).toMatchObject({ status: 'rejected', code: 'conflict' });
    process.stdout.write(`outcome found ${Date.now() - cutAt} ms after the cut\n`);
    await eventually(async () => waiter.isListening, 10_000, 'the listener to be back');

    // And announcements reach it again.
    const later = newId();
    const next = waiter.expect(later, 120_000);
    await record(later);
    expect(await next.outcome).toMatchObject({ status: 'rejected' });
  });

  it('rides out repeated cuts', async () => {
    for (let i = 0; i < 5; i++) {
      await eventually(async () => waiter.isListening, 10_000, 'the listener to be back');
      await killListener();
    }
    await eventually(async () => waiter.isListening, 10_000, 'the listener to be back');
    const id = newId();
    const pending = waiter.expect(id, 120_000);
    await record(id);
    expect(await pending.outcome).toMatchObject({ status: 'rejected' });
  });
});
