/**
 * The log stage on JetStream: raw publishes (the client alone, pre-serialized bodies, one subject
 * per aggregate as the adapter uses, no expected-sequence header) against the JetStream adapter's
 * writer (each append carries the aggregate's expected last sequence and a message id), the same
 * planned entries and window, alternated as on NATS Streaming.
 */
import { connect } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, StorageType } from '@nats-io/jetstream';
import { USER_CATEGORY } from '../contracts/identity';
import { JetStreamEventLog } from '../platform/eventlog/jetstreamEventLog';
import { PostgresLeases } from '../platform/postgres/lease';
import { alternate, plan, windowed, type Planned, type RateResult } from './logThroughput';

export interface JetStreamLogOptions {
  natsUrl: string;
  prefix: string;
  databaseUrl: string;
  messages: number;
  rounds: number;
  warmup: number;
  window: number;
}

export interface JetStreamLogResult {
  natsUrl: string;
  raw: RateResult;
  adapter: RateResult;
  rounds: Array<{ rawPerSec: number; adapterPerSec: number }>;
  /** The adapter's appends/s over raw publishes/s, best round of each. */
  ratio: number;
}

/** A token NATS takes in a subject: the raw side needs no escaping, only a subject per aggregate. */
const token = (streamId: string) => streamId.replace(/[^A-Za-z0-9_-]/g, '_');

export async function jetstreamLogThroughput(o: JetStreamLogOptions): Promise<JetStreamLogResult> {
  const tag = o.prefix.replace(/[^A-Za-z0-9]/g, '');
  const warm = plan(o.warmup, `${tag}w`);
  const rounds = Array.from({ length: o.rounds }, (_, r) => plan(o.messages, `${tag}r${r}`));
  const streamPrefix = o.prefix.replace(/[^A-Za-z0-9_-]/g, '_');

  const nc = await connect({ servers: o.natsUrl.split(','), name: `${o.prefix}raw` });
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  await jsm.streams.add({
    name: `${streamPrefix}raw`,
    subjects: [`${o.prefix}raw.>`],
    storage: StorageType.File,
  });
  const rawRun = (ps: Planned[]) =>
    windowed(ps.length, o.window, (i, done) => {
      const p = ps[i]!;
      js.publish(`${o.prefix}raw.a.${token(p.streamId)}`, p.body).then(
        () => done(),
        (err: unknown) => done(err),
      );
    });

  const eventLog = await JetStreamEventLog.connect({
    url: o.natsUrl,
    name: `${o.prefix}writer`,
    prefix: o.prefix,
    leases: new PostgresLeases(o.databaseUrl),
  });
  try {
    const writer = await eventLog.openWriter(USER_CATEGORY, () => undefined);
    const adapterRun = (ps: Planned[]) =>
      windowed(ps.length, o.window, (i, done) => {
        const p = ps[i]!;
        writer.append(p.streamId, p.events, p.expected).then(
          () => done(),
          (err: unknown) => done(err),
        );
      });
    const alternated = await alternate(rawRun, adapterRun, warm, rounds, 'jetstream log round');
    await writer.close();
    return { natsUrl: o.natsUrl, ...alternated };
  } finally {
    await eventLog.close();
    // The run's streams (raw and the adapter's) go with it: nothing is left on a shared server.
    for await (const name of jsm.streams.names(`${o.prefix}>`)) await jsm.streams.delete(name);
    await nc.close();
  }
}
