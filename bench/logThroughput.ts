import type { CommandEnvelope } from '../contracts/envelope';
import type { ExpectedVersion, NewEvent } from '../platform/eventlog/port';
import { connectStan } from '../platform/eventlog/stanConnection';
import { checkEvent } from '../platform/eventlog/entries';
import { StanCategoryWriter, StanEventLog } from '../platform/eventlog/stanEventLog';
import { nameId, newId } from '../platform/ids';
import { PostgresLeases } from '../platform/postgres/lease';
import { USER_CATEGORY } from '../contracts/identity';
import { coresOf, cpuSnapshot, stanServerPid } from './cpu';
import { openLog, type BenchLog } from './logs';
import { closedLoop } from './loop';
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

  const alternated = await alternate(rawRun, adapterRun, warm, rounds, 'log round');
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

  return {
    window: o.window,
    ...alternated,
    serialPublishAckMs: summarize(serial),
  };
}

/**
 * Raw and adapter runs of the same planned entries, warmed once, then alternated a round each;
 * the best of each is reported (noise on a shared machine), with every round's rates.
 */
export async function alternate(
  rawRun: (ps: Planned[]) => Promise<void>,
  adapterRun: (ps: Planned[]) => Promise<void>,
  warm: Planned[],
  rounds: Planned[][],
  label: string,
): Promise<{
  raw: RateResult;
  adapter: RateResult;
  rounds: Array<{ rawPerSec: number; adapterPerSec: number }>;
  ratio: number;
}> {
  const bytesOf = (ps: Planned[]) => ps.reduce((n, p) => n + Buffer.byteLength(p.body), 0);
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
    log(label, {
      rawPerSec: raws.at(-1)!.messagesPerSec,
      adapterPerSec: adapters.at(-1)!.messagesPerSec,
    });
  }
  const best = (rs: RateResult[]) =>
    rs.reduce((a, b) => (b.messagesPerSec > a.messagesPerSec ? b : a));
  const raw = best(raws);
  const adapter = best(adapters);
  return {
    raw,
    adapter,
    rounds: raws.map((r, i) => ({
      rawPerSec: r.messagesPerSec,
      adapterPerSec: adapters[i]!.messagesPerSec,
    })),
    ratio: round(adapter.messagesPerSec / raw.messagesPerSec, 3),
  };
}

/**
 * Fills a fresh channel through the adapter's writer with `count` events of one mix, on either
 * log; returns its end (a fence written after the appends: the position a replay waits for).
 * `agoMs`: the events say they were written that long ago (a rebuild replays history).
 */
export async function seedChannel(o: {
  log: BenchLog;
  prefix: string;
  databaseUrl: string;
  count: number;
  mix: 'mixed' | 'registrations';
  window: number;
  agoMs?: number;
}): Promise<number> {
  const ps = plan(o.count, o.prefix.replace(/[^A-Za-z0-9]/g, ''), o.mix, o.agoMs);
  const eventLog = await openLog(o.log, {
    prefix: o.prefix,
    name: `${o.prefix}seeder`,
    leases: new PostgresLeases(o.databaseUrl),
  });
  try {
    const writer = await eventLog.openWriter(USER_CATEGORY, () => undefined);
    await windowed(ps.length, o.window, (i, done) => {
      const p = ps[i]!;
      writer.append(p.streamId, p.events, p.expected).then(
        () => done(),
        (err: unknown) => done(err),
      );
    });
    await writer.close();
    return await eventLog.head(USER_CATEGORY, 'event');
  } finally {
    await eventLog.close();
  }
}

/** One side of a concurrency run: callers each waiting for their publish's ack before the next. */
export interface LoadSide {
  ops: number;
  perSec: number;
  /** From the call to its acknowledgement (the promise's or the callback's). */
  ackMs: Summary;
  /** This process's CPU (user + system) per operation: the client library, plus the adapter. */
  cpuUsPerOp: number;
  /** The NATS Streaming server's CPU per operation; null when its process is not on this machine. */
  serverCpuUsPerOp: number | null;
}

export interface LoadRow {
  /** `append`: a writer's event entry; `command`: a command sent as an app sends it. */
  what: 'append' | 'command';
  clients: number;
  raw: LoadSide;
  adapter: LoadSide;
  /** adapter msgs/s over raw msgs/s. */
  ratio: number;
  /** adapter p50 / raw p50 publish→ack. */
  p50Ratio: number | null;
  /** What the adapter adds to raw per operation, in µs of this process's CPU. */
  addedCpuUs: number;
}

export interface LoadOptions {
  stanUrl: string;
  clusterId: string;
  prefix: string;
  databaseUrl: string;
  clients: number[];
  durationMs: number;
  maxOps: number;
  /** Raw and adapter alternate this many times at each concurrency; the faster of each is kept. */
  rounds: number;
}

const commandOf = (tag: string, i: number): CommandEnvelope => ({
  id: newId(),
  type: 'ModifyUser',
  streamId: `${USER_CATEGORY}-${nameId('user', `bench|${tag}-${i % 500}`)}`,
  expectedVersion: null,
  data: { firstName: `Name${i}` },
  metadata: {
    traceId: newId().replace(/-/g, ''),
    correlationId: newId(),
    causationId: null,
    userId: `bench|${tag}-${i % 500}`,
    timestamp: new Date().toISOString(),
  },
});

/**
 * Publish→ack under load: `clients` callers, each publishing its next message once the last one
 * is acknowledged (the closed loop the HTTP stages use), raw (the client library's publish with a
 * callback, bodies serialized beforehand) against the adapter (a writer's `append`, and
 * `sendCommand`), with the same bodies. Alternated back to back, since the machine is shared.
 */
export async function logUnderLoad(o: LoadOptions): Promise<LoadRow[]> {
  const tag = o.prefix.replace(/[^A-Za-z0-9]/g, '');
  const sc = await connectStan({
    url: o.stanUrl,
    clusterId: o.clusterId,
    clientId: `${o.prefix}loadraw`,
  });
  const eventLog = await StanEventLog.connect({
    url: o.stanUrl,
    clusterId: o.clusterId,
    clientId: `${o.prefix}loadwriter`,
    prefix: o.prefix,
    leases: new PostgresLeases(o.databaseUrl),
  });
  const writer = await eventLog.openWriter(USER_CATEGORY, () => undefined);
  const rawPublish = (channel: string, body: string) =>
    new Promise<void>((resolve, reject) =>
      sc.publish(channel, body, (err) => (err ? reject(new Error(String(err))) : resolve())),
    );

  const server = stanServerPid(new URL(o.stanUrl.split(',')[0]!).port);
  const measure = async (clients: number, op: (i: number) => Promise<void>): Promise<LoadSide> => {
    const lat: number[] = [];
    const serverBefore = server ? cpuSnapshot({ [server]: 'stan' }) : null;
    const cpu = process.cpuUsage();
    const { seconds } = await closedLoop(
      { clients, durationMs: o.durationMs, maxOps: o.maxOps },
      () => async (i) => {
        const t = now();
        await op(i);
        lat.push(now() - t);
      },
    );
    const used = process.cpuUsage(cpu);
    const serverCores =
      server && serverBefore
        ? coresOf(serverBefore, cpuSnapshot({ [server]: 'stan' }), [server])
        : null;
    return {
      ops: lat.length,
      perSec: Math.round(lat.length / seconds),
      ackMs: summarize(lat),
      cpuUsPerOp: round((used.user + used.system) / lat.length, 1),
      serverCpuUsPerOp:
        serverCores === null ? null : round((serverCores * seconds * 1e6) / lat.length, 1),
    };
  };

  const rows: LoadRow[] = [];
  try {
    for (const clients of o.clients) {
      for (const what of ['append', 'command'] as const) {
        const raws: LoadSide[] = [];
        const adapters: LoadSide[] = [];
        for (let r = 0; r < o.rounds; r++) {
          const runTag = `${tag}c${clients}${what[0]}${r}`;
          let rawOp: (i: number) => Promise<void>;
          let adapterOp: (i: number) => Promise<void>;
          if (what === 'append') {
            const ps = plan(o.maxOps, runTag);
            rawOp = (i) => rawPublish(`${o.prefix}raw.event`, ps[i]!.body);
            adapterOp = async (i) => {
              const p = ps[i]!;
              await writer.append(p.streamId, p.events, p.expected);
            };
          } else {
            const cs = Array.from({ length: o.maxOps }, (_, i) => commandOf(runTag, i));
            const bodies = cs.map((c) => JSON.stringify(c));
            rawOp = (i) => rawPublish(`${o.prefix}raw.command`, bodies[i]!);
            adapterOp = (i) => eventLog.sendCommand(cs[i]!);
          }
          // Which goes first alternates, so neither always runs on a machine the other warmed.
          if (r % 2 === 0) {
            raws.push(await measure(clients, rawOp));
            adapters.push(await measure(clients, adapterOp));
          } else {
            adapters.push(await measure(clients, adapterOp));
            raws.push(await measure(clients, rawOp));
          }
        }
        const best = (xs: LoadSide[]) => xs.reduce((a, b) => (b.perSec > a.perSec ? b : a));
        const raw = best(raws);
        const adapter = best(adapters);
        const row: LoadRow = {
          what,
          clients,
          raw,
          adapter,
          ratio: round(adapter.perSec / raw.perSec, 3),
          p50Ratio:
            raw.ackMs.p50 && adapter.ackMs.p50 ? round(adapter.ackMs.p50 / raw.ackMs.p50, 2) : null,
          addedCpuUs: round(
            Math.min(...adapters.map((a) => a.cpuUsPerOp)) -
              Math.min(...raws.map((a) => a.cpuUsPerOp)),
            1,
          ),
        };
        log('log under load', {
          what,
          clients,
          perSec: [raw.perSec, adapter.perSec],
          p50: [raw.ackMs.p50, adapter.ackMs.p50],
          p99: [raw.ackMs.p99, adapter.ackMs.p99],
          cpuUs: [raw.cpuUsPerOp, adapter.cpuUsPerOp],
          serverCpuUs: [raw.serverCpuUsPerOp, adapter.serverCpuUsPerOp],
        });
        rows.push(row);
      }
    }
  } finally {
    await writer.close();
    await eventLog.close();
    await new Promise<void>((resolve) => {
      sc.once('close', () => resolve());
      sc.close();
    });
  }
  return rows;
}

export interface AppendCost {
  /** CPU per `writer.append` with an acknowledgement that costs nothing: the adapter's own work. */
  appendUs: number;
  /** What every entry needs whatever the bookkeeping: its envelopes, the contract check, JSON. */
  entryUs: number;
}

/**
 * The adapter's own CPU per append, without the server or the client library: a writer over a
 * session that acknowledges every message in the next turn, 32 appends in flight, against the
 * per-entry work alone. The median of `rounds` rounds, each of `count` appends.
 */
export async function appendCost(count = 50_000, rounds = 5): Promise<AppendCost> {
  let pending: Array<() => void> = [];
  const ackSoon = (cb: () => void) => {
    if (pending.length === 0)
      setImmediate(() => {
        const due = pending;
        pending = [];
        for (const f of due) f();
      });
    pending.push(cb);
  };
  const session = {
    publishAll: (_c: string, bodies: readonly string[], settled: (i: number, e: null) => void) =>
      bodies.forEach((_, i) => ackSoon(() => settled(i, null))),
    onConnectionLost: () => undefined,
    onInterrupted: () => undefined,
    close: () => Promise.resolve(),
  };
  const lease = {
    name: 'bench',
    holder: newId(),
    safeAfter: 0,
    onLost: () => undefined,
    isHeld: () => true,
    confirm: () => Promise.resolve(),
    release: () => Promise.resolve(),
  };
  const inFlight = async (op: (i: number) => Promise<unknown>): Promise<number> => {
    let next = 0;
    const cpu = process.cpuUsage();
    await Promise.all(
      Array.from({ length: 32 }, async () => {
        while (next < count) await op(next++);
      }),
    );
    const used = process.cpuUsage(cpu);
    return (used.user + used.system) / count;
  };
  const appendUs: number[] = [];
  const entryUs: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const ps = plan(count, `cost${r}`);
    const writer = new StanCategoryWriter(session, USER_CATEGORY, 'bench', new Map(), lease);
    appendUs.push(
      await inFlight((i) => {
        const p = ps[i]!;
        return writer.append(p.streamId, p.events, p.expected);
      }),
    );
    entryUs.push(
      await inFlight((i) => {
        const p = ps[i]!;
        // Built as the writer builds them: the same shape costs the same to check and serialize.
        const envelopes = p.events.map((e, k) => ({
          id: e.id,
          type: e.type,
          streamId: p.streamId,
          version: k + 1,
          data: e.data,
          metadata: e.metadata,
        }));
        for (const e of envelopes) if (checkEvent(USER_CATEGORY, e)) throw new Error('invalid');
        if (JSON.stringify({ events: envelopes }).length === 0) throw new Error('empty');
        return new Promise<void>((resolve) => ackSoon(resolve));
      }),
    );
    await writer.close();
  }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  return { appendUs: round(median(appendUs), 2), entryUs: round(median(entryUs), 2) };
}

/**
 * `node -r @swc-node/register bench/logThroughput.ts [clients...]` (with scripts/test-env.sh
 * sourced): the load table alone, on the test stack, in channels of its own.
 */
if (require.main === module) {
  const clients = process.argv.slice(2).map(Number);
  const id = Date.now().toString(36);
  void (async () => {
    // The test stack's helpers: a throwaway database for the writer's lease.
    const { testDatabase, TEST_STAN } = await import('../test/support/env');
    const db = await testDatabase();
    try {
      console.log('adapter CPU per append (no server):', await appendCost());
      const rows = await logUnderLoad({
        stanUrl: TEST_STAN.url,
        clusterId: TEST_STAN.clusterId,
        prefix: `benchload.${id}.`,
        databaseUrl: db.url,
        clients: clients.length ? clients : [1, 8, 32],
        durationMs: Number(process.env.BENCH_DURATION_MS ?? 1_500),
        maxOps: 30_000,
        rounds: Number(process.env.BENCH_LOG_ROUNDS ?? 3),
      });
      console.table(
        rows.map((r) => ({
          what: r.what,
          clients: r.clients,
          'raw/s': r.raw.perSec,
          'adapter/s': r.adapter.perSec,
          ratio: r.ratio,
          'raw p50/p99': `${r.raw.ackMs.p50}/${r.raw.ackMs.p99}`,
          'adapter p50/p99': `${r.adapter.ackMs.p50}/${r.adapter.ackMs.p99}`,
          'raw µs/op': r.raw.cpuUsPerOp,
          'adapter µs/op': r.adapter.cpuUsPerOp,
          'added µs': r.addedCpuUs,
          'server µs/op': `${r.raw.serverCpuUsPerOp}/${r.adapter.serverCpuUsPerOp}`,
        })),
      );
    } finally {
      await db.drop();
    }
    process.exit(0);
  })().catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
