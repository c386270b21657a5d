import { StanEventLog } from '../eventlog/stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import { PostgresSnapshotStore } from '../postgres/snapshotStore';
import type { SnapshotStore } from '../snapshots/port';
import { newId } from '../ids';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { Delivery } from '../eventlog/port';
import { identityComponent } from '../../components/identity';
import { ComponentHost, type ComponentOptions } from './componentHost';
import {
  TEST_STAN,
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';
import { addUserCommand, modifyUserCommand } from '../../test/support/userCommands';

jest.setTimeout(180_000);

let db: TestDatabase;
/** Stopped at the end whatever happened, so a failed test does not leave a writer behind. */
const opened: ComponentHost[] = [];
const logs: StanEventLog[] = [];
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  await Promise.allSettled(opened.map((h) => h.stop()));
  await Promise.allSettled(logs.map((l) => l.close()));
  await db.drop();
});

/** A log of its own (channel prefix) per test, and the snapshot store that goes with it. */
async function setup() {
  const prefix = testPrefix();
  const log = await testStanLog(db, prefix, 'mem');
  logs.push(log);
  const store = new PostgresSnapshotStore(db.pool, prefix);
  const host = (o: Partial<ComponentOptions> = {}, on: StanEventLog = log) => {
    const h = new ComponentHost(on, identityComponent, {
      snapshots: store,
      onFatal: (err) => {
        throw err;
      },
      ...o,
    });
    opened.push(h);
    return h;
  };
  /** Every outcome in the log by command id, in log order. */
  const outcomes = async () => {
    const out = new Map<string, Array<{ kind: string; version?: number; code?: string }>>();
    await log.read('user', 'event', 1, (d) => {
      const body = JSON.parse(d.body);
      const add = (id: string, outcome: { kind: string; version?: number; code?: string }) =>
        out.set(id, [...(out.get(id) ?? []), outcome]);
      if (body.events)
        add(body.events[0].metadata.causationId, {
          kind: 'events',
          version: body.events[0].version,
        });
      if (body.rejection)
        add(body.rejection.commandId, { kind: 'rejection', code: body.rejection.code });
    });
    return out;
  };
  const allDecided = async (commands: CommandEnvelope[], timeoutMs = 120_000) =>
    eventually(
      async () => {
        const o = await outcomes();
        return commands.every((c) => o.has(c.id)) && o;
      },
      timeoutMs,
      `outcomes of ${commands.length} commands`,
    );
  const send = async (commands: CommandEnvelope[]) => {
    for (const c of commands) await log.sendCommand(c);
  };
  const close = async () => {
    await log.close();
  };
  return { prefix, log, store, host, outcomes, allDecided, send, close };
}

const addUser = (id: string): CommandEnvelope => addUserCommand(id);
const modifyUser = (id: string, expectedVersion: number | null, firstName: string) =>
  modifyUserCommand(id, firstName, expectedVersion);

/** What each stream looks like to a host, read through it (loaded when not in memory). */
const statesOf = async (host: ComponentHost, ids: string[]) =>
  Object.fromEntries(
    await Promise.all(ids.map(async (id) => [id, await host.current(`user-${id}`)] as const)),
  );

describe('a component with bounded memory', () => {
  it('decides right with a cache far smaller than its streams, restarts from its checkpoint as a full replay would, and loses nothing when it dies before a flush', async () => {
    const t = await setup();
    const small = { cacheStreams: 50, snapshotEveryMs: 200, snapshotEveryStreams: 25 };
    const first = t.host(small);
    await first.start();
    const ids = Array.from({ length: 520 }, () => newId());
    const adds = ids.map(addUser);
    await t.send(adds);
    await t.allDecided(adds);

    // Each stream again, long after the cache let it go: versions, conflicts and state hold.
    const rounds = ids.map((id, i) => ({
      modify: modifyUser(id, 1, `Second${String(i)}`),
      stale: modifyUser(id, 1, 'Stale'),
      again: addUser(id),
      last: modifyUser(id, null, `Third${String(i)}`),
    }));
    const second = rounds.flatMap((r) => [r.modify, r.stale, r.again, r.last]);
    await t.send(second);
    const o = await t.allDecided(second);
    for (const r of rounds) {
      expect(o.get(r.modify.id)).toEqual([{ kind: 'events', version: 2 }]);
      expect(o.get(r.stale.id)).toEqual([{ kind: 'rejection', code: 'conflict' }]);
      expect(o.get(r.again.id)).toEqual([{ kind: 'rejection', code: 'already_exists' }]);
      expect(o.get(r.last.id)).toEqual([{ kind: 'events', version: 3 }]);
    }
    for (const a of adds) expect(o.get(a.id)).toEqual([{ kind: 'events', version: 1 }]);
    expect(first.stats.evicted).toBeGreaterThan(400);
    expect(first.stats.loaded).toBeGreaterThan(400);
    expect(first.stats.flushes).toBeGreaterThan(0);
    await first.stop();

    // From the checkpoint: nothing to replay, every stream loaded from its snapshot.
    const resumed = t.host(small);
    await resumed.start();
    expect(resumed.stats.replayed).toBeLessThan(5);
    const fromSnapshots = await statesOf(resumed, ids);
    expect(fromSnapshots[ids[7]!]).toMatchObject({
      version: 3,
      state: { registered: true, user: { firstName: 'Third7' } },
    });

    // Dies after its appends and before any flush: the entries after the checkpoint are replayed.
    const dying: SnapshotStore = {
      checkpoint: (c) => t.store.checkpoint(c),
      load: (c, s) => t.store.load(c, s),
      handled: (c, h) => t.store.handled(c, h),
      everyHandled: (c, p) => t.store.everyHandled(c, p),
      save: () => Promise.reject(new Error('died before its flush')),
    };
    await resumed.stop();
    const doomed = t.host({ ...small, snapshots: dying, snapshotEveryStreams: 1_000_000 });
    await doomed.start();
    const late = ids.slice(0, 100).map((id, i) => modifyUser(id, 3, `Fourth${String(i)}`));
    const fresh = Array.from({ length: 10 }, () => addUser(newId()));
    await t.send([...late, ...fresh]);
    const after = await t.allDecided([...late, ...fresh]);
    for (const c of late) expect(after.get(c.id)).toEqual([{ kind: 'events', version: 4 }]);
    expect(doomed.stats.flushes).toBe(0);
    await doomed.stop();

    const everyId = [...ids, ...fresh.map((c) => c.streamId.slice('user-'.length))];
    const tail = t.host(small);
    await tail.start();
    expect(tail.stats.replayed).toBeGreaterThanOrEqual(110);
    expect(tail.stats.replayed).toBeLessThan(200);
    const fromTail = await statesOf(tail, everyId);
    // Decided once: the replayed ids are known again, without a second entry.
    await t.send([late[0]!]);
    await eventually(async () => tail.stats.duplicates >= 1, 30_000, 'the duplicate');
    await tail.stop();

    // The same log replayed whole, with no snapshots at all (a store of another name).
    const whole = t.host({ snapshots: new PostgresSnapshotStore(db.pool, `${t.prefix}whole.`) });
    await whole.start();
    expect(whole.stats.replayed).toBeGreaterThan(2600);
    const fromWholeReplay = await statesOf(whole, everyId);
    for (const id of everyId) expect([id, fromTail[id]]).toEqual([id, fromWholeReplay[id]]);
    expect(fromTail[ids[3]!]).toMatchObject({
      version: 4,
      state: { registered: true, user: { firstName: 'Fourth3' } },
    });
    const ofResumed = Object.fromEntries(
      Object.entries(fromWholeReplay).filter(([id]) => ids.slice(100).includes(id)),
    );
    expect(
      Object.fromEntries(
        Object.entries(fromSnapshots).filter(([id]) => ids.slice(100).includes(id)),
      ),
    ).toEqual(ofResumed);
    await whole.stop();
    expect((await t.outcomes()).get(late[0]!.id)).toHaveLength(1);
    await t.close();
  });

  it('keeps a first start on a long log without snapshots within its cache and window, as a replay held whole in memory decides', async () => {
    const t = await setup();
    const writer = t.host();
    await writer.start();
    const ids = Array.from({ length: 300 }, () => newId());
    const adds = ids.map(addUser);
    await t.send(adds);
    await t.allDecided(adds);
    // Every stream again after all the others: a replay that let it go must load it back.
    const modifies = ids.map((id, i) => modifyUser(id, 1, `Second${String(i)}`));
    const stale = ids.slice(0, 20).map((id) => modifyUser(id, 1, 'Stale'));
    await t.send([...modifies, ...stale]);
    await t.allDecided([...modifies, ...stale]);
    await writer.stop();

    // What a replay held whole in memory makes of the log (one writer at a time: it goes first).
    const whole = t.host({ snapshots: new PostgresSnapshotStore(db.pool, `${t.prefix}whole.`) });
    await whole.start();
    expect(whole.held.streams).toBe(300);
    const expected = await statesOf(whole, ids);
    await whole.stop();

    // No checkpoint under this name: the whole log is replayed, spilling as it goes.
    const bounded = { cacheStreams: 40, handledWindow: 100, snapshotEveryStreams: 1_000_000 };
    const spilling = t.host({
      ...bounded,
      snapshots: new PostgresSnapshotStore(db.pool, `${t.prefix}spill.`),
    });
    await spilling.start();
    expect(spilling.stats.replayed).toBeGreaterThanOrEqual(620);
    expect(spilling.stats.flushes).toBeGreaterThan(3);
    expect(spilling.stats.loaded).toBeGreaterThan(200);
    expect(spilling.held.streams).toBeLessThanOrEqual(41);
    expect(spilling.held.handledIds).toBeLessThanOrEqual(2 * bounded.handledWindow);
    const got = await statesOf(spilling, ids);
    for (const id of ids) expect([id, got[id]]).toEqual([id, expected[id]]);
    expect(got[ids[9]!]).toMatchObject({ version: 2, state: { user: { firstName: 'Second9' } } });

    // And it decides on what it replayed: versions, conflicts, and an id long out of its window.
    const next = modifyUser(ids[0]!, 2, 'Third');
    const conflict = modifyUser(ids[1]!, 1, 'Stale again');
    await t.send([next, conflict, adds[5]!]);
    const o = await t.allDecided([next, conflict]);
    expect(o.get(next.id)).toEqual([{ kind: 'events', version: 3 }]);
    expect(o.get(conflict.id)).toEqual([{ kind: 'rejection', code: 'conflict' }]);
    await eventually(async () => spilling.stats.duplicates >= 1, 30_000, 'the old id known');
    expect((await t.outcomes()).get(adds[5]!.id)).toHaveLength(1);
    await spilling.stop();
    await t.close();
  });

  it('after a restart from its checkpoint looks up only the command ids its filter of recorded ids may hold', async () => {
    const t = await setup();
    const options = { handledWindow: 5, snapshotEveryMs: 100, snapshotEveryStreams: 5 };
    const first = t.host(options);
    await first.start();
    const before = Array.from({ length: 40 }, () => addUser(newId()));
    await t.send(before);
    await t.allDecided(before);
    await eventually(async () => (await t.store.checkpoint('user')) > 0, 10_000, 'a flush');
    await first.stop();

    const resumed = t.host(options);
    await resumed.start();
    await eventually(async () => resumed.lookupsFiltered, 10_000, 'the recorded ids read');
    const fresh = Array.from({ length: 50 }, () => addUser(newId()));
    const old = before[3]!;
    await t.send([...fresh, old]);
    await t.allDecided(fresh);
    await eventually(async () => resumed.stats.duplicates >= 1, 30_000, 'the old id known');
    // The old id, long out of the window, was looked up; the fresh ones were not (their filter
    // might say "maybe" for one in a hundred).
    expect(resumed.stats.lookedUp).toBeGreaterThanOrEqual(1);
    expect(resumed.stats.lookedUp).toBeLessThanOrEqual(4);
    expect(resumed.stats.decided).toBe(50);
    expect((await t.outcomes()).get(old.id)).toHaveLength(1);
    await resumed.stop();
    await t.close();
  });

  it('does not decide twice a command offered again once it is older than the window of ids', async () => {
    const t = await setup();
    const own = await StanEventLog.connect({
      ...TEST_STAN,
      clientId: `mem-${uniq()}`,
      prefix: t.prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    logs.push(own);
    const first = addUser(newId());
    // Its first delivery is never acknowledged: the log offers it again after the ack wait.
    const subscribe = own.subscribe.bind(own);
    const redelivered: Delivery[] = [];
    let held = false;
    own.subscribe = (category, kind, options, handler) =>
      subscribe(category, kind, options, (d) => {
        if (kind !== 'command' || !d.body.includes(first.id)) return handler(d);
        if (d.redelivered) redelivered.push(d);
        if (held) return handler(d);
        held = true;
        handler({ ...d, ack: () => undefined });
      });
    const host = t.host(
      { handledWindow: 5, snapshotEveryMs: 100, snapshotEveryStreams: 5, ackWaitMs: 4000 },
      own,
    );
    await host.start();
    const others = Array.from({ length: 30 }, () => addUser(newId()));
    await t.send([first, ...others]);
    await t.allDecided([first, ...others]);
    await eventually(async () => host.stats.flushes >= 2, 10_000, 'flushes');
    await eventually(async () => redelivered.length > 0, 30_000, 'the redelivery');
    await eventually(async () => host.stats.duplicates >= 1, 30_000, 'the duplicate');
    expect(host.stats.lookedUp).toBeGreaterThan(0);
    // Sent again as a new message (a retried request under its Idempotency-Key): the same.
    await t.send([first]);
    await eventually(async () => host.stats.duplicates >= 2, 30_000, 'the second duplicate');
    // And a command never handled, missing from the window too, is decided.
    const later = addUser(newId());
    await t.send([later]);
    await t.allDecided([later]);
    expect((await t.outcomes()).get(first.id)).toEqual([{ kind: 'events', version: 1 }]);
    expect(host.stats.decided).toBe(32);
    await host.stop();
    await own.close();
    await t.close();
  });
});
