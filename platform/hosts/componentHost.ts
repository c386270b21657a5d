import type { CommandEnvelope, EventEnvelope } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import type { RejectionCode } from '../../contracts/outcomes';
import { endsOf } from '../eventlog/entries';
import type { ComponentDefinition } from '../decider';

export type { ComponentDefinition };
import type { CatchUp, CategoryWriter, Delivery, EventLog, Subscription } from '../eventlog/port';
import { asError } from '../errors';
import { logger } from '../logger';
import {
  SnapshotLeaseLost,
  type HandledCommand,
  type Snapshot,
  type SnapshotStore,
} from '../snapshots/port';
import { IdFilter } from './idFilter';
import { Batched } from './batched';
import { decodeCommand, follow, takeCommands } from './messages';
import { decideCommand, inDecisionSpan } from './decision';
import { ReferenceFollower } from './referenceFollower';
import { metrics } from '../metrics/registry';

export interface ComponentOptions {
  /** Commands taken from the channel before earlier ones are acknowledged. */
  maxInFlight?: number;
  ackWaitMs?: number;
  /** Longest wait for the referenced category to be read to its end before the host gives up (and restarts). */
  referenceWaitMs?: number;
  /** Where the streams' states and the handled command ids are kept beyond memory. */
  snapshots: SnapshotStore;
  /** Streams kept in memory; beyond, the least recently used clean ones are let go. */
  cacheStreams?: number;
  /** Handled command ids kept in memory (the most recent); older ones are looked up. */
  handledWindow?: number;
  /** A flush of snapshots this often while anything changed... */
  snapshotEveryMs?: number;
  /** ...and as soon as this many streams changed. */
  snapshotEveryStreams?: number;
  /** The host cannot go on (writer lost): the process must stop and be restarted. */
  onFatal(err: Error): void;
}

/** A stream in memory. */
interface Cached {
  /** What decisions are made on: every decided event, stored or still being appended. */
  state: unknown;
  /** As of the last version the log has stored: the only state ever snapshotted. */
  stored: Snapshot;
  /** The version the snapshot store holds. */
  flushed: number;
}

/** Postgres away, what memory holds meanwhile is recorded, or read, again no sooner than this. */
const POSTGRES_RETRY_MS = 5_000;

/**
 * Runs one category's decider as that category's only writer: replays its events into memory,
 * then takes commands in channel order. Decisions are made one at a time, in memory; their
 * appends are pipelined and each command is acknowledged once its outcome is in the log, so a
 * crash redelivers exactly the commands whose outcome may be missing, and the ids of the events
 * they cause are derived from the command so a second decision cannot record a second copy.
 *
 * Memory is bounded by snapshots (`SnapshotStore`): stored states and handled command ids are
 * flushed now and then with a checkpoint, a position of the event channel such that every entry
 * up to it is reflected in what was flushed. A start replays only the entries after the
 * checkpoint over the snapshots of the streams they touch; a stream let go of (evicted) is loaded
 * again when a command needs it; command ids older than the window in memory are looked up.
 */
export class ComponentHost {
  private readonly cache = new Map<string, Cached>();
  /** Streams a command received and not yet decided will need: never evicted meanwhile. */
  private readonly pins = new Map<string, number>();
  /** Streams whose stored version is past their snapshot's. */
  private readonly dirty = new Set<string>();
  /** Whether a stream missing from the cache is new: nothing evicted, no checkpoint to start from. */
  private cacheComplete = true;
  /** Recent handled command ids, flushed already, oldest first. */
  private readonly window = new Set<string>();
  /** Handled command ids whose outcome the log holds, not yet flushed (position, or 0 when live). */
  private readonly unflushed = new Map<string, number>();
  /** Whether every command id ever handled is in memory (nothing let go, no checkpoint). */
  private windowComplete = true;
  /**
   * Every command id recorded as handled, as a filter that may say "maybe" of an id it never
   * held but never "no" of one it did: once it holds the ids recorded before this start, a
   * command missing from the window is looked up only when the filter says maybe, instead of
   * every command costing a Postgres lookup for as long as the window is not the whole history.
   */
  private readonly recorded = new IdFilter();
  private recordedComplete = false;
  private readonly underway = new Map<string, Promise<unknown>>();
  /** Appends and refusals under way, each settled once its outcome is recorded in memory. */
  private readonly writes = new Set<Promise<unknown>>();
  private writeFailed = false;
  /** The replay's events by stream, when it starts from a checkpoint: folded over the snapshots. */
  private tail: Map<string, EventEnvelope[]> | null = null;
  /** The lease the replay runs under, and the last entry it folded: what a spill records. */
  private replayLease: { name: string; holder: string } | null = null;
  private replayedTo = 0;
  /** A spill that failed (Postgres away) is tried again no sooner than this. */
  private spillAgainAt = 0;
  private flushing: Promise<void> | null = null;
  private flushTimer: NodeJS.Timeout | null = null;
  private readonly loads: Batched<Snapshot>;
  private readonly lookups: Batched<true>;
  private writer: CategoryWriter | null = null;
  private subscription: Subscription | null = null;
  /** What the decisions know of the referenced category, if they need one. */
  private readonly reference: ReferenceFollower | null;
  /** Decisions waiting their turn behind one that waits for the reference: channel order holds. */
  private turn: Promise<void> | null = null;
  private waitingTurns = 0;
  private stopping = false;
  /** Set once the lease is held, while the category's events are replayed. */
  private catchingUp: CatchUp | null = null;
  private readonly abort = new AbortController();
  readonly stats = {
    decided: 0,
    rejected: 0,
    duplicates: 0,
    parked: 0,
    replayed: 0,
    loaded: 0,
    evicted: 0,
    lookedUp: 0,
    flushes: 0,
  };

  constructor(
    private readonly log: EventLog,
    private readonly def: ComponentDefinition,
    private readonly options: ComponentOptions,
  ) {
    const { snapshots } = options;
    this.reference = def.reference
      ? new ReferenceFollower(log, def.reference, options.referenceWaitMs ?? 30_000)
      : null;
    this.loads = new Batched((ids) => snapshots.load(def.category, ids));
    this.lookups = new Batched(async (ids) => {
      const found = await snapshots.handled(def.category, ids);
      return new Map([...found].map((id) => [id, true as const]));
    });
  }

  /** Whether the filter holds every command id recorded before this start (lookups are filtered). */
  get lookupsFiltered(): boolean {
    return this.recordedComplete;
  }

  /** What memory holds now: streams' states, and handled command ids (window and unflushed). */
  get held(): { streams: number; handledIds: number } {
    return { streams: this.cache.size, handledIds: this.window.size + this.unflushed.size };
  }

  get isActive(): boolean {
    return this.subscription !== null;
  }

  /** What `/readyz` says of the writer: taking commands, catching up (how far), or standing by. */
  get readiness(): boolean | { ok: boolean; detail: string } {
    if (this.subscription !== null) return true;
    const c = this.catchingUp;
    if (!c) return { ok: false, detail: 'standing by: another instance holds the writer lease' };
    const percent = c.end > 0 ? Math.floor((100 * c.position) / c.end) : 100;
    return { ok: false, detail: `catching up: entry ${c.position} of ${c.end} (${percent}%)` };
  }

  async start(): Promise<void> {
    const { category } = this.def;
    let checkpoint = 0;
    this.writer = await this.log.openWriter(
      category,
      (entry) => this.replay(entry),
      this.abort.signal,
      (caughtUp) => (this.catchingUp = caughtUp),
      // Read under the lease: no other writer moves it from now on.
      async (lease) => {
        this.replayLease = lease;
        checkpoint = await this.options.snapshots.checkpoint(category);
        // A log replaced under its snapshots (a store wiped, another server) would never deliver
        // the position to start from: the replay would wait forever for its fence.
        const end = checkpoint > 0 ? await this.log.head(category, 'event') : 0;
        if (end <= checkpoint && checkpoint > 0) {
          throw new Error(
            `the ${category} event log ends at ${String(end)}, before the snapshots' checkpoint ${String(checkpoint)}: it is not the log they were taken from`,
          );
        }
        this.tail = checkpoint > 0 ? new Map() : null;
        this.cacheComplete = this.windowComplete = this.recordedComplete = checkpoint === 0;
        return checkpoint + 1;
      },
    );
    this.writer.onFailure((err) => {
      this.writeFailed = true;
      this.options.onFatal(err);
    });
    try {
      await this.foldTail(this.writer);
    } catch (err) {
      await this.writer.close();
      throw err;
    }
    logger.info(
      { category, checkpoint, streams: this.cache.size, entries: this.stats.replayed },
      'component caught up',
    );
    if (this.stopping) return this.writer.close();
    if (!this.recordedComplete) void this.loadRecorded();
    this.flushTimer = setInterval(() => this.flushSoon(), this.options.snapshotEveryMs ?? 5_000);
    this.flushTimer.unref();
    await this.reference?.start();
    this.subscription = await takeCommands(this.log, category, this.options, (d) =>
      this.receive(d),
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the awaits
    if (this.stopping) {
      await this.subscription.close();
      this.subscription = null;
    }
  }

  private replay(entry: LogEntry): void | Promise<void> {
    this.stats.replayed++;
    this.replayedTo = entry.position;
    if (entry.kind === 'rejection') {
      this.unflushed.set(entry.rejection.commandId, entry.position);
      return this.spillIfFull();
    }
    if (entry.kind !== 'events') return;
    const { first } = endsOf(entry.events);
    if (first.metadata.causationId) this.unflushed.set(first.metadata.causationId, entry.position);
    if (this.tail) {
      // Folded once the replay is over, over the snapshots of the streams it touched.
      const events = this.tail.get(first.streamId);
      if (events) events.push(...entry.events);
      else this.tail.set(first.streamId, [...entry.events]);
      return;
    }
    const cached = this.cache.get(first.streamId);
    // Let go of by a spill earlier in this replay (or never seen): its snapshot, if any, first.
    if (!cached && !this.cacheComplete) return this.replayLoaded(first.streamId, entry.events);
    this.fold(first.streamId, cached, entry.events);
    return this.spillIfFull();
  }

  /** Folds a replayed entry's events over what is known of their stream (the newest last in the cache). */
  private fold(streamId: string, base: Cached | undefined, events: EventEnvelope[]): void {
    let state = base ? base.state : this.def.decider.initialState();
    let version = base?.stored.version ?? 0;
    for (const event of events) {
      // A snapshot may be ahead of the entry: what it holds is not folded twice.
      if (event.version <= version) continue;
      state = this.def.decider.evolve(state, event);
      version = event.version;
    }
    this.cache.delete(streamId);
    this.cache.set(streamId, { state, stored: { version, state }, flushed: base?.flushed ?? 0 });
    if (version > (base?.flushed ?? 0)) this.dirty.add(streamId);
  }

  private async replayLoaded(streamId: string, events: EventEnvelope[]): Promise<void> {
    const snapshot = await this.loads.get(streamId);
    this.stats.loaded++;
    const base = snapshot && { state: snapshot.state, stored: snapshot, flushed: snapshot.version };
    this.fold(streamId, base, events);
    await this.spillIfFull();
  }

  /**
   * A first start (no checkpoint) replays the whole log. Past the cache's size or the window of
   * handled ids, it records what it has folded so far with the last entry folded as checkpoint,
   * and lets go of the streams so recorded, while the replay waits: memory stays bounded however
   * long the log. Postgres away only delays the spill: memory grows meanwhile, as it would have.
   */
  private spillIfFull(): Promise<void> | undefined {
    const lease = this.replayLease;
    if (!lease || this.writer || Date.now() < this.spillAgainAt) return;
    const capacity = this.options.cacheStreams ?? 10_000;
    const windowSize = this.options.handledWindow ?? 100_000;
    if (this.cache.size <= capacity && this.unflushed.size < windowSize) return;
    return this.record(this.replayedTo, lease).then(
      // Down to half, so that the next spill is a cache's worth of streams later, not the next one.
      () => this.evict(undefined, Math.floor(capacity / 2)),
      (err: unknown) => {
        if (err instanceof SnapshotLeaseLost) throw err;
        this.spillAgainAt = Date.now() + POSTGRES_RETRY_MS;
        logger.warn(
          { err: asError(err).message, category: this.def.category },
          'could not record the replay so far; holding it in memory meanwhile',
        );
      },
    );
  }

  /**
   * The replay began after the checkpoint: the streams it touched start from their snapshots, and
   * only the events past a snapshot's version are folded (a snapshot may be ahead of its
   * checkpoint, never behind it: every entry up to the checkpoint is in the snapshots).
   */
  private async foldTail(writer: CategoryWriter): Promise<void> {
    const tail = this.tail;
    this.tail = null;
    if (!tail || tail.size === 0) return;
    const { decider } = this.def;
    const snapshots = await this.options.snapshots.load(this.def.category, [...tail.keys()]);
    for (const [streamId, events] of tail) {
      const snapshot = snapshots.get(streamId);
      let version = snapshot?.version ?? 0;
      let state = snapshot ? snapshot.state : decider.initialState();
      for (const event of events) {
        if (event.version <= version) continue;
        if (event.version !== version + 1) {
          throw new Error(
            `${streamId}: the snapshot is at version ${String(version)} and the replay after the checkpoint resumes at ${String(event.version)}: snapshots and checkpoint disagree`,
          );
        }
        state = decider.evolve(state, event);
        version = event.version;
      }
      const flushed = snapshot?.version ?? 0;
      this.cache.set(streamId, { state, stored: { version, state }, flushed });
      writer.seed(streamId, version);
      if (version > flushed) this.dirty.add(streamId);
    }
    this.evict();
  }

  /** A stream loaded again (or new): taken in unless a decision already brought it back. */
  private admit(streamId: string, snapshot: Snapshot | undefined): Cached {
    const present = this.cache.get(streamId);
    if (present) return present;
    const writer = this.requireWriter();
    const stored = snapshot ?? { version: 0, state: this.def.decider.initialState() };
    const cached: Cached = { state: stored.state, stored, flushed: stored.version };
    this.cache.set(streamId, cached);
    writer.seed(streamId, stored.version);
    this.stats.loaded++;
    this.evict(streamId);
    return cached;
  }

  /**
   * Lets go of the least recently used streams beyond the cache's size, clean ones only: their
   * snapshot is at their stored version, no append is under way, no command received waits for
   * them. Their versions go too; loading the snapshot brings both back.
   */
  private evict(keep?: string, down = this.options.cacheStreams ?? 10_000): void {
    // Without a writer yet (a replay spilling), nothing is appended or waited for.
    const writer = this.writer;
    if (this.cache.size <= down) return;
    for (const [streamId, c] of this.cache) {
      if (this.cache.size <= down) break;
      const clean =
        c.flushed === c.stored.version &&
        (!writer ||
          (writer.version(streamId) === c.stored.version &&
            !this.pins.has(streamId) &&
            streamId !== keep));
      if (!clean) continue;
      this.cache.delete(streamId);
      writer?.forget(streamId);
      this.cacheComplete = false;
      this.stats.evicted++;
    }
  }

  private pin(streamId: string): void {
    this.pins.set(streamId, (this.pins.get(streamId) ?? 0) + 1);
  }

  private unpin(streamId: string): void {
    const n = (this.pins.get(streamId) ?? 0) - 1;
    if (n > 0) this.pins.set(streamId, n);
    else this.pins.delete(streamId);
  }

  private flushSoon(): void {
    if (this.flushing || this.writeFailed || this.stopping || !this.writer) return;
    if (this.dirty.size === 0 && this.unflushed.size === 0) return;
    const writer = this.writer;
    this.flushing = this.flush(writer)
      .catch((err: unknown) => {
        // The lease is someone else's: this writer must stop. Otherwise (Postgres away) memory
        // holds everything still, and the next flush tries again.
        if (err instanceof SnapshotLeaseLost) this.options.onFatal(err);
        else logger.warn({ err: asError(err).message, category: writer.category }, 'flush failed');
      })
      .finally(() => (this.flushing = null));
  }

  /**
   * Reads every command id recorded before this start into the filter, in the background: until
   * it has them all, every command missing from the window is looked up, as without a filter.
   * Postgres away, it tries again a little later.
   */
  private async loadRecorded(): Promise<void> {
    const { category } = this.def;
    while (!this.stopping) {
      try {
        const count = await this.options.snapshots.everyHandled(category, (ids) => {
          for (const id of ids) this.recorded.add(id);
        });
        this.recordedComplete = true;
        logger.info(
          { category, ids: count, bytes: this.recorded.bytes },
          'component has the handled command ids to filter lookups',
        );
        return;
      } catch (err) {
        logger.warn({ category, err: asError(err).message }, 'cannot read the handled ids yet');
        await new Promise((resolve) => setTimeout(resolve, POSTGRES_RETRY_MS).unref());
      }
    }
  }

  /**
   * Records the stored states of the streams changed since the last flush, and the command ids
   * handled since, with a checkpoint: the end of the event channel (a fence on the writer's own
   * connection, so every entry published before it is stored before it) once every append sent
   * before it has come back. Every entry up to the checkpoint is then one this host has seen
   * stored, and reflected in what this flush and the ones before recorded.
   */
  private async flush(writer: CategoryWriter): Promise<void> {
    const { category } = this.def;
    await Promise.allSettled([...this.writes]);
    const checkpoint = await this.log.head(category, 'event');
    await Promise.allSettled([...this.writes]);
    // An append in doubt may be stored below the checkpoint: the next holder replays it instead.
    if (this.writeFailed) return;
    await this.record(checkpoint, writer.lease);
    this.evict();
  }

  /**
   * Records the stored states of the streams changed since the last record and the command ids
   * handled since, under `checkpoint`: every entry up to it must be reflected in them.
   */
  private async record(checkpoint: number, lease: { name: string; holder: string }): Promise<void> {
    const { category } = this.def;
    const snapshots = new Map<string, Snapshot>();
    for (const streamId of this.dirty) {
      const c = this.cache.get(streamId);
      if (c) snapshots.set(streamId, c.stored);
    }
    const handled: HandledCommand[] = [];
    for (const [commandId, position] of this.unflushed)
      handled.push({ commandId, position: position || checkpoint });
    await this.options.snapshots.save(category, { snapshots, handled, checkpoint, lease });
    this.stats.flushes++;
    for (const [streamId, s] of snapshots) {
      const c = this.cache.get(streamId);
      if (!c) continue;
      c.flushed = Math.max(c.flushed, s.version);
      if (c.flushed >= c.stored.version) this.dirty.delete(streamId);
    }
    const windowSize = this.options.handledWindow ?? 100_000;
    for (const { commandId } of handled) {
      this.unflushed.delete(commandId);
      this.window.add(commandId);
      this.recorded.add(commandId);
    }
    for (const oldest of this.window) {
      if (this.window.size <= windowSize) break;
      this.window.delete(oldest);
      this.windowComplete = false;
    }
  }

  private receive(delivery: Delivery): void {
    if (this.stopping) return; // left unacknowledged: the next holder of the lease gets it again
    const decoded = decodeCommand(this.def.category, delivery.body);
    if (decoded.ok === 'fence') return delivery.ack();
    if (!decoded.ok) {
      this.stats.parked++;
      logger.warn(
        { category: this.def.category, position: delivery.position, reason: decoded.error },
        'parked command',
      );
      this.log
        .park(this.def.category, 'command', delivery, decoded.error)
        .catch((err: unknown) => this.options.onFatal(asError(err)));
      return;
    }
    const command = decoded.value;
    const { streamId } = command;
    const underway = this.underway.get(command.id);
    if (underway) {
      // Offered again while its outcome is still being stored: STAN acknowledges by sequence, so
      // acknowledging now would also settle the first delivery before anything is stored.
      this.stats.duplicates++;
      underway.then(
        () => delivery.ack(),
        () => undefined,
      );
      return;
    }
    if (this.window.has(command.id) || this.unflushed.has(command.id)) {
      this.stats.duplicates++;
      return delivery.ack();
    }
    // Missing from memory, the id may still be one handled before the window: a redelivery, but
    // also a new message under an old id (a request retried with its Idempotency-Key, a reactor or
    // a workflow step sending its command again) whose first outcome is not visible to its sender
    // yet, however long ago it was decided (its projector stopped, say). So while the window lacks
    // some ids, every miss is looked up; lookups go in batches, and the decision waits its turn.
    let seen: Promise<boolean> | null = null;
    if (!this.windowComplete && (!this.recordedComplete || this.recorded.mightHave(command.id))) {
      this.stats.lookedUp++;
      seen = this.lookups.get(command.id).then((found) => found === true);
    }
    let load: Promise<Snapshot | undefined> | null = null;
    // Nothing let go of yet: a stream not in memory is a new one.
    if (this.cacheComplete) this.admit(streamId, undefined);
    else if (!this.cache.has(streamId)) load = this.loads.get(streamId);
    this.pin(streamId);
    const outcome = this.inTurn(command, seen, load);
    this.underway.set(command.id, outcome);
    outcome.then(
      () => {
        this.underway.delete(command.id);
        delivery.ack();
      },
      (err: unknown) => this.options.onFatal(asError(err)),
    );
  }

  /**
   * Decides at once, unless the command needs the referenced category read to its end or an
   * earlier one is waiting for that: then it takes its turn behind, so commands are still
   * decided in channel order. Resolves when its outcome is stored.
   */
  private inTurn(
    command: CommandEnvelope,
    seen: Promise<boolean> | null,
    load: Promise<Snapshot | undefined> | null,
  ): Promise<unknown> {
    const { reference } = this;
    // The reference to read to its end first, when the command needs it.
    const latest = reference?.needsLatest({ type: command.type, data: command.data })
      ? reference
      : null;
    if (!latest && !seen && !load && this.turn === null) return this.handle(command);
    this.waitingTurns++;
    const decided = (this.turn ?? Promise.resolve())
      .then(() => latest?.readToEnd())
      .then(() => Promise.all([seen, load]))
      // Boxed, so the next turn waits for this decision only, not for its append.
      .then(([handledBefore, snapshot]) => {
        if (this.stopping) return { stored: new Promise<never>(() => undefined) };
        if (load) this.admit(command.streamId, snapshot ?? undefined);
        if (handledBefore) {
          this.unpin(command.streamId);
          this.stats.duplicates++;
          this.window.add(command.id);
          return { stored: Promise.resolve() };
        }
        return { stored: this.handle(command) };
      });
    // A failure is reported by whoever waits for the outcome (`receive`), once.
    const turn = decided.then(
      () => undefined,
      () => undefined,
    );
    this.turn = turn.then(() => {
      if (--this.waitingTurns === 0) this.turn = null;
    });
    return decided.then((d) => d.stored);
  }

  private handle(command: CommandEnvelope): Promise<unknown> {
    return inDecisionSpan(this.def.category, command, () => this.decide(command));
  }

  private requireWriter(): CategoryWriter {
    const { writer } = this;
    if (!writer) throw new Error('a command was handled before the writer was open');
    return writer;
  }

  /** Kept until its outcome is recorded in memory, so a flush waits for it; then the id is handled. */
  private track(commandId: string, write: Promise<unknown>): Promise<unknown> {
    const recorded = write.then(
      () => {
        this.writes.delete(recorded);
        this.unflushed.set(commandId, 0);
      },
      (err: unknown) => {
        this.writes.delete(recorded);
        this.writeFailed = true;
        throw err;
      },
    );
    this.writes.add(recorded);
    return recorded;
  }

  private decide(command: CommandEnvelope): Promise<unknown> {
    const writer = this.requireWriter();
    const { streamId } = command;
    this.unpin(streamId);
    // Taken in (or loaded) when received, and pinned since.
    const cached = this.cache.get(streamId);
    if (!cached) throw new Error(`${streamId} was decided without being loaded`);
    // Most recently used last: eviction goes from the front.
    this.cache.delete(streamId);
    this.cache.set(streamId, cached);
    const version = writer.version(streamId);
    const { state } = cached;
    const rejection = (code: RejectionCode, reason: string) => {
      this.stats.rejected++;
      metrics.commandsRefused.inc({ category: this.def.category, type: command.type, code });
      return this.track(
        command.id,
        writer.reject({
          commandId: command.id,
          commandType: command.type,
          code,
          reason,
          streamId,
          metadata: follow(command),
        }),
      );
    };
    const outcome = decideCommand(this.def, command, state, version, this.reference?.known);
    if (!outcome.ok) return rejection(outcome.code, outcome.reason);
    const { events, next } = outcome;
    this.stats.decided++;
    metrics.commandsAccepted.inc({ category: this.def.category, type: command.type });
    cached.state = next;
    const appended = writer.append(streamId, events, version).then((stored) => {
      const c = this.cache.get(streamId);
      // An append under way keeps its stream from eviction (its version is ahead of the stored one).
      if (!c) throw new Error(`${streamId} was evicted with an append under way`);
      if (stored.version > c.stored.version) c.stored = { version: stored.version, state: next };
      this.dirty.add(streamId);
      if (this.dirty.size >= (this.options.snapshotEveryStreams ?? 1_000)) this.flushSoon();
    });
    return this.track(command.id, appended);
  }

  /**
   * A stream's version and the state decisions see, loaded if it is not in memory; for
   * inspection (tests, tools), outside the channel's order.
   */
  async current(streamId: string): Promise<Snapshot> {
    const writer = this.requireWriter();
    let cached = this.cache.get(streamId);
    if (!cached) {
      const snapshot = this.cacheComplete ? undefined : await this.loads.get(streamId);
      cached = this.admit(streamId, snapshot);
    }
    return { version: writer.version(streamId), state: cached.state };
  }

  /** Stops taking commands, lets the appends under way finish, then gives up the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    if (this.flushTimer) clearInterval(this.flushTimer);
    // Commands waiting for the reference are left unacknowledged, for the next holder of the lease.
    this.reference?.release();
    // A last flush while the lease is still ours, so the next holder replays little.
    const { writer } = this;
    if (writer && this.subscription) {
      await Promise.allSettled([...this.writes]);
      await this.flushing;
      if (!this.writeFailed && (this.dirty.size > 0 || this.unflushed.size > 0)) {
        await this.flush(writer).catch((err: unknown) =>
          logger.warn({ err: asError(err).message, category: writer.category }, 'flush failed'),
        );
      }
    }
    // Drain first, so the commands whose entries are stored get acknowledged before we leave.
    await this.writer?.close();
    await this.subscription?.close();
    await this.reference?.close();
    this.subscription = null;
  }
}
