import type { EventEnvelope } from '../../contracts/envelope';
import { decodeEntry } from '../eventlog/entries';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import { asError } from '../errors';
import { logger } from '../logger';
import { inSpan } from '../tracing';
import { parkedEntries } from '../postgres/parkedEntries';
import type { Pool } from 'pg';

/**
 * A side effect that will fail the same way however often it is tried (the mail server refused
 * the address for good): the entry is parked for a person, and the ones behind it go on.
 */
export class PermanentFailure extends Error {}

/**
 * Programming errors and final refusals (a `PermanentFailure`, or an adapter's error marked
 * `permanent`, like a mail server's 5xx) fail the same way on every attempt; anything else may
 * pass later.
 */
const permanent = (err: unknown): boolean =>
  err instanceof PermanentFailure ||
  err instanceof TypeError ||
  err instanceof RangeError ||
  err instanceof SyntaxError ||
  (err as { permanent?: unknown } | null)?.permanent === true;

/** A side effect that follows a category's events (an email, a call to another system). */
export interface Reaction {
  name: string;
  category: string;
  /** Idempotent: it may see an event again after a crash. Rejects to be retried. */
  handle(event: EventEnvelope): Promise<void>;
}

export interface ReactorOptions {
  /** First and largest pause between attempts of a failing side effect. */
  retryMs?: [number, number];
  ackWaitMs?: number;
  /** How often, with entries parked, it looks for an operator's retry. */
  repairPollMs?: number;
}

/**
 * Runs a reaction over a category's events, one entry at a time, in order. A failing side effect
 * is retried with growing pauses until it succeeds; the entry is acknowledged only then, so a
 * mail server that is down delays invitations but loses none.
 */
export class ReactorHost {
  private subscription: Subscription | null = null;
  private stopping = false;
  private current: Promise<void> = Promise.resolve();
  private inProgress: number | null = null;
  readonly stats = { handled: 0, failures: 0, retries: 0, parked: 0, repaired: 0 };
  private open = 0;
  private repairTimer: NodeJS.Timeout | null = null;

  constructor(
    private readonly log: EventLog,
    private readonly db: Pool,
    private readonly reaction: Reaction,
    private readonly options: ReactorOptions = {},
  ) {}

  /** Entries parked and not yet repaired, for /readyz. */
  get parkedOpen(): number {
    return this.open;
  }

  get isActive(): boolean {
    return this.subscription !== null;
  }

  async start(): Promise<void> {
    this.open = await parkedEntries.openCount(this.db, this.reaction.name);
    this.repairTimer = setInterval(() => {
      if (this.open > 0 && !this.stopping)
        this.current = this.current
          .then(() => this.repair())
          .catch((err: unknown) => logger.error({ err: asError(err).message }, 'repair failed'));
    }, this.options.repairPollMs ?? 1000);
    this.repairTimer.unref();
    const subscription = await this.log.subscribe(
      this.reaction.category,
      'event',
      {
        durableName: this.reaction.name,
        maxInFlight: 1,
        ackWaitMs: this.options.ackWaitMs ?? 60_000,
      },
      (d) => this.receive(d),
    );
    if (this.stopping) return subscription.close();
    this.subscription = subscription;
  }

  private receive(delivery: Delivery): void {
    // Offered again while we are still retrying it: the attempt under way will acknowledge it.
    if (this.stopping || delivery.position === this.inProgress) return;
    this.inProgress = delivery.position;
    this.current = this.process(delivery).finally(() => (this.inProgress = null));
  }

  private async process(delivery: Delivery): Promise<void> {
    const decoded = decodeEntry(this.reaction.category, delivery.position, delivery.body);
    if (!decoded.ok) return this.park(delivery, null, decoded.error);
    if (decoded.value.kind === 'events') {
      for (const event of decoded.value.events) {
        // The commands the reaction sends carry this span: the trace goes on through them.
        const done = await inSpan(
          `react ${this.reaction.name}`,
          event.metadata.traceparent,
          () => this.attempt(event),
          { kind: 'consumer', attributes: { 'devpie.event.type': event.type } },
        );
        if (done === 'stopping') return; // left for the next instance
        if (done !== 'handled') return this.park(delivery, event.streamId, done.reason);
      }
    }
    delivery.ack();
  }

  /** On the parked channel and in the parked table, then acknowledged: the entries behind go on. */
  private async park(delivery: Delivery, streamId: string | null, reason: string): Promise<void> {
    this.stats.parked++;
    this.open++;
    logger.error(
      { reaction: this.reaction.name, position: delivery.position, reason },
      'parked an entry it cannot react to; the rest of the log goes on',
    );
    await this.log.park(
      this.reaction.category,
      'event',
      { ...delivery, ack: () => undefined },
      reason,
    );
    await parkedEntries.record(this.db, {
      consumer: this.reaction.name,
      category: this.reaction.category,
      kind: 'event',
      position: delivery.position,
      streamId,
      reason,
      body: delivery.body,
    });
    delivery.ack();
  }

  /** Reacts again to what an operator asked to retry (`parked retry`); failures stay parked. */
  private async repair(): Promise<void> {
    for (const row of await parkedEntries.retryRequested(this.db, this.reaction.name)) {
      const decoded = decodeEntry(this.reaction.category, row.position, row.body);
      let problem: string | null = decoded.ok ? null : decoded.error;
      if (decoded.ok && decoded.value.kind === 'events') {
        for (const event of decoded.value.events) {
          const done = await this.attempt(event, 1);
          if (done !== 'handled') {
            problem = done === 'stopping' ? 'stopped' : done.reason;
            break;
          }
        }
      }
      if (problem)
        await parkedEntries.failedAgain(this.db, this.reaction.name, row.position, problem);
      else {
        await parkedEntries.resolve(this.db, this.reaction.name, row.position);
        this.stats.repaired++;
      }
    }
    this.open = await parkedEntries.openCount(this.db, this.reaction.name);
  }

  /** Tries until it succeeds, the failure shows it never will, or (`attempts`) it has tried enough. */
  private async attempt(
    event: EventEnvelope,
    attempts = Infinity,
  ): Promise<'handled' | 'stopping' | { reason: string }> {
    const [first, max] = this.options.retryMs ?? [500, 30_000];
    for (let pause = first, n = 1; !this.stopping; pause = Math.min(max, pause * 2), n++) {
      try {
        await this.reaction.handle(event);
        this.stats.handled++;
        return 'handled';
      } catch (err) {
        this.stats.failures++;
        if (permanent(err) || n >= attempts)
          return { reason: `${this.reaction.name} failed: ${(err as Error).message}` };
        this.stats.retries++;
        logger.warn(
          {
            reaction: this.reaction.name,
            event: event.id,
            err: (err as Error).message,
            retryInMs: pause,
          },
          'reaction failed; will retry',
        );
        await new Promise((r) => setTimeout(r, pause));
      }
    }
    return 'stopping';
  }

  async stop(): Promise<void> {
    this.stopping = true;
    if (this.repairTimer) clearInterval(this.repairTimer);
    await this.current;
    await this.subscription?.close();
    this.subscription = null;
  }
}
