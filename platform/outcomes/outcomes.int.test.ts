import { testDatabase, uniq, type TestDatabase } from '../../test/support/env';
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
