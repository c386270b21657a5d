import type { ExpectedVersion, NewEvent } from '../platform/eventlog/port';
import { connectStan } from '../platform/eventlog/stanConnection';
import { StanEventLog } from '../platform/eventlog/stanEventLog';
import { nameId, newId } from '../platform/ids';
import { PostgresLeases } from '../platform/postgres/lease';
import { USER_CATEGORY } from '../contracts/identity';
import { errorMessage, log, now, round, summarize, type Summary } from './util';

export interface LogStageOptions {
  stanUrl: string;
  clusterId: string;
  /** Channel prefix for this stage only. */
  prefix: string;
  /** Postgres for the writer's lease (advisory lock). */
  databaseUrl: string;
  messages: number;
  /** Raw and adapter runs alternate this many times; the best of each is reported (noise on a shared box). */
  rounds: number;
  warmup: number;
  window: number;
  serialSamples: number;
}

export interface RateResult {
  messages: number;
  seconds: number;
  messagesPerSec: number;
  avgBytes: number;
  mbPerSec: number;
}

export interface LogStageResult {
  window: number;
  raw: RateResult;
  adapter: RateResult;
  rounds: Array<{ rawPerSec: number; adapterPerSec: number }>;
  ratio: number;
  /** One publish at a time: the round trip a single command or append pays for its ack. */
  serialPublishAckMs: Summary;
}

export interface Planned {
  streamId: string;
  events: NewEvent[];
  expected: ExpectedVersion;
  body: string;
}

/**
 * A realistic user-event mix, planned up front so neither run pays for generating it: one
 * registration in four, the rest profile changes spread over the users registered so far
 * (`registrations`: every event a new user, the projection's best case).
 * `body` is exactly what the adapter writes for the entry, so raw and adapter move the same bytes.
 */
export function plan(
  count: number,
  tag: string,
  mix: 'mixed' | 'registrations' = 'mixed',
  agoMs = 0,
): Planned[] {
  const users: Array<{ streamId: string; version: number; sub: string }> = [];
  const out: Planned[] = [];
  for (let i = 0; i < count; i++) {
    const metadata = {
      traceId: newId().replace(/-/g, ''),
      correlationId: newId(),
      causationId: newId(),
      userId: `bench|${tag}-${i}`,
      timestamp: new Date(Date.now() - agoMs).toISOString(),
    };
    let target: { streamId: string; version: number; sub: string };
    let event: NewEvent;
    let expected: ExpectedVersion;
    if (mix === 'registrations' || i % 4 === 0 || users.length === 0) {
      const sub = `bench|${tag}-${i}`;
      const id = nameId('user', sub);
      target = { streamId: `${USER_CATEGORY}-${id}`, version: 0, sub };
      users.push(target);
      metadata.userId = sub;
      event = {
        id: newId(),
        type: 'UserAdded',
        data: {
          id,
          auth0Id: sub,
          email: `u${i}@bench.example`,
          emailVerified: true,
          firstName: 'Bench',
          lastName: `User${i}`,
          picture: '',
          locale: 'en',
        },
        metadata,
      };
      expected = 'no_stream';
    } else {
      target = users[(i * 7919) % users.length]!;
      metadata.userId = target.sub;
      event = { id: newId(), type: 'UserModified', data: { firstName: `Name${i}` }, metadata };
      expected = target.version;
    }
    const envelope = {
      id: event.id,
      type: event.type,
      streamId: target.streamId,
      version: target.version + 1,
      data: event.data,
      metadata: event.metadata,
    };
    target.version++;
    out.push({
      streamId: target.streamId,
      events: [event],
      expected,
      body: JSON.stringify({ events: [envelope] }),
    });
  }
  return out;
}

/** Runs `total` operations keeping at most `window` of them unanswered; resolves when all answered. */
export function windowed(
  total: number,
  window: number,
  start: (i: number, done: (err?: unknown) => void) => void,
): Promise<void> {
  return new Promise((resolve, reject) => {
    let next = 0;
    let answered = 0;
    let failed = false;
    const done = (err?: unknown) => {
      if (failed) return;
      if (err) {
        failed = true;
        reject(err instanceof Error ? err : new Error(errorMessage(err)));
        return;
      }
      answered++;
      if (answered === total) {
        resolve();
        return;
      }
      if (next < total) start(next++, done);
    };
    if (total === 0) return resolve();
    while (next < Math.min(window, total)) start(next++, done);
  });
}

const rate = (messages: number, ms: number, bytes: number): RateResult => ({
  messages,
  seconds: round(ms / 1000, 3),
  messagesPerSec: Math.round((messages * 1000) / ms),
  avgBytes: Math.round(bytes / messages),
  mbPerSec: round(bytes / 1e6 / (ms / 1000), 2),
});

export async function logThroughput(o: LogStageOptions): Promise<LogStageResult> {
  const tag = o.prefix.replace(/[^A-Za-z0-9]/g, '');
  const warm = plan(o.warmup, `${tag}w`);
  const rounds = Array.from({ length: o.rounds }, (_, r) => plan(o.messages, `${tag}r${r}`));
  const bytesOf = (ps: Planned[]) => ps.reduce((n, p) => n + Buffer.byteLength(p.body), 0);

  // Raw: the client library alone, pre-serialized bodies, callbacks, same window.
  const sc = await connectStan({
    url: o.stanUrl,
    clusterId: o.clusterId,
    clientId: `${o.prefix}raw`,
  });
  const rawChannel = `${o.prefix}raw.event`;
  const rawRun = (ps: Planned[]) =>
    windowed(ps.length, o.window, (i, done) =>
      sc.publish(rawChannel, ps[i]!.body, (err) => done(err ? new Error(String(err)) : null)),
    );

  // Adapter: the category's single writer, appends pipelined the way the component host does.
  const eventLog = await StanEventLog.connect({
    url: o.stanUrl,
    clusterId: o.clusterId,
    clientId: `${o.prefix}writer`,
    prefix: o.prefix,
    leases: new PostgresLeases(o.databaseUrl),
  });
  const writer = await eventLog.openWriter(USER_CATEGORY, () => undefined);
  const adapterRun = (ps: Planned[]) =>
    windowed(ps.length, o.window, (i, done) => {
      const p = ps[i]!;
      writer.append(p.streamId, p.events, p.expected).then(
        () => done(),
        (err: unknown) => done(err),
      );
    });

  await rawRun(warm);
  await adapterRun(warm);
  const raws: RateResult[] = [];
  const adapters: RateResult[] = [];
  for (const ps of rounds) {
    let t0 = now();
    await rawRun(ps);
    raws.push(rate(ps.length, now() - t0, bytesOf(ps)));
    t0 = now();
    await adapterRun(ps);
    adapters.push(rate(ps.length, now() - t0, bytesOf(ps)));
    log('log round', {
      rawPerSec: raws.at(-1)!.messagesPerSec,
      adapterPerSec: adapters.at(-1)!.messagesPerSec,
    });
  }
  await writer.close();
  await eventLog.close();

  const serial: number[] = [];
  const first = rounds[0]!;
  for (let i = 0; i < o.serialSamples; i++) {
    const t = now();
    await new Promise<void>((resolve, reject) =>
      sc.publish(rawChannel, first[i % first.length]!.body, (err) =>
        err ? reject(new Error(String(err))) : resolve(),
      ),
    );
    serial.push(now() - t);
  }

  await new Promise<void>((resolve) => {
    sc.once('close', () => resolve());
    sc.close();
  });

  const best = (rs: RateResult[]) =>
    rs.reduce((a, b) => (b.messagesPerSec > a.messagesPerSec ? b : a));
  const raw = best(raws);
  const adapter = best(adapters);
  return {
    window: o.window,
    raw,
    adapter,
    rounds: raws.map((r, i) => ({
      rawPerSec: r.messagesPerSec,
      adapterPerSec: adapters[i]!.messagesPerSec,
    })),
    ratio: round(adapter.messagesPerSec / raw.messagesPerSec, 3),
    serialPublishAckMs: summarize(serial),
  };
}

/**
 * Fills a fresh channel through the adapter's writer with `count` events of one mix; returns its
 * end. `agoMs`: the events say they were written that long ago (a rebuild replays history).
 */
export async function seedChannel(o: {
  stanUrl: string;
  clusterId: string;
  prefix: string;
  databaseUrl: string;
  count: number;
  mix: 'mixed' | 'registrations';
  window: number;
  agoMs?: number;
}): Promise<number> {
  const ps = plan(o.count, o.prefix.replace(/[^A-Za-z0-9]/g, ''), o.mix, o.agoMs);
  const eventLog = await StanEventLog.connect({
    url: o.stanUrl,
    clusterId: o.clusterId,
    clientId: `${o.prefix}seeder`,
    prefix: o.prefix,
    leases: new PostgresLeases(o.databaseUrl),
  });
  const writer = await eventLog.openWriter(USER_CATEGORY, () => undefined);
  await windowed(ps.length, o.window, (i, done) => {
    const p = ps[i]!;
    writer.append(p.streamId, p.events, p.expected).then(
      () => done(),
      (err: unknown) => done(err),
    );
  });
  await writer.close();
  await eventLog.close();
  // The writer's opening fence is position 1; the appends follow it.
  return ps.length + 1;
}
