import type * as stan from 'node-nats-streaming';
import type { CommandEnvelope, EventEnvelope } from '../../contracts/envelope';
import { streamCategory } from '../../contracts/envelope';
import type { LogEntry, Rejection } from '../../contracts/log';
import { newId } from '../ids';
import type { Lease, LeaseProvider } from '../lease';
import { logger } from '../logger';
import { asError } from '../errors';
import { appendEnvelopes, decodeEntry, endsOf } from './entries';
import {
  channelName,
  LogUnavailable,
  WriterLost,
  type CategoryWriter,
  type CatchUp,
  type ChannelKind,
  type Delivery,
  type EventLog,
  type ExpectedVersion,
  type NewEvent,
  type SubscribeOptions,
  type Subscription,
} from './port';
import { connectStan, type StanSettings } from './stanConnection';

const READ_WINDOW = 4096;
/** Entries handled in one turn of the event loop while reading a channel to its end. */
const READ_SLICE = 512;
/** node-nats-streaming's error when no acknowledgement came within `ackTimeout`. */
const ACK_TIMEOUT = 'stan: publish ack timeout';
/**
 * A message sent again when this long passes without its acknowledgement (one takes milliseconds):
 * a clustered log electing a leader drops what is published meanwhile and never answers it, so
 * waiting out the client's whole ack timeout (10 s) for it only delays the copy that will land.
 */
const RESEND_AFTER_MS = 1_000;
/** The whole wait for a message sent again, as long as the client's ack timeout. */
const RESEND_FOR_MS = 10_000;

/** No acknowledgement within the wait a resent message's attempt is given. */
class Unanswered extends Error {}

/**
 * The event log on NATS Streaming. STAN cannot check an expected version on publish, so a
 * category is written only through a writer that holds the category's lease (rule 1 of the
 * design): it learns every stream's version by replaying the channel up to a fence it wrote
 * itself, and from then on it is the only one who moves those versions.
 */
export class StanEventLog implements EventLog {
  private connected = true;
  /** The socket under the session: down the moment the server goes, long before the session is. */
  private reachable = true;
  private readonly lostListeners: Array<(err: Error) => void> = [];
  private readonly interruptedListeners: Array<() => void> = [];
  /** Publishes waiting for their acknowledgement, failed at once when the socket drops. */
  private readonly waiting = new Set<() => void>();

  private constructor(
    private readonly sc: stan.Stan,
    private readonly prefix: string,
    private readonly leases: LeaseProvider,
    private readonly clientId: string,
  ) {
    // STAN passes an Error, or the server's error text (a ping's or connect's answer) as a string.
    sc.on('connection_lost', (err: Error | string | undefined) => {
      this.connected = false;
      const lost = err === undefined ? new Error('connection lost') : asError(err);
      logger.error({ err: lost.message, clientId }, 'NATS Streaming connection lost');
      for (const listener of this.lostListeners) listener(lost);
    });
    sc.on('close', () => (this.connected = false));
    // The session may survive a short outage (the server keeps it in its store); what was
    // published meanwhile may or may not have been stored.
    sc.on('disconnect', () => {
      if (!this.reachable) return;
      this.reachable = false;
      logger.warn({ clientId }, 'NATS Streaming unreachable; reconnecting');
      for (const listener of this.interruptedListeners) listener();
      for (const interrupted of [...this.waiting]) interrupted();
      this.waiting.clear();
    });
    sc.on('reconnect', () => {
      this.reachable = true;
      logger.info({ clientId }, 'NATS Streaming reachable again');
    });
    sc.on('error', (err: Error | string | undefined) =>
      logger.error(
        { err: typeof err === 'string' ? err : err?.message, clientId },
        'NATS Streaming error',
      ),
    );
  }

  static async connect(
    settings: StanSettings & { prefix: string; leases: LeaseProvider },
  ): Promise<StanEventLog> {
    const sc = await connectStan(settings);
    return new StanEventLog(sc, settings.prefix, settings.leases, settings.clientId);
  }

  /** The STAN session cannot be resumed once lost; owners restart instead of limping on. */
  onConnectionLost(listener: (err: Error) => void): void {
    this.lostListeners.push(listener);
  }

  /** The socket dropped: whatever was published and not yet acknowledged is in doubt. */
  onInterrupted(listener: () => void): void {
    this.interruptedListeners.push(listener);
  }

  isConnected(): boolean {
    return this.connected && this.reachable;
  }

  private channel(category: string, kind: ChannelKind | 'parked'): string {
    return channelName(this.prefix, category, kind);
  }

  /**
   * Resolves once the server has stored the message. While the server is unreachable it fails at
   * once, and a publish waiting for its acknowledgement when the socket drops fails then: the
   * message may still be stored (the client sends what it buffered when it reconnects), which
   * every sender allows for by sending again under the same id. An acknowledgement that never
   * comes is the same doubt: a clustered log electing a new leader answers nobody meanwhile.
   */
  publish(channel: string, body: string, answerWithinMs?: number): Promise<void> {
    if (!this.isConnected()) return Promise.reject(new LogUnavailable());
    return new Promise((resolve, reject) => {
      const interrupted = () => reject(new LogUnavailable());
      this.waiting.add(interrupted);
      let timer: NodeJS.Timeout | undefined;
      const settle = (err?: Error) => {
        clearTimeout(timer);
        this.waiting.delete(interrupted);
        if (err) reject(err.message === ACK_TIMEOUT ? new LogUnavailable() : err);
        else resolve();
      };
      if (answerWithinMs !== undefined)
        timer = setTimeout(() => settle(new Unanswered()), answerWithinMs);
      try {
        this.sc.publish(channel, body, (err) => settle(err));
      } catch (err) {
        settle(asError(err));
      }
    });
  }

  /**
   * Publishes bodies in order and tells `settled` of each one's acknowledgement, once per body,
   * with the same doubts as `publish`; what is ready together costs one registration instead of
   * a promise apiece. STAN has no batch publish: each body stays its own message (an entry is one
   * command's outcome to everyone who reads it), and the client writes them out in one go anyway.
   */
  publishAll(
    channel: string,
    bodies: readonly string[],
    settled: (i: number, err: Error | null) => void,
  ): void {
    if (!this.isConnected()) {
      for (let i = 0; i < bodies.length; i++) settled(i, new LogUnavailable());
      return;
    }
    const done = new Uint8Array(bodies.length);
    let open = bodies.length;
    const settle = (i: number, err: Error | null) => {
      if (done[i]) return;
      done[i] = 1;
      if (--open === 0) this.waiting.delete(interrupted);
      settled(i, err && err.message === ACK_TIMEOUT ? new LogUnavailable() : err);
    };
    const interrupted = () => {
      for (let i = 0; i < bodies.length; i++) settle(i, new LogUnavailable());
    };
    this.waiting.add(interrupted);
    bodies.forEach((body, i) => {
      try {
        // STAN answers with an Error of its own, or the server's error text.
        this.sc.publish(channel, body, (err) => settle(i, err ? asError(err) : null));
      } catch (err) {
        settle(i, asError(err));
      }
    });
  }

  /**
   * For a message that may land more than once: a command (its id makes a copy harmless: the
   * component decides it once, the dispatcher starts or updates a process once) or a fence
   * (everyone skips fences, and any copy is sent after what it must follow). Sent again while
   * unanswered, within the same 10 s as one publish; then the log is unavailable, as before.
   * Not for entries: a writer's append in doubt fails the writer instead.
   */
  private async publishIdempotent(channel: string, body: string): Promise<void> {
    const giveUp = Date.now() + RESEND_FOR_MS;
    for (;;) {
      const left = giveUp - Date.now();
      try {
        await this.publish(channel, body, Math.min(RESEND_AFTER_MS, Math.max(left, 1)));
        return;
      } catch (err) {
        if (!(err instanceof Unanswered)) throw err;
        if (giveUp - Date.now() <= 0) throw new LogUnavailable();
      }
    }
  }

  sendCommand(command: CommandEnvelope, kind: 'command' | 'process' = 'command'): Promise<void> {
    return this.publishIdempotent(
      this.channel(streamCategory(command.streamId), kind),
      JSON.stringify(command),
    );
  }

  async subscribe(
    category: string,
    kind: ChannelKind,
    options: SubscribeOptions,
    handler: (d: Delivery) => void,
  ): Promise<Subscription> {
    const opts = this.sc
      .subscriptionOptions()
      .setManualAckMode(true)
      .setMaxInFlight(options.maxInFlight ?? 1)
      .setAckWait(options.ackWaitMs ?? 30_000);
    if (options.durableName) opts.setDurableName(options.durableName);
    if (options.from && options.from > 1) opts.setStartAtSequence(options.from);
    else opts.setDeliverAllAvailable();
    // A durable is a durable queue group: STAN would otherwise key it by client id too, and a
    // restarted process (new client id) would start over. The lease keeps the group to one member;
    // what a killed member held is redelivered to the next one after the ack wait.
    return this.open(this.channel(category, kind), opts, options.durableName, (m) =>
      handler({
        position: m.getSequence(),
        body: m.getData().toString(),
        redelivered: m.isRedelivered(),
        ack: () => m.ack(),
      }),
    );
  }

  private open(
    channel: string,
    opts: stan.SubscriptionOptions,
    queueGroup: string | undefined,
    onMessage: (m: stan.Message) => void,
  ): Promise<Subscription> {
    return new Promise((resolve, reject) => {
      const sub = queueGroup
        ? this.sc.subscribe(channel, queueGroup, opts)
        : this.sc.subscribe(channel, opts);
      sub.once('error', reject);
      sub.once('ready', () => {
        sub.removeListener('error', reject);
        sub.on('error', (err: Error) =>
          logger.error({ err: err.message, channel }, 'subscription error'),
        );
        resolve({
          // Closing keeps a durable's position on the server; it resumes with the next subscribe.
          close: () =>
            new Promise<void>((done) => {
              if (sub.isClosed() || !this.connected) return done();
              sub.once('closed', () => done());
              sub.once('error', () => done());
              sub.close();
            }),
        });
      });
      sub.on('message', onMessage);
    });
  }

  async head(category: string, kind: ChannelKind): Promise<number> {
    const channel = this.channel(category, kind);
    await this.publishIdempotent(
      channel,
      JSON.stringify({ fence: { id: newId(), by: this.clientId } }),
    );
    // The channel holds at least our fence, so "start with the last received" delivers at once.
    let found!: (position: number) => void;
    const position = new Promise<number>((resolve) => (found = resolve));
    const sub = await this.open(
      channel,
      this.sc.subscriptionOptions().setStartWithLastReceived(),
      undefined,
      (m) => found(m.getSequence()),
    );
    try {
      return await position;
    } finally {
      await sub.close();
    }
  }

  /**
   * Reads to the end in slices: at most READ_SLICE entries are handled in one turn of the event
   * loop, and the server sends no more than READ_WINDOW ahead of what was handled (manual acks),
   * so a long replay leaves room for lease heartbeats, pings and requests, and holds a bounded
   * number of entries in memory at once.
   */
  async read(
    category: string,
    kind: ChannelKind,
    from: number,
    onDelivery: (d: Delivery) => unknown,
  ): Promise<number> {
    const channel = this.channel(category, kind);
    const fenceId = newId();
    // Everything stored before our fence is delivered before it: reaching it is reaching the end.
    // The reader stops at the first copy of it to land: everything stored before that copy is
    // read, and every copy was sent after whatever the caller must see.
    await this.publishIdempotent(
      channel,
      JSON.stringify({ fence: { id: fenceId, by: this.clientId } }),
    );
    let count = 0;
    let sub: Subscription | undefined;
    await new Promise<void>((resolve, reject) => {
      const opts = this.sc
        .subscriptionOptions()
        .setManualAckMode(true)
        .setAckWait(60_000)
        .setMaxInFlight(READ_WINDOW);
      if (from > 1) opts.setStartAtSequence(from);
      else opts.setDeliverAllAvailable();
      let done = false;
      const queue: stan.Message[] = [];
      let scheduled = false;
      /** A reader's promise: nothing more is handed over until it settles. */
      let paused = false;
      const handleSlice = () => {
        scheduled = false;
        for (let n = 0; n < READ_SLICE && queue.length > 0 && !done && !paused; n++) {
          const m = queue.shift() as stan.Message;
          m.ack();
          const body = m.getData().toString();
          if (body.includes(fenceId)) {
            done = true;
            resolve();
            return;
          }
          count++;
          try {
            const handled = onDelivery({
              position: m.getSequence(),
              body,
              redelivered: false,
              ack: () => undefined,
            });
            if (handled instanceof Promise) {
              // What is queued waits, and the server sends no more than its window meanwhile.
              paused = true;
              handled.then(
                () => {
                  paused = false;
                  schedule();
                },
                (err: unknown) => {
                  done = true;
                  reject(asError(err));
                },
              );
              return;
            }
          } catch (err) {
            done = true;
            reject(asError(err));
            return;
          }
        }
        if (queue.length > 0 && !done && !paused) schedule();
      };
      const schedule = () => {
        if (scheduled || paused) return;
        scheduled = true;
        setImmediate(handleSlice);
      };
      this.open(channel, opts, undefined, (m) => {
        if (done || m.isRedelivered()) return;
        queue.push(m);
        schedule();
      }).then((s) => (sub = s), reject);
    }).finally(() => sub?.close());
    return count;
  }

  async park(
    category: string,
    kind: ChannelKind,
    delivery: Delivery,
    reason: string,
  ): Promise<void> {
    const parked = {
      channel: this.channel(category, kind),
      position: delivery.position,
      reason,
      body: delivery.body.slice(0, 65_536),
    };
    await this.publish(this.channel(category, 'parked'), JSON.stringify(parked));
    delivery.ack();
  }

  async openWriter(
    category: string,
    replay: (entry: LogEntry) => unknown,
    signal?: AbortSignal,
    progress?: (caughtUp: CatchUp) => void,
    from?: (lease: { name: string; holder: string }) => Promise<number>,
  ): Promise<CategoryWriter> {
    const lease = await this.leases.acquire(`writer:${this.prefix}${category}`, signal);
    try {
      const start = Math.max(1, (await from?.({ name: lease.name, holder: lease.holder })) ?? 1);
      const versions = new Map<string, number>();
      let unreadable = 0;
      let readTo = start - 1;
      const end = progress ? await this.head(category, 'event') : 0;
      progress?.({ position: 0, end });
      const learn = (d: Delivery): unknown => {
        readTo = d.position;
        if (progress && d.position % 1000 === 0) progress({ position: d.position, end });
        const decoded = decodeEntry(category, d.position, d.body);
        if (!decoded.ok) {
          // The projector parks it; the writer can only note that it was never a valid append.
          unreadable++;
          return;
        }
        const entry = decoded.value;
        if (entry.kind === 'events') {
          const { last } = endsOf(entry.events);
          versions.set(last.streamId, last.version);
        }
        if (entry.kind !== 'fence') return replay(entry);
      };
      await this.read(category, 'event', start, learn);
      // The last holder lost the lease rather than gave it up: it may have appended for a moment
      // after we took it, behind our fence. We wait until it cannot have, then read what it added.
      const wait = lease.safeAfter - Date.now();
      if (wait > 0) {
        await new Promise((r) => setTimeout(r, wait));
        await this.read(category, 'event', readTo + 1, learn);
      }
      if (unreadable)
        logger.warn({ category, unreadable }, 'skipped unreadable entries while replaying');
      return new StanCategoryWriter(
        this,
        category,
        this.channel(category, 'event'),
        versions,
        lease,
      );
    } catch (err) {
      await lease.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (!this.connected) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, 2000);
      this.sc.once('close', () => {
        clearTimeout(timer);
        resolve();
      });
      this.sc.close();
    });
    this.connected = false;
  }
}

/** What a writer needs of its log session. */
export interface WriterSession {
  publishAll(
    channel: string,
    bodies: readonly string[],
    settled: (i: number, err: Error | null) => void,
  ): void;
  onConnectionLost(listener: (err: Error) => void): void;
  onInterrupted(listener: () => void): void;
  close(): Promise<void>;
}

/** An entry waiting for the end of the current turn, and whoever waits for its acknowledgement. */
interface Queued {
  body: string;
  settled(err: Error | null): void;
}

/**
 * Exported for its unit test; everyone else opens one with `StanEventLog.openWriter`.
 *
 * Appends and refusals made together (in one run of code, before it yields to a microtask) are
 * sent together right after it, in the order they were made: one check of the lease and one
 * registration for the lot, instead of a chain of promises apiece. Each is still its own entry
 * with its own acknowledgement. Sooner than the end of the event loop's turn on purpose: the
 * client library writes what was published to the socket at that end, so nothing waits a turn.
 */
export class StanCategoryWriter implements CategoryWriter {
  private failure: Error | null = null;
  /** Entries made and not yet acknowledged (or failed); `close` waits for none to be left. */
  private unanswered = 0;
  private drained: Array<() => void> = [];
  /** Made in the code running now, sent right after it. */
  private queued: Queued[] = [];

  constructor(
    private readonly log: WriterSession,
    readonly category: string,
    private readonly channel: string,
    private readonly versions: Map<string, number>,
    private readonly held: Lease,
  ) {
    held.onLost((err) => this.fail(new WriterLost(`lease ${held.name} lost: ${err.message}`)));
    log.onConnectionLost((err) => this.fail(new WriterLost(`log connection lost: ${err.message}`)));
    log.onInterrupted(() =>
      this.fail(new WriterLost('log unreachable: the appends under way are in doubt')),
    );
  }

  /** Batches waiting, in order, for the lease to be confirmed again; null while none wait. */
  private gated: Array<(err?: Error) => void> | null = null;

  /**
   * Sends at once while the lease is known to be held. Otherwise (its session has not been heard
   * from lately: a stalled event loop, a slow server) the lease may be someone else's by now,
   * and an entry sent then could land after the next holder began: so it waits, with everything
   * sent after it, in order, for a fresh confirmation, and fails if the lease turns out lost.
   */
  private whenHeld(go: (err?: Error) => void): void {
    if (this.gated === null && this.held.isHeld()) return go();
    if (this.gated) return void this.gated.push(go);
    this.gated = [go];
    this.held.confirm().then(
      () => this.openGate(),
      (err: unknown) =>
        this.openGate(new WriterLost(`lease ${this.held.name} lost: ${asError(err).message}`)),
    );
  }

  private openGate(err?: Error): void {
    const waiting = this.gated ?? [];
    this.gated = null;
    for (const go of waiting) go(err);
  }

  /** Queues an entry to go with the others made now; `settled` is told of its acknowledgement. */
  private send(body: string, settled: (err: Error | null) => void): void {
    this.unanswered++;
    const entry: Queued = {
      body,
      settled: (err) => {
        settled(err);
        if (--this.unanswered === 0) for (const d of this.drained.splice(0)) d();
      },
    };
    if (this.queued.push(entry) === 1) queueMicrotask(() => this.flush());
  }

  private flush(): void {
    const batch = this.queued;
    this.queued = [];
    const refuse = (err: Error) => {
      for (const q of batch) q.settled(err);
    };
    // Nothing is sent once the writer failed: what follows a doubtful entry must not land.
    if (this.failure) return refuse(this.failure);
    this.whenHeld((err) => {
      const refused = err ?? this.failure;
      if (refused) return refuse(refused);
      this.log.publishAll(
        this.channel,
        batch.map((q) => q.body),
        (i, err) => batch[i]?.settled(err),
      );
    });
  }

  private readonly failureListeners: Array<(err: Error) => void> = [];
  private closed = false;

  private fail(err: Error): void {
    if (this.failure || this.closed) return;
    this.failure = err;
    for (const l of this.failureListeners.splice(0)) l(err);
  }

  onFailure(listener: (err: Error) => void): void {
    if (this.failure) listener(this.failure);
    else this.failureListeners.push(listener);
  }

  version(streamId: string): number {
    return this.versions.get(streamId) ?? 0;
  }

  seed(streamId: string, version: number): void {
    if (version > this.version(streamId)) this.versions.set(streamId, version);
  }

  forget(streamId: string): void {
    this.versions.delete(streamId);
  }

  get lease(): { name: string; holder: string } {
    return { name: this.held.name, holder: this.held.holder };
  }

  append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedVersion,
  ): Promise<{ version: number; events: EventEnvelope[] }> {
    if (this.failure) return Promise.reject(this.failure);
    const current = this.version(streamId);
    let envelopes: EventEnvelope[];
    try {
      envelopes = appendEnvelopes(this.category, streamId, events, expected, current);
    } catch (err) {
      return Promise.reject(asError(err));
    }
    if (envelopes.length === 0) return Promise.resolve({ version: current, events: [] });
    const version = current + events.length;
    this.versions.set(streamId, version);
    const body = JSON.stringify({ events: envelopes });
    return new Promise((resolve, reject) =>
      this.send(body, (err) => {
        if (!err) return resolve({ version, events: envelopes });
        // The reservation is now a guess about what the log holds: refuse everything after it.
        const lost = new WriterLost(`append to ${this.channel} failed: ${err.message}`);
        this.fail(lost);
        // The first failure is what every call gets; `lost` only when closed before it failed.
        reject(this.failure ?? lost);
      }),
    );
  }

  reject(rejection: Rejection): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const body = JSON.stringify({ rejection });
    return new Promise((resolve, reject) =>
      this.send(body, (err) => (err ? reject(err) : resolve())),
    );
  }

  /**
   * A sound writer lets its appends finish. A failed one closes its log session first: an append
   * still buffered in the client must not reach the log after the next holder of the lease has
   * read it to its end and taken over the versions.
   */
  async close(): Promise<void> {
    if (!this.failure && this.unanswered > 0)
      await new Promise<void>((resolve) => this.drained.push(resolve));
    // Failed before or while draining: what failed may still sit in the client's buffer.
    if (this.failure) await this.log.close();
    this.closed = true;
    await this.held.release();
  }
}
