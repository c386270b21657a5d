import { StanEventLog } from '../eventlog/stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import { newId } from '../ids';
import type { CommandEnvelope, Metadata } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import { ComponentHost } from './componentHost';
import { PostgresSnapshotStore } from '../postgres/snapshotStore';
import type { Delivery } from '../eventlog/port';
import { identityComponent } from '../../components/identity';
import { projectsComponent } from '../../components/projects';
import { nameId } from '../../contracts/ids';
import {
  TEST_STAN,
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';
import { addUserCommand } from '../../test/support/userCommands';

jest.setTimeout(30_000);

let db: TestDatabase;
let log: StanEventLog;
const prefix = testPrefix();
beforeAll(async () => {
  db = await testDatabase();
  log = await testStanLog(db, prefix, 'comp');
});
const snapshotStore = () => new PostgresSnapshotStore(db.pool, prefix);
afterAll(async () => {
  await log.close();
  await db.drop();
});

const addUser = addUserCommand;

async function entries(category = 'user'): Promise<LogEntry[]> {
  const out: LogEntry[] = [];
  await log.read(category, 'event', 1, (d) => {
    const body = JSON.parse(d.body);
    if (body.events) out.push({ kind: 'events', position: d.position, events: body.events });
    if (body.rejection)
      out.push({ kind: 'rejection', position: d.position, rejection: body.rejection });
  });
  return out;
}

describe('component host', () => {
  it('parks malformed commands, decides the good ones once, and records refusals', async () => {
    const host = new ComponentHost(log, identityComponent, {
      snapshots: snapshotStore(),
      onFatal: (err) => {
        throw err;
      },
    });
    await host.start();
    const good = addUser();
    const channel = `${prefix}user.command`;
    await log.publish(channel, '{"broken json');
    await log.publish(channel, JSON.stringify({ ...addUser(), type: 'DropTables' }));
    await log.publish(channel, JSON.stringify({ ...addUser(), data: { id: 'x' } }));
    await log.sendCommand(good);
    // The same command again (a redelivery, or a retried send) and a second registration.
    await log.sendCommand(good);
    const twice = { ...good, id: newId() };
    await log.sendCommand(twice);
    await eventually(async () => (await entries()).length === 2, 10_000, 'two entries');
    const [added, refused] = await entries();
    expect(added).toMatchObject({
      kind: 'events',
      events: [{ type: 'UserAdded', version: 1, metadata: { causationId: good.id } }],
    });
    expect(refused).toMatchObject({
      kind: 'rejection',
      rejection: { commandId: twice.id, code: 'already_exists' },
    });
    expect(host.stats).toMatchObject({ parked: 3, duplicates: 1, decided: 1, rejected: 1 });
    const parked: string[] = [];
    await log.read('user', 'parked' as never, 1, (d) => parked.push(JSON.parse(d.body).reason));
    expect(parked).toEqual([
      expect.stringMatching(/not JSON/),
      expect.stringMatching(/unknown command type DropTables/),
      expect.stringMatching(/AddUser\.data/),
    ]);
    await host.stop();

    // A new host rebuilds from the log: the handled command stays handled.
    const next = new ComponentHost(log, identityComponent, {
      snapshots: snapshotStore(),
      onFatal: (err) => {
        throw err;
      },
    });
    await next.start();
    await log.sendCommand(good);
    const other = addUser();
    await log.sendCommand(other);
    await eventually(async () => (await entries()).length === 3, 10_000, 'third entry');
    expect(next.stats).toMatchObject({ duplicates: 1, decided: 1 });
    await next.stop();
  });
});

describe('component host under early redelivery', () => {
  it('does not settle a command offered again while its entry is still being stored', async () => {
    const slow = await StanEventLog.connect({
      ...TEST_STAN,
      clientId: `slow-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    // Appends take longer than the command's ack wait, so the log offers the command again meanwhile.
    // A writer's entries go out through publishAll (fences and commands through publish).
    const publishAll = slow.publishAll.bind(slow);
    slow.publishAll = (channel, bodies, settled) => {
      if (channel.endsWith('.event') && bodies.some((b) => b.includes('"events"')))
        setTimeout(() => publishAll(channel, bodies, settled), 2500);
      else publishAll(channel, bodies, settled);
    };
    const fatal: Error[] = [];
    const host = new ComponentHost(slow, identityComponent, {
      snapshots: snapshotStore(),
      ackWaitMs: 1000,
      onFatal: (err) => fatal.push(err),
    });
    await host.start();
    const command = addUser();
    await log.sendCommand(command);
    await eventually(async () => host.stats.duplicates >= 1, 10_000, 'the early redelivery');
    // The process dies before the entry is stored: its append fails, nothing was acknowledged.
    await slow.close();
    await eventually(async () => fatal.length > 0, 10_000, 'the writer to fail');
    // The dead process's database session ends, and with it the lease.
    await host.stop();

    const next = new ComponentHost(log, identityComponent, {
      snapshots: snapshotStore(),
      onFatal: (err) => {
        throw err;
      },
    });
    await next.start();
    await eventually(
      async () =>
        (await entries()).some(
          (e) => e.kind === 'events' && e.events[0]!.metadata.causationId === command.id,
        ),
      15_000,
      'the command to be decided by the next instance',
    );
    await next.stop();
  });
});

describe("a component that decides with another category's facts", () => {
  it('reads that category to its end before a decision that needs it: a share by an administrator demoted a moment before is refused', async () => {
    const follower = await StanEventLog.connect({
      ...TEST_STAN,
      clientId: `follower-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    // The team log reaches this component late: from a role change on, 1.5 s after it is stored (in order).
    const subscribe = follower.subscribe.bind(follower);
    let lag = Promise.resolve();
    const late = (d: Delivery) =>
      new Promise<void>((r) => setTimeout(r, d.body.includes('MembershipModified') ? 1500 : 0));
    follower.subscribe = (category, kind, options, handler) =>
      subscribe(
        category,
        kind,
        options,
        category === 'team'
          ? (d) => void (lag = lag.then(() => late(d)).then(() => handler(d)))
          : handler,
      );
    const host = new ComponentHost(follower, projectsComponent, {
      snapshots: snapshotStore(),
      onFatal: (err) => {
        throw err;
      },
    });
    await host.start();
    const teams = await log.openWriter('team', () => undefined);

    const owner = 'auth0|sharer';
    const team = newId();
    const project = newId();
    const metadata = (): Metadata => ({
      traceId: 't',
      correlationId: 'c',
      causationId: null,
      userId: owner,
      timestamp: new Date().toISOString(),
    });
    const role = (r: 'administrator' | 'editor') => ({
      id: newId(),
      type: 'MembershipModified',
      data: { userId: nameId('user', owner), role: r },
      metadata: metadata(),
    });
    await teams.append(
      `team-${team}`,
      [
        {
          id: newId(),
          type: 'TeamCreated',
          data: { id: team, name: 'Sharers', userId: nameId('user', owner), projectId: null },
          metadata: metadata(),
        },
        {
          id: newId(),
          type: 'MembershipCreated',
          data: { userId: nameId('user', owner), sub: owner, role: 'administrator' },
          metadata: metadata(),
        },
      ],
      'no_stream',
    );
    const command = (type: string, data: unknown): CommandEnvelope => ({
      id: newId(),
      type,
      streamId: `project-${project}`,
      expectedVersion: null,
      data,
      metadata: metadata(),
    });
    const outcomeOf = async (c: CommandEnvelope) =>
      eventually(
        async () =>
          (await entries('project')).find(
            (e) =>
              (e.kind === 'events'
                ? e.events[0]!.metadata.causationId
                : e.kind === 'rejection'
                  ? e.rejection.commandId
                  : null) === c.id,
          ),
        10_000,
        `the outcome of ${c.type}`,
      );
    const add = command('AddProject', {
      id: project,
      name: 'Shared',
      userId: nameId('user', owner),
    });
    await log.sendCommand(add);
    expect(await outcomeOf(add)).toMatchObject({ kind: 'events' });

    // Demoted, and at once the share: the component has not heard of the demotion yet, but it is in the log.
    await teams.append(`team-${team}`, [role('editor')], 2);
    const share = command('ModifyProject', { teamId: team });
    await log.sendCommand(share);
    expect(await outcomeOf(share)).toMatchObject({
      kind: 'rejection',
      rejection: { code: 'forbidden' },
    });

    // Made administrator again: the share waits for that too, and is accepted.
    await teams.append(`team-${team}`, [role('administrator')], 3);
    const again = command('ModifyProject', { teamId: team });
    await log.sendCommand(again);
    expect(await outcomeOf(again)).toMatchObject({
      kind: 'events',
      events: [{ type: 'ProjectModified', data: { teamId: team } }],
    });

    expect(host.stats).toMatchObject({ decided: 2, rejected: 1 });
    await teams.close();
    await host.stop();
    await follower.close();
  });
});
