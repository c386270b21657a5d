import type { CommandEnvelope } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import { identityComponent } from '../../components/identity';
import { decodeEntry } from '../eventlog/entries';
import { JetStreamEventLog } from '../eventlog/jetstreamEventLog';
import type { AggregateWriter } from '../eventlog/port';
import { newId, nameId } from '../ids';
import { PostgresLeases } from '../postgres/lease';
import { deleteJetStreams } from '../../test/support/jetstream';
import {
  TEST_NATS,
  eventually,
  testDatabase,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';
import { addUserCommand, modifyUserCommand, testMetadata } from '../../test/support/userCommands';
import { SharedComponentHost } from './sharedComponentHost';

jest.setTimeout(60_000);

let db: TestDatabase;
const prefix = testPrefix();
const logs: JetStreamEventLog[] = [];
/** Each instance with its own connection: both go when a test ends. */
const hosts: Array<{ host: SharedComponentHost; log: JetStreamEventLog }> = [];

beforeAll(async () => {
  db = await testDatabase();
});
afterEach(async () => {
  // The connection too, as a stopped process's goes: one left open keeps the pull requests it
  // made, and the server hands the next test's commands to them, seen again only after the
  // ack wait (5 s).
  for (const { host, log } of hosts.splice(0)) {
    await host.stop();
    await log.close();
  }
});
afterAll(async () => {
  for (const l of logs) await l.close();
  await deleteJetStreams(prefix);
  await db.drop();
});

async function open(): Promise<JetStreamEventLog> {
  const log = await JetStreamEventLog.connect({
    url: TEST_NATS.url,
    name: `${prefix}shared-${uniq()}`,
    prefix,
    leases: new PostgresLeases(db.url, 50),
  });
  logs.push(log);
  return log;
}

async function instance(): Promise<SharedComponentHost> {
  const log = await open();
  const host = new SharedComponentHost(log, identityComponent, {
    maxInFlight: 64,
    ackWaitMs: 5_000,
  });
  await host.start();
  hosts.push({ host, log });
  return host;
}

const metadata = testMetadata;
const addUser = addUserCommand;
const modify = modifyUserCommand;

/** Every outcome in the category's event channel, read from the log itself. */
async function outcomes(log: JetStreamEventLog): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  await log.read('user', 'event', 1, (d) => {
    const decoded = decodeEntry('user', d.position, d.body);
    if (decoded.ok && decoded.value.kind !== 'fence') out.push(decoded.value);
  });
  return out;
}

const commandOf = (e: LogEntry): string =>
  e.kind === 'events'
    ? (e.events[0]?.metadata.causationId ?? '')
    : e.kind === 'rejection'
      ? e.rejection.commandId
      : '';

const streamOf = (e: LogEntry): string =>
  e.kind === 'events'
    ? (e.events[0]?.streamId ?? '')
    : e.kind === 'rejection'
      ? e.rejection.streamId
      : '';

describe('several component instances on JetStream, with no lease', () => {
  it('decide one category at once: each command has one outcome, each stream contiguous versions', async () => {
    const [a, b] = [await instance(), await instance()];
    const log = await open();
    const users = Array.from({ length: 4 }, () => newId());
    for (const u of users) await log.sendCommand(addUser(u));
    await eventually(async () => (await outcomes(log)).length === users.length, 15_000, 'added');
    const sent: CommandEnvelope[] = [];
    for (let i = 0; i < 200; i++) sent.push(modify(users[i % users.length]!, `n${String(i)}`));
    // A second registration of each (refused), and some commands sent twice (a client's retry).
    for (const u of users) sent.push(addUser(u));
    const twice = sent.slice(0, 20);
    await Promise.all([...sent, ...twice].map((c) => log.sendCommand(c)));
    const expected = users.length + sent.length;
    await eventually(async () => (await outcomes(log)).length >= expected, 30_000, 'outcomes');
    // Anything more than one outcome per command would come in meanwhile.
    await new Promise((r) => setTimeout(r, 1_000));
    const all = await outcomes(log);
    expect(all).toHaveLength(expected);
    const perCommand = new Map<string, number>();
    for (const e of all) perCommand.set(commandOf(e), (perCommand.get(commandOf(e)) ?? 0) + 1);
    expect([...perCommand.values()].every((n) => n === 1)).toBe(true);
    for (const c of sent) expect(perCommand.get(c.id)).toBe(1);
    const versions = new Map<string, number[]>();
    for (const e of all)
      if (e.kind === 'events')
        for (const ev of e.events)
          versions.set(ev.streamId, [...(versions.get(ev.streamId) ?? []), ev.version]);
    for (const u of users) {
      const v = versions.get(`user-${u}`) ?? [];
      expect(v).toEqual(Array.from({ length: v.length }, (_, i) => i + 1));
      expect(v).toHaveLength(1 + 50);
    }
    const refused = all.filter((e) => e.kind === 'rejection');
    expect(refused).toHaveLength(users.length);
    // Both took commands, and none held a writer lease.
    expect(a.stats.decided + a.stats.rejected).toBeGreaterThan(0);
    expect(b.stats.decided + b.stats.rejected).toBeGreaterThan(0);
    const leases = await db.pool.query(
      "SELECT count(*)::int AS n FROM platform.leases WHERE name LIKE 'writer:%'",
    );
    expect(leases.rows[0].n).toBe(0);
  });

  it('decides again, on what the log holds, when another writer moved the aggregate first', async () => {
    const host = await instance();
    const log = await open();
    const u = newId();
    await log.sendCommand(addUser(u));
    await eventually(async () => host.stats.decided === 1, 10_000, 'added');
    // Another instance's append, which this one has not seen: its memory says version 1.
    const other: AggregateWriter = await log.openAggregateWriter('user');
    const at = await other.load(`user-${u}`, { readTo: 0, tip: 0 });
    const theirs = newId();
    await other.append(
      `user-${u}`,
      [
        {
          id: nameId(theirs, 'event', '0'),
          type: 'UserModified',
          data: { firstName: 'Other' },
          metadata: { ...metadata(), causationId: theirs },
        },
      ],
      { version: 1, tip: at.tip },
    );
    // Decided on memory alone it would be refused as a conflict (version 1, expected 2).
    const mine = modify(u, 'Mine', 2);
    await log.sendCommand(mine);
    await eventually(async () => host.stats.decided === 2, 10_000, 'decided again');
    expect(host.stats).toMatchObject({ stale: 1, rejected: 0 });
    const last = (await outcomes(log)).filter((e) => e.kind === 'events').at(-1);
    expect(last).toMatchObject({
      kind: 'events',
      events: [{ version: 3, type: 'UserModified', metadata: { causationId: mine.id } }],
    });
  });

  it('knows a command decided by another instance that died before acknowledging it', async () => {
    const host = await instance();
    const log = await open();
    const u = newId();
    const add = addUser(u);
    await log.sendCommand(add);
    await eventually(async () => host.stats.decided === 1, 10_000, 'added');
    // The dead instance stored the outcome of `change`; the log offers `change` again.
    const change = modify(u, 'Once');
    const other = await log.openAggregateWriter('user');
    const at = await other.load(`user-${u}`, { readTo: 0, tip: 0 });
    await other.append(
      `user-${u}`,
      [
        {
          id: nameId(change.id, 'event', '0'),
          type: 'UserModified',
          data: change.data,
          metadata: { ...metadata(), causationId: change.id },
        },
      ],
      { version: 1, tip: at.tip },
    );
    await log.sendCommand(change);
    // A refusal stored by the dead instance is known the same way.
    const again = addUser(u);
    await other.reject(
      {
        commandId: again.id,
        commandType: again.type,
        code: 'already_exists',
        reason: 'registered',
        streamId: again.streamId,
        metadata: { ...metadata(), causationId: again.id },
      },
      (await other.load(`user-${u}`, at)).tip,
    );
    await log.sendCommand(again);
    // Each settled: mostly as a duplicate, the log refusing the stale outcome and the reread
    // finding it; at times the server answers first that it holds that message already (the
    // outcome's ids are the command's), and the host counts it as its own. Either way the log
    // holds each outcome once.
    const { stats } = host;
    await eventually(
      async () => stats.decided + stats.rejected + stats.duplicates === 3,
      10_000,
      'both settled',
    );
    const mine = (await outcomes(log)).filter((e) => streamOf(e) === `user-${u}`);
    expect(mine.map(commandOf)).toEqual([add.id, change.id, again.id]);
  });
});
