import { connect } from '@nats-io/transport-node';
import { jetstream } from '@nats-io/jetstream';
import { newId } from '../ids';
import { PostgresLeases } from '../postgres/lease';
import {
  TEST_NATS,
  TEST_STAN,
  TEST_STAN_MONITOR,
  testDatabase,
  testPrefix,
  testStanLog,
  type TestDatabase,
} from '../../test/support/env';
import { deleteJetStreams } from '../../test/support/jetstream';
import { connectEventLog } from './connectEventLog';
import { connectStan } from './stanConnection';
import { readStanChannel } from './stanChannels';
import { migrateLog, formatReport, type MigrateReport } from './migrateLog';
import { channelRoot, fenceSubject } from './jetstreamNames';
import { JetStreamEventLog } from './jetstreamEventLog';
import { added, command, meta, modified } from './eventLog.contract';
import type { ChannelKind } from './port';

jest.setTimeout(60_000);

let db: TestDatabase;
const prefixes: string[] = [];
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(async () => {
  for (const p of prefixes) await deleteJetStreams(p);
  await db.drop();
});

const fresh = () => {
  const p = testPrefix();
  prefixes.push(p);
  return p;
};

/** A log on NATS Streaming with every kind of entry the system writes, fences among them. */
async function seed(prefix: string): Promise<{ streams: string[] }> {
  const log = await testStanLog(db, prefix, 'seed');
  try {
    const writer = await log.openWriter('user', () => undefined);
    const streams = [`user-${newId()}`, `user-${newId()}`, `user-${newId()}`];
    for (const [i, s] of streams.entries()) {
      await writer.append(s, [added(`a${i}`)], 'no_stream');
      await writer.append(s, [modified(`B${i}`), modified(`C${i}`)], 1);
    }
    await log.head('user', 'event');
    await writer.reject({
      commandId: newId(),
      commandType: 'ModifyUser',
      code: 'conflict',
      reason: 'stale',
      streamId: streams[0] as string,
      metadata: meta(),
    });
    await writer.append(streams[1] as string, [modified('D')], 3);
    await writer.close();
    for (const s of streams) await log.sendCommand(command(s));
    await log.head('user', 'command');
    await log.sendCommand(command(streams[2] as string), 'process');
    await log.park(
      'user',
      'command',
      { position: 2, body: '{"not":"a command"}', redelivered: false, ack: () => undefined },
      'unreadable',
    );
    return { streams };
  } finally {
    await log.close();
  }
}

const migrate = (prefix: string, limit?: number): Promise<MigrateReport> =>
  migrateLog({
    stan: { ...TEST_STAN, monitorUrl: TEST_STAN_MONITOR },
    nats: { url: TEST_NATS.url, streamReplicas: 1 },
    prefix,
    limit,
  });

const KINDS: ChannelKind[] = ['event', 'command', 'process'];

/** Every body of a source channel by position, read past the port so nothing is written. */
async function sourceBodies(prefix: string, kind: string, end: number): Promise<string[]> {
  const sc = await connectStan({ ...TEST_STAN, clientId: `check-${newId()}` });
  try {
    const out: string[] = [];
    for await (const m of readStanChannel(sc, `${prefix}user.${kind}`, 1, end)) out.push(m.body);
    return out;
  } finally {
    sc.close();
  }
}

describe('migrate-log from NATS Streaming to JetStream', () => {
  it('copies every channel position for position, checks it, and a second run copies nothing', async () => {
    const prefix = fresh();
    const { streams } = await seed(prefix);
    const first = await migrate(prefix);
    expect(formatReport(first)).toMatch(/all 4 channels identical/);
    expect(first.ok).toBe(true);
    expect(first.channels.map((c) => [c.kind, c.ok])).toEqual([
      ['command', true],
      ['event', true],
      ['parked', true],
      ['process', true],
    ]);
    const events = first.channels.find((c) => c.kind === 'event');
    // Three streams of two entries, a fence, a rejection, one more append, and the replay's fence.
    expect(events?.sourceCount).toBe(10);
    expect(events?.targetHash).toBe(events?.sourceHash);
    expect(first.copied).toBe(first.channels.reduce((n, c) => n + c.sourceCount, 0));

    const again = await migrate(prefix);
    expect(again.ok).toBe(true);
    expect(again.copied).toBe(0);
    expect(again.channels.map((c) => c.sourceHash)).toEqual(
      first.channels.map((c) => c.sourceHash),
    );

    // Read through the JetStream adapter: the same bodies at the same positions, and its writer
    // knows every version, so it appends where the old log left off.
    const target = await connectEventLog(
      {
        eventLog: 'jetstream',
        stan: { ...TEST_STAN, channelPrefix: prefix },
        nats: { ...TEST_NATS, streamReplicas: 1 },
      },
      { name: `${prefix}check`, leases: new PostgresLeases(db.url, 50) },
    );
    try {
      for (const kind of KINDS) {
        const count = first.channels.find((c) => c.kind === kind)?.sourceCount ?? 0;
        const read: Array<[number, string]> = [];
        await target.read('user', kind, 1, (d) => void read.push([d.position, d.body]));
        const want = await sourceBodies(prefix, kind, count);
        expect(read).toEqual(want.map((body, i) => [i + 1, body]));
      }
      const writer = await target.openWriter('user', () => undefined);
      expect(streams.map((s) => writer.version(s))).toEqual([3, 4, 3]);
      await expect(writer.append(streams[0] as string, [modified('E')], 3)).resolves.toMatchObject({
        version: 4,
      });
      await writer.close();
    } finally {
      await target.close();
    }
  });

  it('stopped part-way, resumes where it stopped and ends identical', async () => {
    const prefix = fresh();
    await seed(prefix);
    const part = await migrate(prefix, 7);
    expect(part.copied).toBe(7);
    expect(part.interrupted).toBe(true);
    expect(part.ok).toBe(false);
    expect(formatReport(part)).toMatch(/stopped after 7 entries: run again/);
    const rest = await migrate(prefix);
    expect(rest.ok).toBe(true);
    const total = rest.channels.reduce((n, c) => n + c.sourceCount, 0);
    expect(rest.copied).toBe(total - 7);
  });

  it('refuses a target that differs from the source', async () => {
    const prefix = fresh();
    await seed(prefix);
    // Something was written on JetStream under this prefix before the copy: a fence of its own.
    const log = await JetStreamEventLog.connect({
      url: TEST_NATS.url,
      name: 'stray',
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    await log.stream('user', 'command');
    await log.close();
    const nc = await connect({ servers: TEST_NATS.url });
    await jetstream(nc).publish(
      fenceSubject(channelRoot(prefix, 'user', 'command')),
      JSON.stringify({ fence: { id: newId(), by: 'stray' } }),
    );
    await nc.close();
    const report = await migrate(prefix);
    expect(report.ok).toBe(false);
    expect(report.copied).toBe(0);
    expect(report.channels).toHaveLength(1);
    expect(report.channels[0]?.problem).toMatch(/first 1 entries differ/);
    expect(formatReport(report)).toMatch(/MISMATCH.*differ[\s\S]*the logs differ/);
  });
});
