import type { CommandEnvelope } from '../../contracts/envelope';
import type { ComponentDefinition } from '../decider';
import { endsOf } from '../eventlog/entries';
import {
  StaleAggregate,
  type AggregateAt,
  type AggregateWriter,
  type Delivery,
  type EventLog,
  type Subscription,
} from '../eventlog/port';
import { asError } from '../errors';
import { logger } from '../logger';
import { metrics } from '../metrics/registry';
import { decideCommand, inDecisionSpan } from './decision';
import { decodeCommand, follow, takeCommands } from './messages';
import { ReferenceFollower } from './referenceFollower';

export interface SharedComponentOptions {
  /** Commands taken from the channel before earlier ones are acknowledged. */
  maxInFlight?: number;
  ackWaitMs?: number;
  /** Longest wait for the referenced category to be read to its end. */
  referenceWaitMs?: number;
  /** Aggregates kept in memory; beyond, the least recently used idle ones are let go. */
  cacheStreams?: number;
  /** A command whose outcome could not be stored (the log away) is offered again after this. */
  retryAfterMs?: number;
}

/** An aggregate as this instance last read or wrote it. */
interface Aggregate {
  state: unknown;
  version: number;
  at: AggregateAt;
  /** Every command with an outcome on the aggregate: a redelivery or a retry is one of these. */
  handled: Set<string>;
}

/** Decisions of one command made again when others keep writing its aggregate first. */
const MAX_ATTEMPTS = 50;

class Stopping extends Error {}

/**
 * One of any number of instances deciding a category's commands at once, with no lease
 * (EVENT_LOG=jetstream, COMPONENT_WRITERS=shared). The instances share the command channel's
 * durable consumer, so each command goes to one of them. An instance loads an aggregate from
 * its own subject when it first needs it, keeps it in memory, and decides on what it holds; the
 * log stores the outcome only if the aggregate has not moved since (`AggregateWriter`), and
 * otherwise this instance reads what it missed and decides again. So two instances never both
 * record an outcome over the same state, and a command already decided, by whichever instance,
 * is known by its id among the aggregate's outcomes and acknowledged without a second one.
 *
 * Unlike the single writer, nothing is snapshotted nor replayed at start: memory holds the
 * aggregates recently used, each read whole from the log when it is loaded. Commands to one
 * aggregate are decided in channel order within an instance; across instances the log orders
 * them. A failed write (the log away) is not fatal: the command is offered again a moment later.
 */
export class SharedComponentHost {
  private writer: AggregateWriter | null = null;
  /** Least recently used first. */
  private readonly cache = new Map<string, Aggregate>();
  /** The last decision queued per aggregate: the next one waits for it. */
  private readonly queues = new Map<string, Promise<void>>();
  private readonly reference: ReferenceFollower | null;
  private subscription: Subscription | null = null;
  private stopping = false;
  readonly stats = {
    decided: 0,
    rejected: 0,
    duplicates: 0,
    parked: 0,
    /** Decisions made again because another instance wrote the aggregate first. */
    stale: 0,
    /** Aggregates read from the log, and aggregates first met and taken as new without a read. */
    loaded: 0,
    assumedNew: 0,
    evicted: 0,
    retried: 0,
  };

  constructor(
    private readonly log: EventLog,
    private readonly def: ComponentDefinition,
    private readonly options: SharedComponentOptions = {},
  ) {
    this.reference = def.reference
      ? new ReferenceFollower(log, def.reference, options.referenceWaitMs ?? 30_000)
      : null;
  }

  get readiness(): boolean | { ok: boolean; detail: string } {
    return this.subscription !== null || { ok: false, detail: 'starting' };
  }

  /** What memory holds now. */
  get held(): { streams: number } {
    return { streams: this.cache.size };
  }

  async start(): Promise<void> {
    const { category } = this.def;
    if (!this.log.openAggregateWriter) {
      throw new Error(
        'COMPONENT_WRITERS=shared needs a log that checks each append itself (EVENT_LOG=jetstream)',
      );
    }
    this.writer = await this.log.openAggregateWriter(category);
    await this.reference?.start();
    this.subscription = await takeCommands(this.log, category, this.options, (d) =>
      this.receive(d),
    );
    if (this.stopping) await this.closeSubscription();
    logger.info({ category }, 'component taking commands beside any other instances');
  }

  private receive(delivery: Delivery): void {
    if (this.stopping) return; // offered again to another instance once this one has closed
    const { category } = this.def;
    const decoded = decodeCommand(category, delivery.body);
    if (decoded.ok === 'fence') return delivery.ack();
    if (!decoded.ok) {
      this.stats.parked++;
      logger.warn(
        { category, position: delivery.position, reason: decoded.error },
        'parked command',
      );
      this.log.park(category, 'command', delivery, decoded.error).catch((err: unknown) => {
        logger.warn({ category, err: asError(err).message }, 'could not park a command yet');
        this.again(delivery);
      });
      return;
    }
    const command = decoded.value;
    const { streamId } = command;
    const before = this.queues.get(streamId) ?? Promise.resolve();
    const settled = before
      .then(() => this.handle(command))
      .then(
        () => delivery.ack(),
        (err: unknown) => {
          if (err instanceof Stopping) return;
          logger.warn(
            { category, commandId: command.id, err: asError(err).message },
            'command not decided; offered again shortly',
          );
          // What it held may be behind what the log now holds: read it whole next time.
          this.cache.delete(streamId);
          this.again(delivery);
        },
      );
    this.queues.set(streamId, settled);
    void settled.then(() => {
      if (this.queues.get(streamId) === settled) this.queues.delete(streamId);
    });
  }

  private again(delivery: Delivery): void {
    this.stats.retried++;
    delivery.retry?.(this.options.retryAfterMs ?? 1_000);
  }

  private handle(command: CommandEnvelope): Promise<void> {
    return inDecisionSpan(this.def.category, command, () => this.decide(command));
  }

  private requireWriter(): AggregateWriter {
    if (!this.writer) throw new Error('a command was handled before the writer was open');
    return this.writer;
  }

  private async decide(command: CommandEnvelope): Promise<void> {
    const writer = this.requireWriter();
    const { category } = this.def;
    const { streamId } = command;
    const latest = this.reference?.needsLatest({ type: command.type, data: command.data })
      ? this.reference
      : null;
    for (let attempt = 1; ; attempt++) {
      if (this.stopping) throw new Stopping();
      const agg = await this.aggregate(streamId, attempt > 1);
      if (agg.handled.has(command.id)) {
        this.stats.duplicates++;
        return;
      }
      await latest?.readToEnd();
      // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- stop() may have run meanwhile
      if (this.stopping) throw new Stopping();
      const outcome = decideCommand(
        this.def,
        command,
        agg.state,
        agg.version,
        this.reference?.known,
      );
      try {
        if (!outcome.ok) {
          const { tip } = await writer.reject(
            {
              commandId: command.id,
              commandType: command.type,
              code: outcome.code,
              reason: outcome.reason,
              streamId,
              metadata: follow(command),
            },
            agg.at.tip,
          );
          agg.at = { readTo: Math.max(agg.at.readTo, tip), tip };
          agg.handled.add(command.id);
          this.stats.rejected++;
          metrics.commandsRefused.inc({ category, type: command.type, code: outcome.code });
          return;
        }
        const stored = await writer.append(streamId, outcome.events, {
          version: agg.version,
          tip: agg.at.tip,
        });
        agg.state = outcome.next;
        agg.version += stored.events.length;
        agg.at = { readTo: Math.max(agg.at.readTo, stored.tip), tip: stored.tip };
        agg.handled.add(command.id);
        this.stats.decided++;
        metrics.commandsAccepted.inc({ category, type: command.type });
        return;
      } catch (err) {
        if (!(err instanceof StaleAggregate) || attempt >= MAX_ATTEMPTS) throw err;
        this.stats.stale++;
      }
    }
  }

  /** The aggregate as memory holds it; read from the log when `refresh` (a refusal said it moved). */
  private async aggregate(streamId: string, refresh: boolean): Promise<Aggregate> {
    let agg = this.cache.get(streamId);
    if (agg && !refresh) {
      this.cache.delete(streamId);
      this.cache.set(streamId, agg);
      return agg;
    }
    if (!agg) {
      agg = {
        state: this.def.decider.initialState(),
        version: 0,
        at: { readTo: 0, tip: 0 },
        handled: new Set(),
      };
      if (!refresh) {
        // Taken as new, unread: its outcome expects an empty subject, which the log refuses if
        // the aggregate has any, and it is read then. A creation, the usual first meeting, costs
        // no read at all; any other costs a refused publish instead of a read.
        this.stats.assumedNew++;
        this.remember(streamId, agg);
        return agg;
      }
      this.stats.loaded++;
    }
    // Read again after a refusal: from the stream's leader, which holds what was refused over.
    const read = await this.requireWriter().load(streamId, agg.at, refresh);
    for (const entry of read.entries) {
      if (entry.kind === 'rejection') {
        agg.handled.add(entry.rejection.commandId);
        continue;
      }
      if (entry.kind !== 'events') continue;
      const { first } = endsOf(entry.events);
      if (first.metadata.causationId) agg.handled.add(first.metadata.causationId);
      for (const event of entry.events) {
        if (event.version <= agg.version) continue;
        if (event.version !== agg.version + 1) {
          throw new Error(
            `${streamId}: version ${String(event.version)} follows ${String(agg.version)} in the log`,
          );
        }
        agg.state = this.def.decider.evolve(agg.state, event);
        agg.version = event.version;
      }
    }
    agg.at = { readTo: read.readTo, tip: read.tip };
    this.remember(streamId, agg);
    return agg;
  }

  private remember(streamId: string, agg: Aggregate): void {
    this.cache.delete(streamId);
    this.cache.set(streamId, agg);
    this.evict();
  }

  /** Lets go of the least recently used aggregates no decision waits for. */
  private evict(): void {
    const capacity = this.options.cacheStreams ?? 10_000;
    for (const streamId of this.cache.keys()) {
      if (this.cache.size <= capacity) break;
      if (this.queues.has(streamId)) continue;
      this.cache.delete(streamId);
      this.stats.evicted++;
    }
  }

  private async closeSubscription(): Promise<void> {
    const subscription = this.subscription;
    this.subscription = null;
    await subscription?.close();
  }

  /**
   * Lets the decisions under way store their outcomes and be acknowledged; what was received and
   * not decided goes back to the log for another instance.
   */
  async stop(): Promise<void> {
    this.stopping = true;
    this.reference?.release();
    await Promise.allSettled([...this.queues.values()]);
    await this.closeSubscription();
    await this.reference?.close();
  }
}
