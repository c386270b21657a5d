import { newId } from '../ids';
import type { EventEnvelope } from '../../contracts/envelope';
import type { StanEventLog } from '../eventlog/stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import { parkedEntries } from '../postgres/parkedEntries';
import { identityProjection } from '../../projectors/identity';
import type { Projection } from './projectorHost';
import { ProjectorHost } from './projectorHost';
import { ReactorHost } from './reactorHost';
import {
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

jest.setTimeout(60_000);

let db: TestDatabase;
let log: StanEventLog;
const prefix = testPrefix();
beforeAll(async () => {
  db = await testDatabase();
  log = await testStanLog(db, prefix, 'poison');
});
afterAll(async () => {
  await log.close();
  await db.drop();
});

const fatal = (err: Error) => {
  throw err;
};

/** An entry of one UserAdded event, written straight into the log as any writer could. */
function userAdded(
  fields: Record<string, unknown> = {},
  streamId = `user-${newId()}`,
  version = 1,
): { entry: string; streamId: string; event: EventEnvelope } {
  const id = streamId.slice(5);
  const command = newId();
  const event: EventEnvelope = {
    id: newId(),
    type: version === 1 ? 'UserAdded' : 'UserModified',
    streamId,
    version,
    data:
      version === 1
        ? {
            id,
            auth0Id: `auth0|${uniq()}`,
            email: `${uniq()}@example.com`,
            emailVerified: true,
            firstName: 'P',
            lastName: 'Q',
            picture: '',
            locale: 'en',
            ...fields,
          }
        : { firstName: 'Renamed', ...fields },
    metadata: {
      traceId: 't',
      correlationId: command,
      causationId: command,
      userId: 'auth0|someone',
      timestamp: new Date().toISOString(),
    },
  };
  return { entry: JSON.stringify({ events: [event] }), streamId, event };
}

const users = async () =>
  (
    await db.pool.query<{ id: string; first_name: string }>(
      'SELECT id, first_name FROM identity.users',
    )
  ).rows;

describe('a projector meeting an entry it cannot apply', () => {
  it('parks it with its reason and position, holds its stream behind it, lets the rest flow, and applies it again on retry after a fix', async () => {
    const channel = `${prefix}user.event`;
    // The identity projection as it is, but with a bug that makes one name fail in Postgres.
    let buggy = true;
    const projection: Projection = {
      ...identityProjection,
      applier: (schema) => {
        const real = identityProjection.applier(schema);
        return {
          async apply(tx, events) {
            if (buggy && events.some((e) => (e.data as { firstName?: string }).firstName === 'Bug'))
              await tx.query('SELECT 1/0');
            return real.apply(tx, events);
          },
        };
      },
    };
    const good = userAdded();
    const unreadable = 'this is not an entry';
    const nul = userAdded({ firstName: 'a\u0000b' });
    const bug = userAdded({ firstName: 'Bug' });
    const behindBug = userAdded({}, bug.streamId, 2);
    const after = userAdded();
    for (const e of [good.entry, unreadable, nul.entry, bug.entry, behindBug.entry, after.entry])
      await log.publish(channel, e);

    const host = new ProjectorHost(log, db.pool, new PostgresLeases(db.url, 50), projection, {
      batchSize: 500,
      onFatal: fatal,
    });
    await host.start();
    let end = 0;
    await log.read('user', 'event', 1, (d) => (end = d.position));
    await host.waitFor(end);

    // The rest flowed: the good users are in the view; the poisoned ones are not.
    const ids = (await users()).map((u) => u.id);
    expect(ids).toEqual(expect.arrayContaining([good.streamId.slice(5), after.streamId.slice(5)]));
    expect(ids).not.toContain(bug.streamId.slice(5));
    const open = await parkedEntries.list(db.pool, 'user');
    expect(open.map((r) => [r.position, r.streamId, r.reason])).toEqual([
      [2, null, 'not JSON'],
      [3, nul.streamId, expect.stringMatching(/firstName must not contain NUL/)],
      [4, bug.streamId, expect.stringMatching(/cannot be applied: division by zero/)],
      [5, bug.streamId, `held behind an earlier parked entry of ${bug.streamId}`],
    ]);
    expect(host.parkedOpen).toBe(4);
    // Each is on the parked channel too, with its reason and position.
    const onChannel: Array<{ position: number; reason: string }> = [];
    await log.read('user', 'parked' as never, 1, (d) => onChannel.push(JSON.parse(d.body)));
    expect(onChannel.filter((p) => 'position' in p).map((p) => p.position)).toEqual([2, 3, 4, 5]);

    // The bug is fixed; an operator retries: the entry and the one held behind it apply in order.
    buggy = false;
    expect(await parkedEntries.requestRetry(db.pool, 'user')).toBe(4);
    await eventually(
      async () => (await parkedEntries.list(db.pool, 'user')).every((r) => !r.retryRequested),
      15_000,
      'the retry',
    );
    const repaired = (await users()).find((u) => u.id === bug.streamId.slice(5));
    expect(repaired?.first_name).toBe('Renamed');
    // What cannot be applied at all stays parked, and says so.
    expect((await parkedEntries.list(db.pool, 'user')).map((r) => r.position)).toEqual([2, 3]);
    expect(host.parkedOpen).toBe(2);
    await host.stop();
  });
});

describe('a reactor meeting an entry it cannot react to', () => {
  it('parks it and goes on with the entries behind it', async () => {
    const own = testPrefix();
    const rxLog = await testStanLog(db, own, 'rx');
    const name = `reaction-${uniq()}`;
    const handled: string[] = [];
    const reactor = new ReactorHost(
      rxLog,
      db.pool,
      {
        name,
        category: 'user',
        async handle(event) {
          if ((event.data as { firstName?: string }).firstName === 'Bug')
            throw new TypeError('a bug');
          handled.push(event.streamId);
        },
      },
      { retryMs: [10, 20] },
    );
    const [first, bug, last] = [userAdded(), userAdded({ firstName: 'Bug' }), userAdded()];
    await rxLog.publish(`${own}user.event`, 'junk');
    for (const e of [first, bug, last]) await rxLog.publish(`${own}user.event`, e.entry);
    await reactor.start();
    await eventually(async () => handled.length === 2, 15_000, 'the entries behind the poison');
    expect(handled).toEqual([first.streamId, last.streamId]);
    const open = (await parkedEntries.list(db.pool, 'user')).filter((r) => r.consumer === name);
    expect(open.map((r) => [r.position, r.reason])).toEqual([
      [1, 'not JSON'],
      [3, `${name} failed: a bug`],
    ]);
    expect(reactor.parkedOpen).toBe(2);
    await reactor.stop();
    await rxLog.close();
  });
});
