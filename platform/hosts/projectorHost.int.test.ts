import { StanEventLog } from '../eventlog/stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import { newId } from '../ids';
import type { Delivery, EventLog, NewEvent } from '../eventlog/port';
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
  log = await testStanLog(db, prefix, 'proj');
});
afterAll(async () => {
  await log.close();
  await db.drop();
});

const userAdded = (commandId: string): NewEvent => {
  const id = newId();
  return {
    id: newId(),
    type: 'UserAdded',
    data: {
      id,
      auth0Id: `auth0|${id}`,
      email: `${uniq()}@example.com`,
      emailVerified: false,
      firstName: 'P',
      lastName: 'Q',
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

const projector = () =>
  new ProjectorHost(log, db.pool, new PostgresLeases(db.url, 50), identityProjection, {
    batchSize: 2,
    onFatal: (err) => {
      throw err;
    },
  });

const count = async (sql: string) => (await db.pool.query<{ n: number }>(sql)).rows[0]!.n;

describe('projector', () => {
  it('applies each event once, parks what it cannot read, and resumes from its checkpoint', async () => {
    const writer = await log.openWriter('user', () => undefined);
    const commands = [newId(), newId(), newId()];
    const appended = [];
    for (const c of commands)
      appended.push(await writer.append(`user-${newId()}`, [userAdded(c)], 0));
    const channel = `${prefix}user.event`;
    // A retried publish whose first ack was lost: the same entry twice in the log.
    await log.publish(channel, JSON.stringify({ events: appended[0]!.events }));
    // Junk and an entry that breaks its contract: parked, and the projector goes on.
    await log.publish(channel, 'this is not json');
    await log.publish(
      channel,
      JSON.stringify({
        events: [{ ...appended[1]!.events[0], id: newId(), version: 2, data: { firstName: 7 } }],
      }),
    );
    const late = await writer.append(`user-${newId()}`, [userAdded(newId())], 0);
    await writer.close();

    let end = 0;
    await log.read('user', 'event', 1, (d) => (end = d.position));
    const host = projector();
    await host.start();
    await host.waitFor(end);
    expect(await count('SELECT count(*)::int AS n FROM identity.users')).toBe(4);
    expect(await count('SELECT count(*)::int AS n FROM identity.processed_events')).toBe(4);
    expect(host.stats.parked).toBe(2);
    expect(host.stats.duplicates).toBeGreaterThanOrEqual(1);
    const outcomes = await db.pool.query(
      'SELECT command_id, status, version FROM platform.command_outcomes ORDER BY command_id',
    );
    expect(outcomes.rows).toEqual(
      expect.arrayContaining(
        commands.map((c) => ({ command_id: c, status: 'accepted', version: 1 })),
      ),
    );
    const parked: string[] = [];
    await log.read('user', 'parked' as never, 1, (d) => parked.push(JSON.parse(d.body).reason));
    expect(parked).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/UserAdded\.data/),
    ]);
    await host.stop();

    // Restarted, it resumes after its checkpoint: nothing applied twice, new events applied.
    const writer2 = await log.openWriter('user', () => undefined);
    const more = await writer2.append(`user-${newId()}`, [userAdded(newId())], 0);
    await writer2.close();
    const again = projector();
    await again.start();
    await eventually(
      async () => (await count('SELECT count(*)::int AS n FROM identity.users')) === 5,
      10_000,
      'fifth user',
    );
    expect(again.stats.parked).toBe(0);
    expect(await count('SELECT count(*)::int AS n FROM identity.processed_events')).toBe(5);
    await again.stop();
    expect(late.version).toBe(1);
    expect(more.version).toBe(1);
  });

  it('skips what a new leader of a clustered log sends again unmarked, and goes on', async () => {
    const writer = await log.openWriter('user', () => undefined);
    for (let i = 0; i < 3; i++) await writer.append(`user-${newId()}`, [userAdded(newId())], 0);
    await writer.close();
    let end = 0;
    await log.read('user', 'event', 1, (d) => (end = d.position));
    // The log as a new leader serves it: once the views have moved on, the first deliveries come
    // again without the redelivered flag (nats-streaming-server#964).
    const seen: Delivery[] = [];
    let replayed = false;
    const leaderChange: EventLog = Object.create(log) as EventLog;
    leaderChange.subscribe = (category, kind, options, handler) =>
      log.subscribe(category, kind, options, (d) => {
        handler(d);
        seen.push(d);
        if (!replayed && d.position === end) {
          replayed = true;
          setTimeout(() => {
            for (const old of seen.slice(0, 2)) handler({ ...old, redelivered: false });
          }, 200);
        }
      });
    const failures: Error[] = [];
    const host = new ProjectorHost(
      leaderChange,
      db.pool,
      new PostgresLeases(db.url, 50),
      identityProjection,
      {
        batchSize: 2,
        onFatal: (err) => failures.push(err),
      },
    );
    await host.start();
    await host.waitFor(end);
    const applied = await count('SELECT count(*)::int AS n FROM identity.processed_events');
    await eventually(async () => host.stats.duplicates >= 2, 10_000, 'the re-sent entries');
    expect(failures).toEqual([]);
    expect(host.isActive).toBe(true);
    expect(await count('SELECT count(*)::int AS n FROM identity.processed_events')).toBe(applied);
    await host.stop();
  });

  it('reports its lag: from what it was given, and from the head when its window is full', async () => {
    // Its applier waits at a gate: the projector is held behind the log.
    let open!: () => void;
    const gate = new Promise<void>((r) => (open = r));
    const held = {
      ...identityProjection,
      // Its own checkpoint: it goes over the entries above again, as duplicates, without the gate.
      name: 'identity-lag',
      applier(schema: string) {
        const inner = identityProjection.applier(schema);
        return {
          apply: async (...args: Parameters<typeof inner.apply>) => {
            await gate;
            return inner.apply(...args);
          },
          committed: () => inner.committed?.(),
          discarded: () => inner.discarded?.(),
        };
      },
    };
    const writer = await log.openWriter('user', () => undefined);
    for (let i = 0; i < 6; i++) await writer.append(`user-${newId()}`, [userAdded(newId())], 0);
    await writer.close();
    let end = 0;
    await log.read('user', 'event', 1, (d) => (end = d.position));
    const host = new ProjectorHost(log, db.pool, new PostgresLeases(db.url, 50), held, {
      batchSize: 1,
      maxInFlight: 2,
      onFatal: (err) => {
        throw err;
      },
    });
    await host.start();
    try {
      // Two entries delivered at most: the head is read (a fence, one more entry) to know the rest.
      const behind = await eventually(
        async () => {
          const [lag, position] = [host.lag, host.position];
          return position < end && lag.entries > end - position ? { lag, position } : null;
        },
        10_000,
        'the lag measured from the head',
      );
      // The backlog, and the fences that reading the log's end wrote (read's, the lag's own).
      expect(behind.lag.entries).toBeGreaterThan(end - behind.position);
      expect(behind.lag.entries).toBeLessThanOrEqual(end + 2 - behind.position);
      expect(behind.lag.seconds).toBeGreaterThan(0);
      open();
      await eventually(async () => host.lag.entries === 0, 10_000, 'caught up');
      expect(host.position).toBeGreaterThan(end);
      expect(host.lag.seconds).toBe(0);
    } finally {
      open();
      await host.stop();
    }
  });
});
