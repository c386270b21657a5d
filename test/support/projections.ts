import type { EventEnvelope } from '../../contracts/envelope';
import {
  channelName,
  type CategoryWriter,
  type Delivery,
  type EventLog,
  type NewEvent,
} from '../../platform/eventlog/port';
import type { StanEventLog } from '../../platform/eventlog/stanEventLog';
import type { Decider, Known } from '../../platform/decider';
import type { TeamMembers } from '../../components/projects/teamAccess';
import { ProjectorHost, type Projection } from '../../platform/hosts/projectorHost';
import { nameId, newId } from '../../platform/ids';
import { PostgresLeases } from '../../platform/postgres/lease';
import { testDatabase, testStanLog, type TestDatabase } from './env';

/**
 * What the projection suites share: commands decided as the component decides them and appended
 * through the category's writer (so the log holds what production writes, versions included),
 * and a real ProjectorHost run on it until it has caught up with the log's end.
 */

/** One second per command: every command's stamps differ, so a stamp left stale shows. */
export class Clock {
  private t: number;
  constructor(start = '2026-03-02T09:00:00.000Z') {
    this.t = Date.parse(start);
  }
  next(): string {
    this.t += 1000;
    return new Date(this.t).toISOString();
  }
}

type Message = { type: string; data: unknown };

/**
 * Decides commands on its own fold of each stream with the context's decider and appends what it
 * accepts (event ids from the command id, metadata following the command) or records the refusal,
 * as `componentHost` does. Appends are pipelined in order, like the component's; `flush` waits.
 */
export class Author<C extends Message, E extends Message, S, K = void> {
  /** Every entry appended, in the order appended: what a duplicate is made of. */
  readonly entries: EventEnvelope[][] = [];
  private readonly states = new Map<string, S>();
  private readonly streams = new Map<string, EventEnvelope[]>();
  private readonly pending: Array<Promise<unknown>> = [];

  constructor(
    private readonly writer: CategoryWriter,
    private readonly decider: Decider<C, E, S, K>,
    readonly clock = new Clock(),
    /** What the component would know of another category (a board's teams), when the rules need it. */
    private readonly known?: K,
  ) {}

  /** Decides and appends; a refusal throws, since a scenario means its commands to be accepted. */
  send(streamId: string, command: C, userId: string | null): EventEnvelope[] {
    const outcome = this.decide(streamId, command, userId);
    if (!outcome.ok)
      throw new Error(`${command.type} on ${streamId} refused: ${outcome.code} ${outcome.reason}`);
    return outcome.events;
  }

  /** A command the rules refuse: the refusal goes into the log, as the component records it. */
  refused(streamId: string, command: C, userId: string | null): string {
    const outcome = this.decide(streamId, command, userId);
    if (outcome.ok)
      throw new Error(
        `${command.type} on ${streamId} was accepted; the scenario expected a refusal`,
      );
    return outcome.code;
  }

  private decide(
    streamId: string,
    command: C,
    userId: string | null,
  ): { ok: true; events: EventEnvelope[] } | { ok: false; code: string; reason: string } {
    const commandId = newId();
    const now = this.clock.next();
    const metadata = {
      traceId: commandId,
      correlationId: commandId,
      causationId: commandId,
      userId,
      timestamp: now,
    };
    const state = this.state(streamId);
    const decision = this.decider.decide(
      command,
      state,
      { streamId, userId, now },
      this.known as K,
    );
    if (!decision.ok) {
      this.track(
        this.writer.reject({
          commandId,
          commandType: command.type,
          code: decision.code,
          reason: decision.reason,
          streamId,
          metadata,
        }),
      );
      return decision;
    }
    const version = this.writer.version(streamId);
    const events: NewEvent[] = decision.events.map((e, i) => ({
      id: nameId(commandId, 'event', String(i)),
      type: e.type,
      data: e.data,
      metadata,
    }));
    const envelopes = events.map((e, i): EventEnvelope => ({
      ...e,
      streamId,
      version: version + i + 1,
    }));
    this.track(this.writer.append(streamId, events, version));
    this.states.set(streamId, decision.events.reduce(this.decider.evolve, state));
    this.streams.set(streamId, [...this.eventsOf(streamId), ...envelopes]);
    this.entries.push(envelopes);
    return { ok: true, events: envelopes };
  }

  private track(p: Promise<unknown>): void {
    // Caught here so a failed append surfaces in flush() rather than as an unhandled rejection.
    this.pending.push(p.catch((err: unknown) => err));
  }

  state(streamId: string): S {
    return this.states.get(streamId) ?? this.decider.initialState();
  }

  eventsOf(streamId: string): EventEnvelope[] {
    return this.streams.get(streamId) ?? [];
  }

  get streamIds(): string[] {
    return [...this.streams.keys()];
  }

  /** Every event appended, stream by stream. */
  get events(): EventEnvelope[] {
    return [...this.streams.values()].flat();
  }

  async flush(): Promise<void> {
    const results = await Promise.all(this.pending.splice(0));
    const failed = results.find((r) => r instanceof Error);
    if (failed) throw failed;
  }
}

/** A ProjectorHost on a test database, with what it reports fatal kept for the test to see. */
export class TestProjector {
  readonly host: ProjectorHost;
  readonly fatal: Error[] = [];

  constructor(
    private readonly log: EventLog,
    db: TestDatabase,
    private readonly projection: Projection,
    batchSize: number,
  ) {
    this.host = new ProjectorHost(log, db.pool, new PostgresLeases(db.url, 50), projection, {
      batchSize,
      onFatal: (err) => this.fatal.push(err),
    });
  }

  static async start(
    log: EventLog,
    db: TestDatabase,
    projection: Projection,
    batchSize: number,
  ): Promise<TestProjector> {
    const p = new TestProjector(log, db, projection, batchSize);
    await p.host.start();
    return p;
  }

  /** Waits until everything the log holds now is in the views; the log's end is a fence we write. */
  async caughtUp(timeoutMs = 15_000): Promise<number> {
    const end = await this.log.head(this.projection.category, 'event');
    const deadline = Date.now() + timeoutMs;
    while (this.host.position < end) {
      if (this.fatal[0]) throw this.fatal[0];
      if (Date.now() > deadline)
        throw new Error(
          `${this.projection.name} stuck at ${this.host.position}, the log ends at ${end}`,
        );
      await Promise.race([this.host.waitFor(end), new Promise((r) => setTimeout(r, 50))]);
    }
    if (this.fatal[0]) throw this.fatal[0];
    return end;
  }

  stop(): Promise<void> {
    return this.host.stop();
  }
}

/** Publishes entries again as they were: a retried publish whose first ack was lost. */
export async function duplicate(
  log: StanEventLog,
  prefix: string,
  category: string,
  entries: EventEnvelope[][],
): Promise<void> {
  for (const events of entries)
    await log.publish(channelName(prefix, category, 'event'), JSON.stringify({ events }));
}

/**
 * The log as NATS Streaming behaves when acknowledgements are lost: every message the projector
 * acknowledges is delivered to it once more, marked redelivered.
 */
export function redelivering(log: EventLog): EventLog & { redelivered: number } {
  const wrapper = {
    redelivered: 0,
    sendCommand: log.sendCommand.bind(log),
    openWriter: log.openWriter.bind(log),
    head: log.head.bind(log),
    read: log.read.bind(log),
    park: log.park.bind(log),
    isConnected: log.isConnected.bind(log),
    close: log.close.bind(log),
    subscribe: (
      category: string,
      kind: Parameters<EventLog['subscribe']>[1],
      options: Parameters<EventLog['subscribe']>[2],
      handler: (d: Delivery) => void,
    ) =>
      log.subscribe(category, kind, options, (d) =>
        handler({
          ...d,
          ack: () => {
            d.ack();
            wrapper.redelivered++;
            setImmediate(() => handler({ ...d, redelivered: true, ack: () => undefined }));
          },
        }),
      ),
  };
  return wrapper;
}

/** Rows of a schema's tables, to check a projection leaves nothing behind. */
export async function rowCount(db: TestDatabase, table: string): Promise<number> {
  const { rows } = await db.pool.query<{ n: number }>(`SELECT count(*)::int AS n FROM ${table}`);
  return rows[0]!.n;
}

/** Every event type a scenario appended, to check it left none of the contract's untried. */
export const typesOf = (events: EventEnvelope[]): string[] =>
  [...new Set(events.map((e) => e.type))].sort();

/**
 * Team knowledge in which `sub` administers every team: scenarios about views share boards with
 * teams whose membership is not their subject.
 */
export const administersEveryTeam = (sub: string): Known<TeamMembers> =>
  ({ get: () => ({ [sub]: { sub, role: 'administrator' } }) }) as unknown as Known<TeamMembers>;

/** What a projection suite runs against: the real log with the category writers, two fresh databases. */
export interface ProjectionServers {
  log: StanEventLog;
  writers: CategoryWriter[];
  /** For projectors applying one entry per batch, and for those applying many. */
  one: TestDatabase;
  many: TestDatabase;
}

/**
 * Opens a projection suite's servers before it (channels under `prefix`, a writer per category,
 * handed to `ready`) and closes them after it, the suite's projectors first.
 */
export function withProjectionServers(
  name: string,
  prefix: string,
  categories: string[],
  ready: (servers: ProjectionServers) => void,
  running: () => Array<TestProjector | undefined>,
): void {
  let servers: ProjectionServers | undefined;
  beforeAll(async () => {
    const [one, many] = await Promise.all([testDatabase(), testDatabase()]);
    const log = await testStanLog(one, prefix, name);
    const writers = await Promise.all(categories.map((c) => log.openWriter(c, () => undefined)));
    servers = { log, writers, one, many };
    ready(servers);
  });
  afterAll(async () => {
    await Promise.all(running().flatMap((p) => (p ? [p.stop()] : [])));
    await Promise.all((servers?.writers ?? []).map((w) => w.close()));
    await servers?.log.close();
    await Promise.all([servers?.one.drop(), servers?.many.drop()]);
  });
}
