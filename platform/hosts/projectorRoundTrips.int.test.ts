import { Client, type Pool, type PoolClient } from 'pg';
import { StanEventLog } from '../eventlog/stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import { newId } from '../ids';
import type { NewEvent } from '../eventlog/port';
import { OUTCOME_CHANNEL, announced } from '../outcomes/outcomes';
import { ProjectorHost } from './projectorHost';
import { identityProjection } from '../../projectors/identity';
import {
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

jest.setTimeout(30_000);

let db: TestDatabase;
let log: StanEventLog;
const prefix = testPrefix();
beforeAll(async () => {
  db = await testDatabase();
  log = await testStanLog(db, prefix, 'trips');
});
afterAll(async () => {
  await log.close();
  await db.drop();
});

const userAdded = (commandId: string, firstName = 'P'): NewEvent => {
  const id = newId();
  return {
    id: newId(),
    type: 'UserAdded',
    data: {
      id,
      auth0Id: `auth0|${id}`,
      email: `${uniq()}@example.com`,
      emailVerified: false,
      firstName,
      lastName: "O'Q \\ ,",
      picture: '',
      locale: '',
    },
    metadata: {
      traceId: 't',
      correlationId: commandId,
      causationId: commandId,
      userId: 'auth0|p',
      timestamp: new Date().toISOString(),
    },
  };
};

/** The pool, counting the statements sent on the connections it lends (a batch's round trips). */
function counting(pool: Pool): { pool: Pool; trips: () => number } {
  let trips = 0;
  const lend = async (): Promise<PoolClient> => {
    const client = await pool.connect();
    return new Proxy(client, {
      get(target, p) {
        if (p === 'query')
          return (...args: unknown[]) => {
            trips++;
            return (target.query as (...a: unknown[]) => unknown).apply(target, args);
          };
        const v = Reflect.get(target, p) as unknown;
        return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
  };
  const wrapped = new Proxy(pool, {
    get(target, p) {
      if (p === 'connect') return (cb?: unknown) => (cb ? target.connect(cb as never) : lend());
      const v = Reflect.get(target, p) as unknown;
      return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
  return { pool: wrapped, trips: () => trips };
}

describe('a projector batch', () => {
  it('takes two round trips and announces its outcomes with their events', async () => {
    const listener = new Client({ connectionString: db.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${OUTCOME_CHANNEL}`);
    const { pool, trips } = counting(db.pool);
    const host = new ProjectorHost(log, pool, new PostgresLeases(db.url, 50), identityProjection, {
      batchSize: 50,
      onFatal: (err) => {
        throw err;
      },
    });
    const writer = await log.openWriter('user', () => undefined);
    const commands = Array.from({ length: 8 }, () => newId());
    for (const [i, c] of commands.entries())
      await writer.append(`user-${newId()}`, [userAdded(c, `P${i}`)], 0);
    await writer.close();
    let end = 0;
    await log.read('user', 'event', 1, (d) => (end = d.position));
    await host.start();
    await host.waitFor(end);
    // A batch: BEGIN, the lock and the check in one; the views, outcomes, checkpoint and COMMIT in the other.
    expect(trips()).toBe(2 * host.stats.batches);
    expect(host.stats.events).toBe(commands.length);
    const { rows } = await db.pool.query<{ n: number }>(
      "SELECT count(*)::int AS n FROM identity.users WHERE last_name = 'O''Q \\ ,'",
    );
    expect(rows[0]!.n).toBe(commands.length);
    const outcomes = await eventually(
      async () => {
        const said = new Map(heard.flatMap(announced));
        return commands.every((c) => said.has(c)) && said;
      },
      5_000,
      'the announcements',
    );
    for (const c of commands) {
      const o = outcomes.get(c);
      expect(o).toMatchObject({ status: 'accepted', version: 1 });
      expect(o?.status === 'accepted' && o.events?.[0]).toMatchObject({
        type: 'UserAdded',
        version: 1,
        data: { lastName: "O'Q \\ ," },
      });
    }
    await host.stop();
    await listener.end();
  });
});

describe('a projector catching up', () => {
  it('records the outcomes of entries written long ago without announcing them, and announces the fresh ones', async () => {
    // Views and a log of its own: the other test's checkpoint is not in this one's way.
    const own = await testDatabase();
    const listener = new Client({ connectionString: own.url });
    await listener.connect();
    const heard: string[] = [];
    listener.on('notification', (n) => heard.push(n.payload ?? ''));
    await listener.query(`LISTEN ${OUTCOME_CHANNEL}`);
    const catchUp = await testStanLog(own, testPrefix(), 'catch-up');
    const host = new ProjectorHost(
      catchUp,
      own.pool,
      new PostgresLeases(own.url, 50),
      identityProjection,
      {
        batchSize: 50,
        announceWithinMs: 60_000,
        onFatal: (err) => {
          throw err;
        },
      },
    );
    const writer = await catchUp.openWriter('user', () => undefined);
    const old = Array.from({ length: 3 }, () => newId());
    const fresh = Array.from({ length: 3 }, () => newId());
    const longAgo = new Date(Date.now() - 10 * 60_000).toISOString();
    for (const c of old) {
      const e = userAdded(c, 'Old');
      await writer.append(
        `user-${newId()}`,
        [{ ...e, metadata: { ...e.metadata, timestamp: longAgo } }],
        0,
      );
    }
    for (const c of fresh) await writer.append(`user-${newId()}`, [userAdded(c, 'New')], 0);
    await writer.close();
    let end = 0;
    await catchUp.read('user', 'event', 1, (d) => (end = d.position));
    await host.start();
    await host.waitFor(end);
    const said = await eventually(
      async () => {
        const s = new Map(heard.flatMap(announced));
        return fresh.every((c) => s.has(c)) && s;
      },
      5_000,
      'the fresh outcomes announced',
    );
    for (const c of fresh)
      expect(said.get(c)).toMatchObject({ status: 'accepted', events: [{ type: 'UserAdded' }] });
    // The old ones come first in the log: announced, they would have been heard before the fresh.
    for (const c of old) expect(said.has(c)).toBe(false);
    const { rows } = await own.pool.query<{ id: string; status: string }>(
      'SELECT command_id::text AS id, status FROM platform.command_outcomes WHERE command_id = ANY($1::uuid[])',
      [[...old, ...fresh]],
    );
    expect(new Map(rows.map((r) => [r.id, r.status]))).toEqual(
      new Map([...old, ...fresh].map((c) => [c, 'accepted'])),
    );
    await host.stop();
    await catchUp.close();
    await listener.end();
    await own.drop();
  });
});
