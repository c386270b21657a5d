import { streamEntityId, type CommandEnvelope } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import type { RejectionCode } from '../../contracts/outcomes';
import { checkEvent, decodeEntry, endsOf } from '../eventlog/entries';
import type { ComponentDefinition, Reference } from '../decider';

export type { ComponentDefinition };
import type {
  CatchUp,
  CategoryWriter,
  Delivery,
  EventLog,
  NewEvent,
  Subscription,
} from '../eventlog/port';
import { nameId } from '../ids';
import { asError } from '../errors';
import { logger } from '../logger';
import { decodeCommand, follow } from './messages';
import { metrics } from '../metrics/registry';
import { inSpan } from '../tracing';

export interface ComponentOptions {
  /** Commands taken from the channel before earlier ones are acknowledged. */
  maxInFlight?: number;
  ackWaitMs?: number;
  /** Longest wait for the referenced category to be read to its end before the host gives up (and restarts). */
  referenceWaitMs?: number;
  /** The host cannot go on (writer lost): the process must stop and be restarted. */
  onFatal(err: Error): void;
}

/**
 * Runs one category's decider as that category's only writer: replays its events into memory,
 * then takes commands in channel order. Decisions are made one at a time, in memory; their
 * appends are pipelined and each command is acknowledged once its outcome is in the log, so a
 * crash redelivers exactly the commands whose outcome may be missing, and the ids of the events
 * they cause are derived from the command so a second decision cannot record a second copy.
 */
export class ComponentHost {
  private readonly states = new Map<string, unknown>();
  private readonly handled = new Set<string>();
  private readonly underway = new Map<string, Promise<unknown>>();
  private writer: CategoryWriter | null = null;
  private subscription: Subscription | null = null;
  /** The referenced category's knowledge by aggregate id, and how far its log has been read. */
  private readonly known = new Map<string, unknown>();
  private referenceRead = 0;
  private referenceSubscription: Subscription | null = null;
  private readonly referenceWaiters: Array<{ position: number; resolve(): void }> = [];
  /** Decisions waiting their turn behind one that waits for the reference: channel order holds. */
  private turn: Promise<void> | null = null;
  private waitingTurns = 0;
  private stopping = false;
  /** Set once the lease is held, while the category's events are replayed. */
  private catchingUp: CatchUp | null = null;
  private readonly abort = new AbortController();
  readonly stats = { decided: 0, rejected: 0, duplicates: 0, parked: 0, replayed: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly def: ComponentDefinition,
    private readonly options: ComponentOptions,
  ) {}

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
    this.writer = await this.log.openWriter(
      category,
      (entry) => this.replay(entry),
      this.abort.signal,
      (caughtUp) => (this.catchingUp = caughtUp),
    );
    this.writer.onFailure((err) => this.options.onFatal(err));
    logger.info(
      { category, streams: this.states.size, entries: this.stats.replayed },
      'component caught up',
    );
    if (this.stopping) return this.writer.close();
    const { reference } = this.def;
    if (reference) {
      // Followed from its start, not durably: the knowledge lives in memory like the states.
      this.referenceSubscription = await this.log.subscribe(
        reference.category,
        'event',
        { maxInFlight: 1024 },
        (d) => this.learn(reference, d),
      );
    }
    this.subscription = await this.log.subscribe(
      category,
      'command',
      {
        durableName: `${category}-component`,
        maxInFlight: this.options.maxInFlight ?? 256,
        ackWaitMs: this.options.ackWaitMs ?? 30_000,
      },
      (d) => this.receive(d),
    );
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run during the awaits
    if (this.stopping) {
      await this.subscription.close();
      this.subscription = null;
    }
  }

  private replay(entry: LogEntry): void {
    this.stats.replayed++;
    if (entry.kind === 'rejection') {
      this.handled.add(entry.rejection.commandId);
      return;
    }
    if (entry.kind !== 'events') return;
    const { first } = endsOf(entry.events);
    if (first.metadata.causationId) this.handled.add(first.metadata.causationId);
    let state = this.states.get(first.streamId) ?? this.def.decider.initialState();
    for (const event of entry.events) state = this.def.decider.evolve(state, event);
    this.states.set(first.streamId, state);
  }

  /** One entry of the referenced category: its events folded into what the decisions know. */
  private learn(reference: Reference<unknown>, delivery: Delivery): void {
    delivery.ack();
    if (delivery.position <= this.referenceRead) return; // a redelivery
    this.referenceRead = delivery.position;
    const decoded = decodeEntry(reference.category, delivery.position, delivery.body);
    // Unreadable entries are the category's projectors' to park; nobody decided anything from them.
    if (decoded.ok && decoded.value.kind === 'events') {
      for (const event of decoded.value.events) {
        const id = streamEntityId(event.streamId);
        this.known.set(id, reference.evolve(this.known.get(id) ?? reference.initialState(), event));
      }
    }
    for (;;) {
      const waiter = this.referenceWaiters[0];
      if (!waiter || waiter.position > this.referenceRead) break;
      this.referenceWaiters.shift();
      waiter.resolve();
    }
  }

  /**
   * Reads the referenced category to its end as it is now: whatever its writer stored before this
   * command is decided counts (a member demoted a moment ago is no longer an administrator).
   */
  private async readReferenceToEnd(reference: Reference<unknown>): Promise<void> {
    const end = await this.log.head(reference.category, 'event');
    if (this.referenceRead >= end) return;
    const waitMs = this.options.referenceWaitMs ?? 30_000;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(
            new Error(`the ${reference.category} log was not read to its end within ${waitMs} ms`),
          ),
        waitMs,
      );
      this.referenceWaiters.push({
        position: end,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      this.referenceWaiters.sort((a, b) => a.position - b.position);
    });
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
    if (this.handled.has(command.id)) {
      this.stats.duplicates++;
      return delivery.ack();
    }
    this.handled.add(command.id);
    const outcome = this.inTurn(command);
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
  private inTurn(command: CommandEnvelope): Promise<unknown> {
    const { reference } = this.def;
    // The reference to read to its end first, when the command needs it.
    const latest = reference?.needsLatest({ type: command.type, data: command.data })
      ? reference
      : null;
    if (!latest && this.turn === null) return this.handle(command);
    this.waitingTurns++;
    const decided = (this.turn ?? Promise.resolve())
      .then(() => (latest ? this.readReferenceToEnd(latest) : undefined))
      // Boxed, so the next turn waits for this decision only, not for its append.
      .then(() => ({
        stored: this.stopping ? new Promise<never>(() => undefined) : this.handle(command),
      }));
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

  /**
   * The decision's span is the sender's child, and the parent of what the decision records (its
   * events or its refusal carry it); it ends once they are stored.
   */
  private handle(command: CommandEnvelope): Promise<unknown> {
    return inSpan(
      `decide ${command.type}`,
      command.metadata.traceparent,
      () => this.decide(command),
      {
        kind: 'consumer',
        attributes: {
          'devpie.command.id': command.id,
          'devpie.stream.id': command.streamId,
          'devpie.category': this.def.category,
        },
      },
    );
  }

  private decide(command: CommandEnvelope): Promise<unknown> {
    const { writer } = this;
    if (!writer) throw new Error('a command was handled before the writer was open');
    const { decider } = this.def;
    const version = writer.version(command.streamId);
    const state = this.states.get(command.streamId) ?? decider.initialState();
    const rejection = (code: RejectionCode, reason: string) => {
      this.stats.rejected++;
      metrics.commandsRefused.inc({ category: this.def.category, type: command.type, code });
      return writer.reject({
        commandId: command.id,
        commandType: command.type,
        code,
        reason,
        streamId: command.streamId,
        metadata: follow(command),
      });
    };
    if (command.expectedVersion !== null && command.expectedVersion !== version) {
      return rejection(
        'conflict',
        `expected version ${command.expectedVersion}, but it is at ${version}`,
      );
    }
    let events: NewEvent[];
    let next: unknown;
    try {
      const decision = decider.decide(
        { type: command.type, data: command.data },
        state,
        {
          streamId: command.streamId,
          userId: command.metadata.userId,
          now: command.metadata.timestamp,
        },
        this.def.reference ? this.known : undefined,
      );
      if (!decision.ok) return rejection(decision.code, decision.reason);
      // Every accepted command leaves an entry: that is how its sender learns the outcome.
      if (decision.events.length === 0) return rejection('invalid', 'nothing to change');
      const metadata = follow(command);
      events = decision.events.map((e, i) => ({
        id: nameId(command.id, 'event', String(i)),
        type: e.type,
        data: e.data,
        metadata,
      }));
      for (const e of events) {
        const problem = checkEvent(this.def.category, {
          ...e,
          streamId: command.streamId,
          version: version + 1,
        });
        if (problem) throw new Error(`decided an event that breaks its contract: ${problem}`);
      }
      next = decision.events.reduce((s, e) => decider.evolve(s, e), state);
    } catch (err) {
      // A bug in the rules must not loop the command forever nor take the component down:
      // the command is refused, the state untouched, and the error logged for a developer.
      logger.error({ err, commandId: command.id, type: command.type }, 'decider failed');
      return rejection('invalid', 'the command could not be decided');
    }
    this.stats.decided++;
    metrics.commandsAccepted.inc({ category: this.def.category, type: command.type });
    this.states.set(command.streamId, next);
    return writer.append(command.streamId, events, version);
  }

  /** Stops taking commands, lets the appends under way finish, then gives up the lease. */
  async stop(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    // Commands waiting for the reference are left unacknowledged, for the next holder of the lease.
    for (const w of this.referenceWaiters.splice(0)) w.resolve();
    // Drain first, so the commands whose entries are stored get acknowledged before we leave.
    await this.writer?.close();
    await this.subscription?.close();
    await this.referenceSubscription?.close();
    this.subscription = null;
  }
}
