import { runner } from 'node-pg-migrate';
import { testDatabase, uniq, type TestDatabase } from '../../test/support/env';
import { EffectInProgress, once } from '../effects/once';
import type { EffectKey } from '../effects/port';
import { repoPath } from '../paths';
import { migrate, platformMigrations } from './migrate';
import { postgresEffectLedger } from './effectLedger';

jest.setTimeout(30_000);

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await db?.drop();
});

const key = (scope = 'test-scope'): EffectKey => ({ scope, id: `effect-${uniq()}` });
const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('the Postgres effect ledger', () => {
  it('gives an effect to one attempt at a time, and its result to every attempt after it is done', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    const first = await ledger.claim(k, 10_000);
    expect(first.state).toBe('claimed');
    expect(await ledger.claim(k, 10_000)).toMatchObject({ state: 'busy' });
    await ledger.complete(k, { id: 'pi_1', clientSecret: 'secret' });
    expect(await ledger.claim(k, 10_000)).toEqual({
      state: 'done',
      result: { id: 'pi_1', clientSecret: 'secret' },
    });
    // The first record stands.
    await ledger.complete(k, { id: 'pi_2' });
    expect(await ledger.claim(k, 10_000)).toMatchObject({ result: { id: 'pi_1' } });
  });

  it('keeps scopes apart', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key('mail');
    await ledger.complete(k, null);
    expect(await ledger.claim({ scope: 'refund', id: k.id }, 1000)).toMatchObject({
      state: 'claimed',
    });
  });

  it('a released claim is free at once; a claim that ran out is taken over', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    const held = await ledger.claim(k, 10_000);
    if (held.state !== 'claimed') throw new Error('not claimed');
    // Another attempt's token releases nothing.
    await ledger.release(k, 'not-the-holder');
    expect(await ledger.claim(k, 10_000)).toMatchObject({ state: 'busy' });
    await ledger.release(k, held.token);
    const again = await ledger.claim(k, 50);
    expect(again.state).toBe('claimed');
    await pause(100);
    const takeover = await ledger.claim(k, 10_000);
    expect(takeover.state).toBe('claimed');
    // The slow first holder releases nothing of the new holder's.
    if (again.state === 'claimed') await ledger.release(k, again.token);
    expect(await ledger.claim(k, 10_000)).toMatchObject({ state: 'busy' });
  });

  it('records an effect done by a slow attempt even after its claim was taken over and given up', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    await ledger.claim(k, 20);
    await pause(50);
    const second = await ledger.claim(k, 10_000);
    if (second.state !== 'claimed') throw new Error('not taken over');
    await ledger.release(k, second.token);
    await ledger.complete(k, 'sent by the slow one');
    expect(await ledger.claim(k, 10_000)).toEqual({
      state: 'done',
      result: 'sent by the slow one',
    });
  });

  it('once: does an effect once, and hands its recorded result to a repeat', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    let calls = 0;
    const effect = async () => ({ id: `re_${++calls}` });
    expect(await once(ledger, k, 1000, effect)).toEqual({ id: 're_1' });
    expect(await once(ledger, k, 1000, effect)).toEqual({ id: 're_1' });
    expect(calls).toBe(1);
  });

  it('once: a concurrent attempt is told to come back, and a failed effect is free for the next attempt', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    let calls = 0;
    let finish: () => void = () => undefined;
    const slow = once(ledger, k, 10_000, async () => {
      calls++;
      await new Promise<void>((r) => (finish = r));
    });
    await pause(50);
    const again = once(ledger, k, 10_000, async () => {
      calls++;
    });
    await expect(again).rejects.toBeInstanceOf(EffectInProgress);
    finish();
    await slow;
    expect(calls).toBe(1);

    const failing = key();
    await expect(
      once(ledger, failing, 10_000, async () => Promise.reject(new Error('SMTP down'))),
    ).rejects.toThrow('SMTP down');
    expect(await once(ledger, failing, 10_000, async () => 'sent')).toBe('sent');
  });

  it('once: of many attempts at the same moment, one does the effect', async () => {
    const ledger = postgresEffectLedger(db.pool);
    const k = key();
    let calls = 0;
    const results = await Promise.allSettled(
      Array.from({ length: 8 }, () =>
        once(ledger, k, 10_000, async () => {
          calls++;
          await pause(20);
        }),
      ),
    );
    expect(calls).toBe(1);
    // The others found it under way (to come back later) or, coming later, done.
    for (const r of results)
      if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(EffectInProgress);
  });

  it('keeps the invitations the reaction ledger recorded before it became this one', async () => {
    // This suite's own database as it was before the ledger was shared (007): 001 to 006.
    await db.pool.query('DROP SCHEMA platform CASCADE');
    await runner({
      databaseUrl: db.url,
      dir: repoPath(platformMigrations.dir),
      ignorePattern: '(?!00[1-6]_).*',
      migrationsTable: 'migrations',
      schema: 'platform',
      migrationsSchema: 'platform',
      createSchema: true,
      createMigrationsSchema: true,
      checkOrder: true,
      direction: 'up',
      log: () => undefined,
    });
    await db.pool.query(
      "INSERT INTO platform.reaction_effects (reaction, effect_id) VALUES ('team-invitation-mailer', 'invite-1')",
    );
    await migrate(db.url, [platformMigrations]);
    const ledger = postgresEffectLedger(db.pool);
    expect(
      await ledger.claim({ scope: 'team-invitation-mailer', id: 'invite-1' }, 1000),
    ).toMatchObject({ state: 'done' });
    expect(
      await ledger.claim({ scope: 'team-invitation-mailer', id: 'invite-2' }, 1000),
    ).toMatchObject({ state: 'claimed' });
  });
});
