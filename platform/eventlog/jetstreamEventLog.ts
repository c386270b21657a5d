import type { NatsConnection } from '@nats-io/nats-core';
import {
  AckPolicy,
  DeliverPolicy,
  jetstream,
  jetstreamManager,
  RetentionPolicy,
  StorageType,
  type ConsumerConfig,
  type JetStreamClient,
  type JetStreamManager,
  type JsMsg,
  type PubAck,
  type StreamConfig,
} from '@nats-io/jetstream';
import type { CommandEnvelope } from '../../contracts/envelope';
import { streamCategory } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import { newId } from '../ids';
import type { LeaseProvider } from '../lease';
import { logger } from '../logger';
import { asError } from '../errors';
import { decodeEntry, endsOf } from './entries';
import { isClosed, isNotFound, isUnanswered } from './jetstreamErrors';
import {
  LogUnavailable,
  type AggregateWriter,
  type CategoryWriter,
  type CatchUp,
  type ChannelKind,
  type Delivery,
  type LogSession,
  type SubscribeOptions,
  type Subscription,
} from './port';
import { connectJetStream, type JetStreamSettings } from './jetstreamConnection';
import {
  aggregateSubject,
  channelRoot,
  checkSubjectPart,
  consumerName,
  entrySubject,
  fenceSubject,
  streamName,
  type JetStreamChannel,
} from './jetstreamNames';
import { JetStreamCategoryWriter, type Tip } from './jetstreamWriter';
import { JetStreamAggregateWriter } from './jetstreamAggregates';

/** Entries the server sends ahead of what a reader has handled. */
const READ_WINDOW = 4096;
/** Entries handled in one turn of the event loop while reading a channel to its end. */
const READ_SLICE = 512;
/**
 * A command or fence sent again when this long passes without its acknowledgement (one takes a
 * millisecond): a clustered stream electing a leader answers nobody meanwhile. Every publish
 * carries a message id, so the copy that lands second is dropped by the server. Not appends:
 * a writer may have thousands in flight, whose acknowledgements take longer than this under
 * load, and resending them all would only add to it; they are sent again after a reconnect.
 */
const RESEND_AFTER_MS = 1_000;
/** The whole wait for one publish, resends included. */
const RESEND_FOR_MS = 10_000;
/** The stream's memory of message ids: resends and retried appends within it are stored once. */
const DUPLICATE_WINDOW_MS = 120_000;

/** No acknowledgement: the message may or may not be stored, and may be sent again. */
class Unanswered extends Error {}

/** JetStream's durations are in nanoseconds. */
const nanos = (ms: number): number => ms * 1_000_000;

/** How long one pull of a subscription waits on the server (see `subscribe`). */
const PULL_EXPIRES_MS = 5_000;

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export interface JetStreamLogSettings extends JetStreamSettings {
  prefix: string;
  leases: LeaseProvider;
  /** Copies of each stream: 1 on a single server, 3 on a three-node cluster. */
  replicas?: number;
}

/**
 * How long the server waits for an acknowledgement before it offers a message again: after a
 * crash, what the process held comes back within this, whatever wait its subscriber asked for.
 */
const SERVER_ACK_WAIT_MS = 5_000;

/**
 * The event log on NATS JetStream (jetstreamNames.ts has the layout). What NATS Streaming lacks,
 * the log does here: each append carries the sequence its aggregate's subject is expected to end
 * at, so a stale append is refused by the server; every publish carries a message id, so a
 * retried one is stored once; an append's acknowledgement carries its position.
 *
 * The writer still holds the category's Postgres lease and replays the category, as on STAN: the
 * hosts rely on one writer per category knowing every version. The lease-free mode (several
 * component instances deciding a category at once, each loading an aggregate by its subject and
 * leaving the concurrency to the server) comes in a writer of its own: see jetstreamWriter.ts.
 */
export class JetStreamEventLog implements LogSession {
  private closed = false;
  private closing = false;
  /** The socket: down the moment the server goes; the client reconnects by itself. */
  private reachable = true;
  private readonly lostListeners: Array<(err: Error) => void> = [];
  /** Publishes waiting for their acknowledgement, told at once when the socket drops. */
  private readonly waiting = new Set<() => void>();
  /** Streams made (or found) by this connection: each is asked for once. */
  private readonly streams = new Map<string, Promise<void>>();

  private constructor(
    private readonly nc: NatsConnection,
    private readonly js: JetStreamClient,
    private readonly jsm: JetStreamManager,
    private readonly prefix: string,
    private readonly leases: LeaseProvider,
    private readonly name: string,
    private readonly replicas: number,
  ) {
    void this.watch();
    void nc.closed().then((err) => {
      this.closed = true;
      if (this.closing) return;
      const lost = err ?? new Error('connection closed');
      logger.error({ err: lost.message, name }, 'JetStream connection lost');
      for (const listener of this.lostListeners) listener(lost);
    });
  }

  static async connect(settings: JetStreamLogSettings): Promise<JetStreamEventLog> {
    checkSubjectPart(settings.prefix);
    const nc = await connectJetStream(settings);
    return new JetStreamEventLog(
      nc,
      jetstream(nc),
      await jetstreamManager(nc),
      settings.prefix,
      settings.leases,
      settings.name,
      settings.replicas ?? 1,
    );
  }

  private async watch(): Promise<void> {
    for await (const s of this.nc.status()) {
      if (s.type === 'disconnect' && this.reachable) {
        this.reachable = false;
        logger.warn({ name: this.name }, 'JetStream unreachable; reconnecting');
        for (const interrupted of [...this.waiting]) interrupted();
        this.waiting.clear();
      } else if (s.type === 'reconnect') {
        this.reachable = true;
        logger.info({ name: this.name }, 'JetStream reachable again');
      }
    }
  }

  /** Called only when the connection is closed for good; the client rides out outages itself. */
  onConnectionLost(listener: (err: Error) => void): void {
    this.lostListeners.push(listener);
  }

  private linkUp(): boolean {
    return this.reachable;
  }

  isConnected(): boolean {
    return !this.closed && this.reachable;
  }

  private root(category: string, kind: JetStreamChannel): string {
    checkSubjectPart(category);
    return channelRoot(this.prefix, category, kind);
  }

  /** The channel's stream, made the first time it is needed. */
  async stream(category: string, kind: JetStreamChannel): Promise<string> {
    if (this.closed) throw new LogUnavailable();
    const name = streamName(this.prefix, category, kind);
    let made = this.streams.get(name);
    if (!made) {
      made = this.makeStream(name, this.root(category, kind)).catch((err: unknown) => {
        this.streams.delete(name);
        throw err;
      });
      this.streams.set(name, made);
    }
    await made;
    return name;
  }

  private async makeStream(name: string, root: string): Promise<void> {
    const config: Partial<StreamConfig> & { name: string } = {
      name,
      subjects: [`${root}.>`],
      storage: StorageType.File,
      // This is the log: no limit may drop a message, and none may be deleted, so a stream's
      // sequences stay the channel's positions 1..n with no gap.
      retention: RetentionPolicy.Limits,
      max_msgs: -1,
      max_bytes: -1,
      max_age: 0,
      deny_delete: true,
      deny_purge: true,
      allow_direct: true,
      num_replicas: this.replicas,
      duplicate_window: nanos(DUPLICATE_WINDOW_MS),
    };
    try {
      await this.jsm.streams.add(config);
    } catch (err) {
      // Made by an earlier version with other settings: used as it is if it holds the channel.
      const info = await this.jsm.streams.info(name).catch(() => null);
      if (!info?.config.subjects.includes(`${root}.>`)) {
        if (isUnanswered(err) || isClosed(err)) throw new LogUnavailable();
        throw err;
      }
    }
  }

  /**
   * Publishes, resending under the same message id while unanswered, for RESEND_FOR_MS at most.
   * `ride` (a writer's append) also waits out a dropped connection: its doubt is settled by the
   * resend, which the server stores once. Otherwise a dropped or missing connection fails at once
   * with LogUnavailable (an app answers 503; its client sends again).
   */
  async publish(
    subject: string,
    body: string,
    options: { msgID: string; expectLastSubjectSequence?: number },
    ride = false,
  ): Promise<PubAck> {
    const giveUp = Date.now() + RESEND_FOR_MS;
    for (;;) {
      if (this.closed) throw new LogUnavailable();
      if (!this.linkUp()) {
        if (!ride || Date.now() > giveUp) throw new LogUnavailable();
        await sleep(50);
        continue;
      }
      try {
        return await this.publishOnce(subject, body, options, giveUp, ride);
      } catch (err) {
        if (!(err instanceof Unanswered)) throw err;
        // Dropped while waiting (a status event meanwhile): in doubt, and only a writer waits.
        if (Date.now() > giveUp || (!this.linkUp() && !ride)) throw new LogUnavailable();
        // Nobody answered at once (no stream leader yet): do not spin.
        await sleep(50);
      }
    }
  }

  private publishOnce(
    subject: string,
    body: string,
    options: { msgID: string; expectLastSubjectSequence?: number },
    giveUp: number,
    ride: boolean,
  ): Promise<PubAck> {
    return new Promise((resolve, reject) => {
      const interrupted = () => reject(new Unanswered());
      this.waiting.add(interrupted);
      const expect =
        options.expectLastSubjectSequence === undefined
          ? {}
          : { expect: { lastSubjectSequence: options.expectLastSubjectSequence } };
      this.js
        .publish(subject, body, {
          msgID: options.msgID,
          timeout: Math.max(1, Math.min(ride ? Infinity : RESEND_AFTER_MS, giveUp - Date.now())),
          ...expect,
        })
        .then(
          (ack) => {
            this.waiting.delete(interrupted);
            resolve(ack);
          },
          (err: unknown) => {
            this.waiting.delete(interrupted);
            if (isUnanswered(err)) reject(new Unanswered());
            else reject(isClosed(err) ? new LogUnavailable() : asError(err));
          },
        );
    });
  }

  /** The message a subject ends with, from the stream's leader (a replica may lag); null if none. */
  async lastOn(stream: string, subject: string): Promise<{ seq: number; body: string } | null> {
    const m = await this.jsm.streams.getMessage(stream, { last_by_subj: subject });
    return m ? { seq: m.seq, body: m.string() } : null;
  }

  /**
   * Reads one subject's messages after a position, up to its last one when the read begins, with
   * an ordered consumer of that subject alone: one aggregate, not its category. Its end is asked
   * of any replica (a direct get, off the API's queue) unless `fresh`: a replica may lag a moment,
   * and the writer, refused over what it missed, reads again from the leader.
   */
  async readSubject(
    stream: string,
    subject: string,
    after: number,
    fresh: boolean,
    each: (m: { seq: number; body: string }) => void,
  ): Promise<void> {
    const query = { last_by_subj: subject };
    const last = fresh
      ? await this.jsm.streams.getMessage(stream, query)
      : await this.jsm.direct.getMessage(stream, query);
    if (!last || last.seq <= after) return;
    const consumer = await this.js.consumers.get(stream, {
      filter_subjects: subject,
      ...(after > 0
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: after + 1 }
        : { deliver_policy: DeliverPolicy.All }),
    });
    const messages = await consumer.consume({ max_messages: READ_WINDOW });
    try {
      for await (const m of messages) {
        each({ seq: m.seq, body: m.string() });
        if (m.seq >= last.seq) break;
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
  }

  async openAggregateWriter(category: string): Promise<AggregateWriter> {
    const stream = await this.stream(category, 'event');
    return new JetStreamAggregateWriter(this, category, stream, this.root(category, 'event'));
  }

  async bodyAt(stream: string, seq: number): Promise<string | null> {
    const m = await this.jsm.streams.getMessage(stream, { seq });
    return m ? m.string() : null;
  }

  /**
   * Each publish gets a message id of its own, not the command's: a command sent again is sent
   * on purpose (an operator's retry of a parked one, a client's retry), and the component and
   * the dispatcher make the repeat harmless by its id, as on NATS Streaming; only this call's own
   * resends are dropped by the server.
   */
  async sendCommand(
    command: CommandEnvelope,
    kind: 'command' | 'process' = 'command',
  ): Promise<void> {
    const category = streamCategory(command.streamId);
    await this.stream(category, kind);
    await this.publish(
      aggregateSubject(this.root(category, kind), command.streamId),
      JSON.stringify(command),
      { msgID: newId() },
    );
  }

  async subscribe(
    category: string,
    kind: ChannelKind,
    options: SubscribeOptions,
    handler: (d: Delivery) => void,
  ): Promise<Subscription> {
    const stream = await this.stream(category, kind);
    const maxInFlight = Math.max(1, options.maxInFlight ?? 1);
    // The server waits only a short while for an acknowledgement, so that what a crashed process
    // held is offered again within seconds; while this process holds a message it tells the
    // server it is still at work on it, up to the wait the caller asked for (`held` below).
    const ackWaitMs = options.ackWaitMs ?? 30_000;
    const serverAckWaitMs = Math.min(ackWaitMs, SERVER_ACK_WAIT_MS);
    const settings: Partial<ConsumerConfig> = {
      ack_policy: AckPolicy.Explicit,
      ack_wait: nanos(serverAckWaitMs),
      max_ack_pending: maxInFlight,
    };
    const start: Partial<ConsumerConfig> =
      options.from && options.from > 1
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: options.from }
        : { deliver_policy: DeliverPolicy.All };
    let name: string;
    const durable = options.durableName !== undefined;
    if (options.durableName !== undefined) {
      // One consumer per durable name and channel, whichever process asks: a restarted process
      // resumes after the last acknowledgement. Its start applies only when it is new.
      name = consumerName(options.durableName);
      const existing = await this.jsm.consumers.info(stream, name).catch((err: unknown) => {
        if (isNotFound(err)) return null;
        throw err;
      });
      if (!existing) {
        await this.jsm.consumers.add(stream, { ...settings, ...start, durable_name: name });
      } else if (
        existing.config.ack_wait !== settings.ack_wait ||
        existing.config.max_ack_pending !== settings.max_ack_pending
      ) {
        await this.jsm.consumers.update(stream, name, settings);
      }
    } else {
      // Gone by itself a minute after its reader is: a process that died leaves no litter.
      const info = await this.jsm.consumers.add(stream, {
        ...settings,
        ...start,
        inactive_threshold: nanos(60_000),
        // An ephemeral consumer is kept on one node unless told otherwise: replicated as its
        // stream is, so it outlives the loss of that node.
        num_replicas: this.replicas,
      });
      name = info.name;
    }
    const consumer = await this.js.consumers.get(stream, name);
    // A pull lives on the consumer's leader: one that dies with its node is renewed once two
    // heartbeats are missed (half the expiry each), so within seconds rather than the default 30.
    const messages = await consumer.consume({
      max_messages: Math.min(maxInFlight, 1000),
      expires: PULL_EXPIRES_MS,
    });
    /** Delivered and not acknowledged yet, with when it was delivered. */
    const unacked = new Map<JsMsg, number>();
    const held =
      serverAckWaitMs < ackWaitMs
        ? setInterval(() => {
            const now = Date.now();
            for (const [m, at] of unacked) if (now - at < ackWaitMs) m.working();
          }, serverAckWaitMs / 3)
        : null;
    held?.unref();
    const delivering = (async () => {
      for await (const m of messages) {
        unacked.set(m, Date.now());
        try {
          handler({
            position: m.seq,
            body: m.string(),
            redelivered: m.redelivered,
            subject: m.subject,
            ack: () => {
              if (unacked.delete(m)) m.ack();
            },
            retry: (delayMs) => {
              if (unacked.delete(m)) m.nak(delayMs);
            },
          });
        } catch (err) {
          // Left unacknowledged, so offered again; the messages behind it still come.
          logger.error({ err: asError(err).message, stream, position: m.seq }, 'handler failed');
        }
      }
    })().catch((err: unknown) =>
      logger.error({ err: asError(err).message, stream, consumer: name }, 'subscription failed'),
    );
    return {
      close: async () => {
        if (held) clearInterval(held);
        await messages.close().catch(() => undefined);
        await delivering;
        // What was delivered and not acknowledged goes to the next subscriber now, not after
        // the ack wait: the server offers a refused message again at once, in order.
        for (const m of unacked.keys()) m.nak();
        unacked.clear();
        if (!durable && !this.closed) {
          await this.jsm.consumers.delete(stream, name).catch(() => undefined);
        } else if (!this.closed) {
          await this.nc.flush().catch(() => undefined);
        }
      },
    };
  }

  /** The position the channel ends at now, asked of the server: no fence is written. */
  async end(category: string, kind: JetStreamChannel): Promise<number> {
    try {
      const info = await this.jsm.streams.info(streamName(this.prefix, category, kind));
      return info.state.last_seq;
    } catch (err) {
      if (isNotFound(err)) return 0;
      if (isUnanswered(err) || isClosed(err)) throw new LogUnavailable();
      throw err;
    }
  }

  /** As on NATS Streaming, a fence marks the end (the port's contract); its ack says where. */
  async head(category: string, kind: ChannelKind): Promise<number> {
    await this.stream(category, kind);
    const id = newId();
    const ack = await this.publish(
      fenceSubject(this.root(category, kind)),
      JSON.stringify({ fence: { id, by: this.name.slice(0, 256) } }),
      { msgID: id },
    );
    return ack.seq;
  }

  /**
   * Reads from a position to the end the server reports when the read begins, with an ordered
   * consumer (no acknowledgements; it recreates itself over a gap). At most READ_SLICE entries
   * are handled in one turn of the event loop, and the server sends no more than READ_WINDOW
   * ahead of what was handled: a long replay leaves room for heartbeats and requests.
   */
  async read(
    category: string,
    kind: JetStreamChannel,
    from: number,
    onDelivery: (d: Delivery) => unknown,
  ): Promise<number> {
    const end = await this.end(category, kind);
    const first = Math.max(1, from);
    if (end < first) return 0;
    const stream = streamName(this.prefix, category, kind);
    const consumer = await this.js.consumers.get(
      stream,
      first > 1
        ? { deliver_policy: DeliverPolicy.StartSequence, opt_start_seq: first }
        : { deliver_policy: DeliverPolicy.All },
    );
    const messages = await consumer.consume({ max_messages: READ_WINDOW });
    let count = 0;
    try {
      for await (const m of messages) {
        count++;
        const handled = onDelivery({
          position: m.seq,
          body: m.string(),
          redelivered: false,
          subject: m.subject,
          ack: () => undefined,
        });
        if (handled instanceof Promise) await handled;
        if (m.seq >= end) break;
        if (count % READ_SLICE === 0) await new Promise((r) => setImmediate(r));
      }
    } finally {
      await messages.close().catch(() => undefined);
    }
    return count;
  }

  async park(
    category: string,
    kind: ChannelKind,
    delivery: Delivery,
    reason: string,
  ): Promise<void> {
    const parked = {
      channel: channelRoot(this.prefix, category, kind),
      position: delivery.position,
      reason,
      body: delivery.body.slice(0, 65_536),
    };
    await this.stream(category, 'parked');
    await this.publish(entrySubject(this.root(category, 'parked')), JSON.stringify(parked), {
      msgID: newId(),
    });
    delivery.ack();
  }

  async openWriter(
    category: string,
    replay: (entry: LogEntry) => unknown,
    signal?: AbortSignal,
    progress?: (caughtUp: CatchUp) => void,
    from?: (lease: { name: string; holder: string }) => Promise<number>,
  ): Promise<CategoryWriter> {
    const stream = await this.stream(category, 'event');
    // The same lease as on NATS Streaming: a cut-over from one log to the other can never have
    // a writer on each. The lease-free mode (issue 16) is another method beside this one: no
    // lease, no replay, a writer that loads each aggregate from its subject (jetstreamWriter.ts).
    const lease = await this.leases.acquire(`writer:${this.prefix}${category}`, signal);
    try {
      const start = Math.max(1, (await from?.({ name: lease.name, holder: lease.holder })) ?? 1);
      const tips = new Map<string, Tip>();
      const root = this.root(category, 'event');
      let unreadable = 0;
      let readTo = start - 1;
      const end = progress ? await this.end(category, 'event') : 0;
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
          // The entry's position is its subject's last sequence: what the next append expects.
          tips.set(last.streamId, { version: last.version, seq: d.position });
        } else if (
          entry.kind === 'rejection' &&
          d.subject === aggregateSubject(root, entry.rejection.streamId)
        ) {
          // A refusal by a lease-free instance (an earlier run in that mode) is on the subject too.
          const { streamId } = entry.rejection;
          tips.set(streamId, { version: tips.get(streamId)?.version ?? 0, seq: d.position });
        }
        if (entry.kind !== 'fence') return replay(entry);
      };
      await this.read(category, 'event', start, learn);
      // The last holder lost the lease rather than gave it up: it may have appended for a moment
      // after we took it. The server would refuse our append over it (and we would restart), but
      // waiting until it cannot have and reading what it added spares that.
      const wait = lease.safeAfter - Date.now();
      if (wait > 0) {
        await sleep(wait);
        await this.read(category, 'event', readTo + 1, learn);
      }
      if (unreadable)
        logger.warn({ category, unreadable }, 'skipped unreadable entries while replaying');
      return new JetStreamCategoryWriter(this, category, stream, this.root(category, 'event'), {
        tips,
        lease,
      });
    } catch (err) {
      await lease.release();
      throw err;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closing = true;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      this.nc.close(),
      new Promise((r) => (timer = setTimeout(r, 2000).unref())),
    ]).finally(() => clearTimeout(timer));
    this.closed = true;
  }
}
