import { createHash, type Hash } from 'node:crypto';
import type { NatsConnection } from '@nats-io/nats-core';
import {
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  type JetStreamClient,
  type JetStreamManager,
  type PubAck,
} from '@nats-io/jetstream';
import type * as stan from 'node-nats-streaming';
import { parseJson } from './entries';
import { isNotFound } from './jetstreamErrors';
import { connectJetStream } from './jetstreamConnection';
import { JetStreamEventLog } from './jetstreamEventLog';
import {
  aggregateSubject,
  channelRoot,
  entrySubject,
  fenceSubject,
  rejectionSubject,
  streamName,
  type JetStreamChannel,
} from './jetstreamNames';
import { connectStan } from './stanConnection';
import { listStanChannels, readStanChannel, type StanChannel } from './stanChannels';

export interface MigrateOptions {
  stan: { url: string; clusterId: string; monitorUrl: string };
  nats: { url: string; streamReplicas: number };
  prefix: string;
  /** Stop after copying this many entries in all (a test's interrupted run). */
  limit?: number;
  /** Told of each channel as it is done. */
  onChannel?: (row: ChannelReport) => void;
}

/** One channel, source against target, after the copy. */
export interface ChannelReport {
  channel: string;
  category: string;
  kind: JetStreamChannel;
  sourceCount: number;
  targetCount: number;
  sourceHash: string;
  targetHash: string;
  /** Copied by this run. */
  copied: number;
  ok: boolean;
  problem?: string;
}

export interface MigrateReport {
  channels: ChannelReport[];
  copied: number;
  /** Stopped at `limit` before the end: run again to go on. */
  interrupted: boolean;
  ok: boolean;
}

/** Nothing the copy does takes a lease: the writers are stopped, and the stream sequence checks. */
const NO_LEASES = {
  acquire: () => Promise.reject(new Error('moving the log takes no leases')),
};

/** Publishes the copy has in flight at once. */
const PUBLISH_WINDOW = 256;

/**
 * Where the JetStream adapter would have put a channel's message (jetstreamNames.ts): an events
 * entry and a command on their aggregate's subject, a rejection on its own, fences on theirs, and
 * anything else (parked records, an entry nobody could read) on the channel's entry subject.
 */
export function subjectFor(root: string, kind: JetStreamChannel, body: string): string {
  const parsed = parseJson(body);
  const value = parsed.ok ? parsed.value : null;
  if (kind === 'parked' || typeof value !== 'object' || value === null) return entrySubject(root);
  const v = value as Record<string, unknown>;
  if ('fence' in v) return fenceSubject(root);
  if (kind === 'event') {
    const events = v.events;
    const first: unknown = Array.isArray(events) ? events[0] : undefined;
    const streamId = (first as { streamId?: unknown } | undefined)?.streamId;
    if (typeof streamId === 'string' && streamId !== '') return aggregateSubject(root, streamId);
    const rejected = (v.rejection as { streamId?: unknown } | undefined)?.streamId;
    if (typeof rejected === 'string' && rejected !== '') return rejectionSubject(root, rejected);
    return entrySubject(root);
  }
  return typeof v.streamId === 'string' && v.streamId !== ''
    ? aggregateSubject(root, v.streamId)
    : entrySubject(root);
}

/** Each body with its length first, so no two sequences of bodies hash alike. */
const add = (hash: Hash, body: string): void => {
  hash.update(`${Buffer.byteLength(body)}\n`);
  hash.update(body);
};

/** The stream's bodies 1..`to` in order, hashed; `to` = 0 hashes nothing. */
async function hashStream(js: JetStreamClient, stream: string, to: number): Promise<string> {
  const hash = createHash('sha256');
  if (to === 0) return hash.digest('hex');
  const consumer = await js.consumers.get(stream, {
    deliver_policy: DeliverPolicy.StartSequence,
    opt_start_seq: 1,
  });
  const messages = await consumer.consume({ max_messages: 1024 });
  let next = 1;
  try {
    for await (const m of messages) {
      if (m.seq !== next) throw new Error(`${stream}: sequence ${m.seq} where ${next} was due`);
      add(hash, m.string());
      if (next++ === to) break;
    }
  } finally {
    await messages.close();
  }
  return hash.digest('hex');
}

/** What the target holds of a stream: its last sequence, or 0 when there is no stream yet. */
async function targetEnd(jsm: JetStreamManager, stream: string): Promise<number> {
  try {
    const info = await jsm.streams.info(stream);
    const { first_seq: first, last_seq: last, messages } = info.state;
    if (messages !== last || (last > 0 && first !== 1))
      throw new Error(`${stream} has gaps (${messages} messages, ${first}..${last})`);
    return last;
  } catch (err) {
    if (isNotFound(err)) return 0;
    throw err;
  }
}

interface Target {
  js: JetStreamClient;
  jsm: JetStreamManager;
  log: JetStreamEventLog;
}

/**
 * Copies one channel after what the target holds already: the target's prefix must be exactly the
 * source's (hashes compared before anything is sent), and every message is published expecting
 * the stream to end right before it, so position n in the source is sequence n in the target or
 * the publish is refused.
 */
async function copyChannel(
  sc: stan.Stan,
  target: Target,
  prefix: string,
  ch: StanChannel,
  budget: { left: number },
): Promise<ChannelReport> {
  const stream = streamName(prefix, ch.category, ch.kind);
  const root = channelRoot(prefix, ch.category, ch.kind);
  const row: ChannelReport = {
    channel: ch.name,
    category: ch.category,
    kind: ch.kind,
    sourceCount: ch.msgs,
    targetCount: 0,
    sourceHash: '',
    targetHash: '',
    copied: 0,
    ok: false,
  };
  const refuse = (problem: string): ChannelReport => ({ ...row, problem });
  if (ch.msgs > 0 && (ch.firstSeq !== 1 || ch.lastSeq !== ch.msgs))
    return refuse(
      `the source lost entries (${ch.msgs} held, ${ch.firstSeq}..${ch.lastSeq}): a channel limit dropped them`,
    );
  const end = ch.lastSeq;
  const had = await targetEnd(target.jsm, stream);
  if (had > end) return refuse(`the target holds ${had} entries, the source ${end}`);
  const targetPrefix = await hashStream(target.js, stream, had);
  if (end > 0) await target.log.stream(ch.category, ch.kind);

  const source = createHash('sha256');
  const inFlight: Array<Promise<PubAck>> = [];
  let sent = 0;
  /** The first publish refused: everything after it is refused too (it expects the one before). */
  const refused = async (): Promise<string | null> => {
    const failed = (await Promise.allSettled(inFlight.splice(0))).find(
      (a) => a.status === 'rejected',
    );
    return failed ? `a publish was refused: ${String(failed.reason)}` : null;
  };
  for await (const { seq, body } of readStanChannel(sc, ch.name, 1, end)) {
    add(source, body);
    if (seq === had && source.copy().digest('hex') !== targetPrefix)
      return refuse(`the target's first ${had} entries differ from the source's`);
    if (seq <= had) continue;
    if (budget.left <= 0) break;
    budget.left--;
    inFlight.push(
      target.js.publish(subjectFor(root, ch.kind, body), body, {
        expect: { lastSequence: seq - 1 },
      }),
    );
    sent++;
    if (inFlight.length >= PUBLISH_WINDOW) {
      const problem = await refused();
      if (problem) return { ...refuse(problem), copied: sent };
    }
  }
  const problem = await refused();
  row.copied = sent;
  if (problem) return refuse(problem);
  row.sourceHash = source.digest('hex');
  row.targetCount = await targetEnd(target.jsm, stream);
  row.targetHash = await hashStream(target.js, stream, row.targetCount);
  // An interrupted run's source hash covers only what it read: compare like with like.
  if (row.targetCount < end) return { ...row, sourceHash: '', problem: 'not copied yet' };
  row.ok = row.targetCount === row.sourceCount && row.targetHash === row.sourceHash;
  if (!row.ok) row.problem = 'counts or hashes differ';
  return row;
}

/**
 * Copies every channel of a NATS Streaming log under a prefix into JetStream, in order, position
 * for position, then compares each channel's count and hash. Run with the writers stopped. Run
 * again, it checks what was copied and goes on after it.
 */
export async function migrateLog(options: MigrateOptions): Promise<MigrateReport> {
  const channels = await listStanChannels(options.stan.monitorUrl, options.prefix);
  const sc = await connectStan({
    url: options.stan.url,
    clusterId: options.stan.clusterId,
    clientId: `migrate-log-${process.pid}-${Date.now().toString(36)}`,
  });
  let nc: NatsConnection | undefined;
  let log: JetStreamEventLog | undefined;
  try {
    nc = await connectJetStream({ url: options.nats.url, name: 'migrate-log' });
    log = await JetStreamEventLog.connect({
      url: options.nats.url,
      name: 'migrate-log-streams',
      prefix: options.prefix,
      leases: NO_LEASES,
      replicas: options.nats.streamReplicas,
    });
    const target: Target = { js: jetstream(nc), jsm: await jetstreamManager(nc), log };
    const budget = { left: options.limit ?? Infinity };
    const rows: ChannelReport[] = [];
    for (const ch of channels) {
      const row = await copyChannel(sc, target, options.prefix, ch, budget);
      rows.push(row);
      options.onChannel?.(row);
      // A refused channel stops the run: whatever is wrong is for an operator to look at first.
      if (row.problem && row.problem !== 'not copied yet') break;
    }
    const interrupted = budget.left <= 0 && rows.some((r) => r.problem === 'not copied yet');
    return {
      channels: rows,
      copied: rows.reduce((n, r) => n + r.copied, 0),
      interrupted,
      ok: rows.length === channels.length && rows.every((r) => r.ok),
    };
  } finally {
    await log?.close();
    await nc?.close();
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      sc.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      sc.close();
    });
  }
}

/** The report as an operator reads it: one line per channel, then the verdict. */
export function formatReport(report: MigrateReport): string {
  const header = ['channel', 'source', 'target', 'copied', 'source sha256', 'target sha256', ''];
  const lines = report.channels.map((r) => [
    r.channel,
    String(r.sourceCount),
    String(r.targetCount),
    String(r.copied),
    r.sourceHash.slice(0, 16),
    r.targetHash.slice(0, 16),
    r.ok ? 'ok' : `MISMATCH: ${r.problem ?? ''}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]?.length ?? 0)));
  const show = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i] ?? 0))
      .join('  ')
      .trimEnd();
  const verdict = report.ok
    ? `all ${report.channels.length} channels identical (${report.copied} entries copied now)`
    : report.interrupted
      ? `stopped after ${report.copied} entries: run again to go on`
      : 'the logs differ: nothing is switched; see above';
  return [show(header), ...lines.map(show), verdict].join('\n') + '\n';
}
