import { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/common';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { StanEventLog } from '../eventlog/stanEventLog';
import { newId } from '../ids';
import { acquireNativeConnection, type SharedNativeConnection } from '../temporal/connection';
import {
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';
import { startTcpProxy, type TcpProxy } from '../../test/support/tcpProxy';
import { DispatcherHost, type DispatcherOptions, type ProcessRoute } from './dispatcher';
import { OutcomeWaiter } from '../outcomes/outcomes';
import { parkedEntries } from '../postgres/parkedEntries';

jest.setTimeout(90_000);

const TEMPORAL = {
  address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
  namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
};

let db: TestDatabase;
let outcomes: OutcomeWaiter;
const cleanup: Array<() => Promise<unknown>> = [];
beforeAll(async () => {
  db = await testDatabase();
  // Looks outcomes up only (as the dispatcher's does): no listener.
  outcomes = new OutcomeWaiter(db.pool, db.url);
});
afterAll(async () => {
  for (const done of cleanup.reverse()) await done().catch(() => undefined);
  await db?.drop();
});

/**
 * A dispatcher on the real log (channels of its own), Postgres and Temporal (at `address`), with
 * test routes; and a way to put process commands on its log.
 */
async function dispatcher(
  routes: Record<string, ProcessRoute>,
  options: Partial<DispatcherOptions>,
  address = TEMPORAL.address,
) {
  const prefix = testPrefix();
  const publisher: StanEventLog = await testStanLog(db, prefix, 'publisher');
  cleanup.push(() => publisher.close());
  const log = await testStanLog(db, prefix, 'dispatcher');
  const temporal: SharedNativeConnection = await acquireNativeConnection(address);
  const client = new Client({ connection: temporal.connection, namespace: TEMPORAL.namespace });
  const host = new DispatcherHost(
    log,
    { client, db: db.pool, taskQueue: `q-${uniq()}`, eager: () => false, outcomes },
    { estimate: routes },
    options,
  );
  await host.start();
  cleanup.push(async () => {
    await host.stop();
    await temporal.release();
    await log.close();
  });
  return {
    host,
    publish: (c: CommandEnvelope) => publisher.sendCommand(c, 'process'),
    publishRaw: (body: string) => publisher.publish(`${prefix}estimate.process`, body),
  };
}

const command = (type: 'SendEstimate' | 'DecideEstimate'): CommandEnvelope => {
  const id = newId();
  return {
    id,
    type,
    streamId: `estimate-${newId()}`,
    expectedVersion: null,
    data:
      type === 'SendEstimate'
        ? { expiresInMs: 60_000, reminderBeforeMs: 0 }
        : { decision: 'withdraw', by: 'auth0|someone', email: null },
    metadata: {
      traceId: id.replace(/-/g, ''),
      correlationId: id,
      causationId: null,
      userId: 'auth0|someone',
      timestamp: new Date().toISOString(),
    },
  };
};

const pause = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('DispatcherHost', () => {
  it('refuses a command that fails the same way every time, and acknowledges it; takes a redelivery of one under way once', async () => {
    const calls = new Map<string, number>();
    const count = (c: CommandEnvelope) => calls.set(c.id, (calls.get(c.id) ?? 0) + 1);
    // A one-second ack wait: the log offers again whatever is not acknowledged by then.
    const { host, publish } = await dispatcher(
      {
        async DecideEstimate(c) {
          count(c);
          // The send whose expiry is out of range, as the old route computed it.
          new Date(Date.now() + 9e15).toISOString();
        },
        async SendEstimate(c) {
          count(c);
          await pause(3500);
          return { result: 'slow but done' };
        },
      },
      { ackWaitMs: 1000 },
    );
    const bad = command('DecideEstimate');
    const slow = command('SendEstimate');
    await publish(bad);
    await publish(slow);

    const refused = await eventually(() => outcomes.find(bad.id), 5000, 'the refusal');
    expect(refused).toMatchObject({
      status: 'rejected',
      code: 'invalid',
      reason: expect.stringContaining('Invalid time value'),
    });
    const accepted = await eventually(() => outcomes.find(slow.id), 10_000, 'the slow command');
    expect(accepted).toMatchObject({ status: 'accepted', result: 'slow but done' });
    // Three ack waits more: an unacknowledged command would have been offered, and run, again.
    await pause(3000);
    expect(calls.get(bad.id)).toBe(1);
    // Offered again while it ran (after 1, 2 and 3 s): skipped, not run twice.
    expect(calls.get(slow.id)).toBe(1);
    expect(host.stats.redeliveriesSkipped).toBeGreaterThan(0);
    expect(host.stats).toMatchObject({ refused: 1, dispatched: 1, failures: 0 });
  });

  it('retries in place while Temporal cannot be reached, refusing nothing, and carries the command once it can', async () => {
    const proxy: TcpProxy = await startTcpProxy(Number(TEMPORAL.address.split(':').pop()), 'tcp');
    cleanup.push(() => proxy.close());
    let attempts = 0;
    const { host, publish } = await dispatcher(
      {
        async SendEstimate(c, { client }) {
          attempts++;
          try {
            await client.workflow.getHandle(`probe-${c.id}`).describe();
          } catch (err) {
            // Reached: Temporal answered that there is no such workflow.
            if (!(err instanceof WorkflowNotFoundError)) throw err;
          }
          return { result: 'reached Temporal' };
        },
      },
      { retry: { firstMs: 100, maxMs: 1000 } },
      `127.0.0.1:${proxy.port}`,
    );
    await proxy.cut();
    const c = command('SendEstimate');
    const sentAt = Date.now();
    await publish(c);
    // The client's own retries give up after some seconds; then the dispatcher's take over.
    await eventually(async () => host.stats.retries >= 1, 40_000, 'the dispatcher to retry');
    expect(await outcomes.find(c.id)).toBeNull();
    expect(host.stats.refused).toBe(0);
    await proxy.restore();
    const outcome = await eventually(
      () => outcomes.find(c.id),
      15_000,
      'the command to go through',
    );
    expect(outcome).toMatchObject({ status: 'accepted', result: 'reached Temporal' });
    expect(attempts).toBeGreaterThan(1);
    // Well within the 60 s ack wait: the command kept its slot and was tried again in place.
    expect(Date.now() - sentAt).toBeLessThan(45_000);
    expect(host.stats).toMatchObject({ refused: 0, failures: 0, dispatched: 1 });
  });

  it('refuses at once a command to a process that is over, and still waits for one that has not started', async () => {
    const temporal = await acquireNativeConnection(TEMPORAL.address);
    cleanup.push(() => temporal.release());
    const client = new Client({ connection: temporal.connection, namespace: TEMPORAL.namespace });
    // Processes on a queue no worker polls: they run (or end) only as the test says.
    const start = (workflowId: string) =>
      client.workflow.start('nothing', { taskQueue: `idle-${uniq()}`, workflowId });
    const late = command('SendEstimate');
    const decided = command('DecideEstimate');
    const over = await start(`over-${decided.id}`);
    await over.terminate('the process is over');
    const { host, publish } = await dispatcher(
      {
        // An Update to a process that has ended: Temporal answers "not found", as if never started.
        async DecideEstimate(c, { client: temporalClient }) {
          await temporalClient.workflow
            .getHandle(`over-${c.id}`)
            .executeUpdate('decide', { args: [], updateId: c.id });
        },
        // A process that starts a moment after its command is carried.
        async SendEstimate(c, { client: temporalClient }) {
          await temporalClient.workflow.getHandle(`later-${c.id}`).describe();
          return { result: 'found it' };
        },
      },
      {},
    );
    const sentAt = Date.now();
    await publish(decided);
    await publish(late);
    const refused = await eventually(() => outcomes.find(decided.id), 5000, 'the refusal');
    const refusedInMs = Date.now() - sentAt;
    expect(refused).toMatchObject({
      status: 'rejected',
      code: 'conflict',
      reason: 'already decided: its process is over',
    });
    // Well inside the 5 s the dispatcher waits for a process that has not started.
    expect(refusedInMs).toBeLessThan(4000);
    expect(await outcomes.find(late.id)).toBeNull();

    await pause(1000);
    const started = await start(`later-${late.id}`);
    cleanup.push(() => started.terminate().catch(() => undefined));
    const found = await eventually(() => outcomes.find(late.id), 5000, 'the late process');
    expect(found).toMatchObject({ status: 'accepted', result: 'found it' });
    expect(host.stats).toMatchObject({ refused: 1, dispatched: 1, failures: 0 });
  });

  it('parks a command it cannot read (parked channel, table, /readyz count), carries the ones behind it, and carries it after a fix on retry', async () => {
    const carried: string[] = [];
    const { host, publish, publishRaw } = await dispatcher(
      {
        async SendEstimate(c) {
          carried.push(c.id);
        },
        async DecideEstimate(c) {
          carried.push(c.id);
        },
      },
      { ackWaitMs: 1000 },
    );
    const unreadable = { ...command('SendEstimate'), type: 'ShoutEstimate' };
    await publishRaw('not a command');
    await publishRaw(JSON.stringify(unreadable));
    const after = command('SendEstimate');
    await publish(after);
    await eventually(
      async () => carried.includes(after.id),
      15_000,
      'the command behind the unreadable ones',
    );
    // Commands are carried side by side (the dispatcher's window): the one behind may be carried
    // while the second unreadable one is still being parked. Each is parked before it is acked.
    const open = await eventually(
      async () => {
        const rows = await parkedEntries.list(db.pool, 'estimate');
        return rows.length >= 2 ? rows : null;
      },
      15_000,
      'both unreadable commands parked',
    );
    expect(open.map((r) => [r.consumer, r.kind, r.reason])).toEqual([
      ['estimate-dispatcher', 'process', 'not JSON'],
      ['estimate-dispatcher', 'process', 'unknown command type ShoutEstimate'],
    ]);
    await eventually(async () => host.parkedOpen.estimate === 2, 5_000, '/readyz counting both');
    expect(host.parkedOpen).toEqual({ estimate: 2 });

    // "The fix" (here by hand, for one of them): after a retry it goes back on its channel.
    await db.pool.query(
      `UPDATE platform.parked_entries SET body = $1 WHERE reason LIKE 'unknown command type%'`,
      [JSON.stringify({ ...unreadable, type: 'SendEstimate' })],
    );
    await parkedEntries.requestRetry(db.pool, 'estimate');
    await eventually(async () => carried.includes(unreadable.id), 15_000, 'the repaired command');
    await eventually(
      async () => (await parkedEntries.list(db.pool, 'estimate')).length === 1,
      5_000,
      'one left parked',
    );
    expect((await parkedEntries.list(db.pool, 'estimate'))[0]).toMatchObject({
      reason: 'not JSON',
      attempts: 2,
    });
  });
});
