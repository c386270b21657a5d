import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { newId } from '../ids';
import { eventLogContract } from './eventLog.contract';
import { JetStreamEventLog } from './jetstreamEventLog';
import { aggregateSubject, channelRoot, streamName } from './jetstreamNames';
import {
  StaleAggregate,
  WriterLost,
  WrongExpectedVersion,
  type Delivery,
  type NewEvent,
} from './port';
import { PostgresLeases } from '../postgres/lease';
import { loadConfig } from '../config';
import { createRuntime } from '../runtime/runtime';
import {
  TEST_NATS,
  testDatabase,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});

/** Every prefix a test used: its streams are deleted at the end, so runs leave nothing behind. */
const used: string[] = [];
let prefix = testPrefix();
beforeEach(() => {
  prefix = testPrefix();
  used.push(prefix);
});
afterAll(async () => {
  const nc = await connect({ servers: TEST_NATS.url });
  try {
    const jsm = await jetstreamManager(nc);
    for (const p of used)
      for await (const name of jsm.streams.names(`${p}>`)) await jsm.streams.delete(name);
  } finally {
    await nc.close();
    await db.drop();
  }
});

async function waitFor(check: () => boolean, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

const open = (name = 'c') =>
  JetStreamEventLog.connect({
    url: TEST_NATS.url,
    name: `${prefix}${name}-${uniq()}`,
    prefix,
    leases: new PostgresLeases(db.url, 50),
  });

eventLogContract('JetStream', () => ({ connect: (name) => open(name) }));

describe('JetStream: what the server checks', () => {
  const logs: JetStreamEventLog[] = [];
  const connectLog = async () => {
    const log = await open();
    logs.push(log);
    return log;
  };
  afterEach(async () => {
    await Promise.all(logs.splice(0).map((l) => l.close()));
  });
  const added = (): NewEvent => ({
    id: newId(),
    type: 'UserAdded',
    data: {
      id: newId(),
      auth0Id: `auth0|${uniq()}`,
      email: 'a@b.co',
      emailVerified: false,
      firstName: 'A',
      lastName: '',
      picture: '',
      locale: '',
    },
    metadata: {
      traceId: 't',
      correlationId: newId(),
      causationId: newId(),
      userId: 'auth0|x',
      timestamp: new Date().toISOString(),
    },
  });
  const modified = (): NewEvent => ({ ...added(), type: 'UserModified', data: { firstName: 'B' } });
  /** A raw client, as another writer that holds no lease would be. */
  const raw = async () => {
    const nc = await connect({ servers: TEST_NATS.url });
    return { nc, js: jetstream(nc), jsm: await jetstreamManager(nc) };
  };

  it('refuses, on the server, an append over an entry the writer never saw', async () => {
    const log = await connectLog();
    const writer = await log.openWriter('user', () => undefined);
    const failed = new Promise<Error>((resolve) => writer.onFailure(resolve));
    const stream = `user-${newId()}`;
    await writer.append(stream, [added()], 0);
    // Someone else writes version 2 behind the writer's back.
    const other = await raw();
    const subject = aggregateSubject(channelRoot(prefix, 'user', 'event'), stream);
    const sneaked = { ...modified(), streamId: stream, version: 2 };
    await other.js.publish(subject, JSON.stringify({ events: [sneaked] }));
    await other.nc.close();
    // The writer believes the stream is at 1: its own check passes, the server's does not.
    expect(writer.version(stream)).toBe(1);
    const refused = await writer.append(stream, [modified()], 1).catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(WrongExpectedVersion);
    expect(refused).toMatchObject({ streamId: stream, expected: 1, actual: 2 });
    // Its knowledge of the category is wrong: it stops, and the next one replays.
    expect(await failed).toBeInstanceOf(WriterLost);
    await expect(writer.append(`user-${newId()}`, [added()], 0)).rejects.toBeInstanceOf(WriterLost);
    await writer.close();
    const next = await (await connectLog()).openWriter('user', () => undefined);
    expect(next.version(stream)).toBe(2);
    await expect(next.append(stream, [modified()], 2)).resolves.toMatchObject({ version: 3 });
    await next.close();
  });

  it('lets a leased writer follow lease-free instances whose refusals are on the aggregate subject', async () => {
    const log = await connectLog();
    const shared = await log.openAggregateWriter('user');
    const [replayed, seeded] = [`user-${newId()}`, `user-${newId()}`];
    for (const stream of [replayed, seeded]) {
      const { tip } = await shared.append(stream, [added()], { version: 0, tip: 0 });
      const commandId = newId();
      await shared.reject(
        {
          commandId,
          commandType: 'AddUser',
          code: 'already_exists',
          reason: 'registered',
          streamId: stream,
          metadata: { ...added().metadata, causationId: commandId },
        },
        tip,
      );
    }
    // One stream replayed (its refusal read with the rest), one seeded from a snapshot past it.
    const writer = await log.openWriter('user', () => undefined);
    writer.forget(seeded);
    writer.seed(seeded, 1);
    for (const stream of [replayed, seeded])
      await expect(writer.append(stream, [modified()], 1)).resolves.toMatchObject({ version: 2 });
    // And the lease-free instances take it from there: the log refuses what is stale.
    const stale = await shared
      .append(replayed, [modified()], { version: 1, tip: 1 })
      .catch((e: unknown) => e);
    expect(stale).toBeInstanceOf(StaleAggregate);
    const at = await shared.load(replayed, { readTo: 0, tip: 0 });
    expect(at.entries.map((e) => e.kind)).toEqual(['events', 'rejection', 'events']);
    await expect(
      shared.append(replayed, [modified()], { version: 2, tip: at.tip }),
    ).resolves.toMatchObject({ events: [{ version: 3 }] });
    await writer.close();
  });

  it('stores a retried append once, by its message id', async () => {
    const log = await connectLog();
    const writer = await log.openWriter('user', () => undefined);
    const stream = `user-${newId()}`;
    const first = added();
    const [stored] = (await writer.append(stream, [first], 0)).events;
    const subject = aggregateSubject(channelRoot(prefix, 'user', 'event'), stream);
    const body = JSON.stringify({ events: [stored] });
    const other = await raw();
    const end = async () =>
      (await other.jsm.streams.info(streamName(prefix, 'user', 'event'))).state.last_seq;
    const before = await end();
    // The same entry again, as a resend after a lost acknowledgement would be.
    const again = await other.js.publish(subject, body, {
      msgID: `e:${first.id}`,
      expect: { lastSubjectSequence: 0 },
    });
    expect(again.duplicate).toBe(true);
    expect(await end()).toBe(before);
    await other.nc.close();
    await writer.close();
  });

  it('takes a refusal over its own entry, stored by an attempt whose answer was lost, as stored', async () => {
    const log = await connectLog();
    const writer = await log.openWriter('user', () => undefined);
    const stream = `user-${newId()}`;
    await writer.append(stream, [added()], 0);
    const next = modified();
    // What the writer will send, already stored (under another message id, as if the server
    // checked the expectation before the id, as servers from 2.10 on do).
    const envelope = {
      id: next.id,
      type: next.type,
      streamId: stream,
      version: 2,
      data: next.data,
      metadata: next.metadata,
    };
    const other = await raw();
    const subject = aggregateSubject(channelRoot(prefix, 'user', 'event'), stream);
    const stored = await other.js.publish(subject, JSON.stringify({ events: [envelope] }));
    await other.nc.close();
    await expect(writer.append(stream, [next], 1)).resolves.toMatchObject({ version: 2 });
    // And the writer expects that entry's sequence next.
    await expect(writer.append(stream, [modified()], 2)).resolves.toMatchObject({ version: 3 });
    const events: number[] = [];
    await log.read('user', 'event', stored.seq, (d) =>
      events.push(
        ...((JSON.parse(d.body) as { events?: Array<{ version: number }> }).events ?? []).map(
          (e) => e.version,
        ),
      ),
    );
    expect(events).toEqual([2, 3]);
    await writer.close();
  });

  it('keeps a hostile stream id inside its own subject', async () => {
    const log = await connectLog();
    const writer = await log.openWriter('user', () => undefined);
    // Subject wildcards and separators, spaces, a percent sign, and characters beyond ASCII.
    const hostile = `user-a.b.*.>  %41 \t ü😀/\\${newId()}`;
    const plain = `user-a`;
    await writer.append(hostile, [added()], 0);
    await writer.append(plain, [added()], 0);
    await writer.append(hostile, [modified()], 1);
    await writer.close();
    const next = await log.openWriter('user', () => undefined);
    expect(next.version(hostile)).toBe(2);
    expect(next.version(plain)).toBe(1);
    // Its subject is one token, which no other id shares: the server checks it on its own.
    const subject = aggregateSubject(channelRoot(prefix, 'user', 'event'), hostile);
    expect(subject.split('.')).toHaveLength(prefix.split('.').length + 3);
    const { nc, jsm } = await raw();
    const last = await jsm.streams.getMessage(streamName(prefix, 'user', 'event'), {
      last_by_subj: subject,
    });
    await nc.close();
    expect(JSON.parse(last!.string()).events[0]).toMatchObject({ streamId: hostile, version: 2 });
    await expect(next.append(hostile, [modified()], 2)).resolves.toMatchObject({ version: 3 });
    await next.close();
  });

  it('pipelines appends to one stream in order, each expecting the one before', async () => {
    const log = await connectLog();
    const writer = await log.openWriter('user', () => undefined);
    const stream = `user-${newId()}`;
    const appends = [writer.append(stream, [added()], 0)];
    for (let v = 1; v < 20; v++) appends.push(writer.append(stream, [modified()], v));
    expect((await Promise.all(appends)).map((a) => a.version)).toEqual(
      Array.from({ length: 20 }, (_, i) => i + 1),
    );
    await writer.close();
  });

  it('asks the server where a seeded stream ends, and refuses a seed the log does not hold', async () => {
    const log = await connectLog();
    const first = await log.openWriter('user', () => undefined);
    const stream = `user-${newId()}`;
    await first.append(stream, [added()], 0);
    await first.append(stream, [modified()], 1);
    await first.close();
    const end = await log.head('user', 'event');
    // A replay from past the end, as after a snapshot: the writer is told the versions.
    const seeded = await log.openWriter(
      'user',
      () => undefined,
      undefined,
      undefined,
      () => Promise.resolve(end + 1),
    );
    expect(seeded.version(stream)).toBe(0);
    seeded.seed(stream, 2);
    await expect(seeded.append(stream, [modified()], 2)).resolves.toMatchObject({ version: 3 });
    const wrong = `user-${newId()}`;
    await seeded.append(wrong, [added()], 0);
    seeded.forget(wrong);
    seeded.seed(wrong, 5);
    await expect(seeded.append(wrong, [modified()], 5)).rejects.toBeInstanceOf(WriterLost);
    await seeded.close();
  });

  it('offers what a crashed subscriber held to the next within seconds, while a live one holds a message past that', async () => {
    const sender = await connectLog();
    await sender.sendCommand({
      id: newId(),
      type: 'ModifyUser',
      streamId: `user-${uniq()}`,
      expectedVersion: null,
      data: { firstName: 'Z' },
      metadata: { ...added().metadata, causationId: null },
    });
    const options = { durableName: 'held', ackWaitMs: 60_000, maxInFlight: 10 };
    const crashing = await open('crashing');
    const first: Delivery[] = [];
    await crashing.subscribe('user', 'command', options, (d) => first.push(d));
    const next: Delivery[] = [];
    await (await connectLog()).subscribe('user', 'command', options, (d) => next.push(d));
    await waitFor(() => first.length === 1, 5_000);
    // Held past the server's short ack wait: it is still this subscriber's (it says it is at work).
    await new Promise((r) => setTimeout(r, 7_000));
    expect(next).toHaveLength(0);
    // The process dies without a word: its connection goes, nothing is refused or acknowledged.
    await (crashing as unknown as { nc: { close(): Promise<void> } }).nc.close();
    const crashedAt = Date.now();
    await waitFor(() => next.length === 1, 15_000);
    expect(Date.now() - crashedAt).toBeLessThan(8_000);
    expect(next[0]).toMatchObject({ position: first[0]?.position, redelivered: true });
  }, 40_000);

  it('fails a send at once while the server is away, as LogUnavailable', async () => {
    const log = await JetStreamEventLog.connect({
      url: TEST_NATS.url,
      name: `${prefix}gone-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    await log.close();
    await expect(log.head('user', 'command')).rejects.toMatchObject({ status: 503 });
    expect(log.isConnected()).toBe(false);
  });

  it('is the log every role connects to when EVENT_LOG=jetstream', async () => {
    const rt = createRuntime(
      loadConfig({
        ...process.env,
        EVENT_LOG: 'jetstream',
        NATS_URL: TEST_NATS.url,
        STAN_CHANNEL_PREFIX: prefix,
        DATABASE_URL: db.url,
      }),
      () => undefined,
    );
    const log = await rt.connectLog('choice');
    try {
      expect(log).toBeInstanceOf(JetStreamEventLog);
      // A channel of its own prefix, new: the fence is its first entry.
      expect(await log.head('user', 'command')).toBe(1);
    } finally {
      await log.close();
      await rt.pool.end();
    }
  });
});
