import { streamEntityId } from '../../contracts/envelope';
import type { Reference } from '../decider';
import { decodeEntry } from '../eventlog/entries';
import type { Delivery, EventLog, Subscription } from '../eventlog/port';

/**
 * What a component knows of another category (a team's members and roles, for the projects'
 * rules), folded in memory from that category's events as they come. Followed from the start,
 * not durably: the knowledge lives in memory like the decisions' states.
 */
export class ReferenceFollower {
  /** The referenced category's knowledge by aggregate id. */
  readonly known = new Map<string, unknown>();
  /** How far its log has been read. */
  private readTo = 0;
  private subscription: Subscription | null = null;
  private readonly waiters: Array<{ position: number; resolve(): void }> = [];

  constructor(
    private readonly log: EventLog,
    private readonly reference: Reference<unknown>,
    /** Longest wait for the category to be read to its end before a decision gives up. */
    private readonly waitMs: number,
  ) {}

  async start(): Promise<void> {
    this.subscription = await this.log.subscribe(
      this.reference.category,
      'event',
      { maxInFlight: 1024 },
      (d) => this.learn(d),
    );
  }

  /** Whether a command must wait for the category to be read to its end before it is decided. */
  needsLatest(command: { type: string; data: unknown }): boolean {
    return this.reference.needsLatest(command);
  }

  private learn(delivery: Delivery): void {
    delivery.ack();
    if (delivery.position <= this.readTo) return; // a redelivery
    this.readTo = delivery.position;
    const reference = this.reference;
    const decoded = decodeEntry(reference.category, delivery.position, delivery.body);
    // Unreadable entries are the category's projectors' to park; nobody decided anything from them.
    if (decoded.ok && decoded.value.kind === 'events') {
      for (const event of decoded.value.events) {
        const id = streamEntityId(event.streamId);
        this.known.set(id, reference.evolve(this.known.get(id) ?? reference.initialState(), event));
      }
    }
    for (;;) {
      const waiter = this.waiters[0];
      if (!waiter || waiter.position > this.readTo) break;
      this.waiters.shift();
      waiter.resolve();
    }
  }

  /**
   * Reads the category to its end as it is now: whatever its writer stored before this command
   * is decided counts (a member demoted a moment ago is no longer an administrator).
   */
  async readToEnd(): Promise<void> {
    const { category } = this.reference;
    const end = await this.log.head(category, 'event');
    if (this.readTo >= end) return;
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(
        () =>
          reject(new Error(`the ${category} log was not read to its end within ${this.waitMs} ms`)),
        this.waitMs,
      );
      this.waiters.push({
        position: end,
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
      });
      this.waiters.sort((a, b) => a.position - b.position);
    });
  }

  /** Lets every waiting decision go on (a host stopping leaves their commands unacknowledged). */
  release(): void {
    for (const w of this.waiters.splice(0)) w.resolve();
  }

  async close(): Promise<void> {
    this.release();
    await this.subscription?.close();
    this.subscription = null;
  }
}
