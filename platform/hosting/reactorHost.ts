import type { EventEnvelope } from '../../contracts/envelope';
import { decodeEntry } from '../eventlog/entries';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';
import { logger } from '../logger';

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
  readonly stats = { handled: 0, failures: 0, parked: 0 };

  constructor(
    private readonly log: EventLog,
    private readonly reaction: Reaction,
    private readonly options: ReactorOptions = {},
  ) {}

  get isActive(): boolean {
    return this.subscription !== null;
  }

  async start(): Promise<void> {
    const subscription = await this.log.subscribe(
      this.reaction.category,
      'event',
      { durableName: this.reaction.name, maxInFlight: 1, ackWaitMs: this.options.ackWaitMs ?? 60_000 },
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
    if (!decoded.ok) {
      // The projectors park it; a reaction has nothing to do with what it cannot read.
      this.stats.parked++;
      return delivery.ack();
    }
    if (decoded.value.kind === 'events') {
      for (const event of decoded.value.events) {
        if (!(await this.attempt(event))) return; // stopping: left for the next instance
      }
    }
    delivery.ack();
  }

  private async attempt(event: EventEnvelope): Promise<boolean> {
    const [first, max] = this.options.retryMs ?? [500, 30_000];
    for (let pause = first; !this.stopping; pause = Math.min(max, pause * 2)) {
      try {
        await this.reaction.handle(event);
        this.stats.handled++;
        return true;
      } catch (err) {
        this.stats.failures++;
        logger.warn({ reaction: this.reaction.name, event: event.id, err: (err as Error).message, retryInMs: pause }, 'reaction failed; will retry');
        await new Promise((r) => setTimeout(r, pause));
      }
    }
    return false;
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.current;
    await this.subscription?.close();
    this.subscription = null;
  }
}

/** Records of side effects done, so a redelivered event does not repeat one. */
export interface EffectLedger {
  done(reaction: string, effectId: string): Promise<boolean>;
  record(reaction: string, effectId: string): Promise<void>;
}

export const postgresLedger = (db: { query(sql: string, values: unknown[]): Promise<{ rowCount: number | null }> }): EffectLedger => ({
  async done(reaction, effectId) {
    const r = await db.query('SELECT 1 FROM platform.reaction_effects WHERE reaction = $1 AND effect_id = $2', [reaction, effectId]);
    return (r.rowCount ?? 0) > 0;
  },
  async record(reaction, effectId) {
    await db.query('INSERT INTO platform.reaction_effects (reaction, effect_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [reaction, effectId]);
  },
});
