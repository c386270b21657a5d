import type { EventEnvelope } from '../../contracts/envelope';
import type { Rejection } from '../../contracts/log';
import type { Lease } from '../lease';
import { asError } from '../errors';
import { appendEnvelopes } from './entries';
import {
  WriterLost,
  WrongExpectedVersion,
  type CategoryWriter,
  type ExpectedVersion,
  type NewEvent,
} from './port';
import { aggregateSubject, rejectionSubject } from './jetstreamNames';
import type { JetStreamEventLog } from './jetstreamEventLog';
import { isWrongLastSequence } from './jetstreamErrors';

const isRejection = (body: string): boolean => body.startsWith('{"rejection":');

/** Where an aggregate's subject ends: its last version, and that entry's position (sequence). */
export interface Tip {
  version: number;
  /** Unknown for a version the writer was told (a snapshot's) until the server is asked. */
  seq?: number;
}

/**
 * The writer of a category under its lease, as the hosts expect today: it knows every stream's
 * version from its replay and checks an expected version before anything is sent. Unlike on
 * NATS Streaming the server checks again: each append expects its aggregate's subject to end at
 * the sequence the writer knows, so an append over an entry the writer never saw (another writer,
 * a wrong snapshot) is refused instead of stored.
 *
 * The lease-free mode (issue 16: several component instances per category) will be a second
 * writer behind the same port, with no lease and no replay: `version` becomes a load of the
 * aggregate's subject (`lastOn`), a refusal (WrongExpectedVersion) reloads the aggregate and is
 * the caller's to decide again, and nothing fails the writer but the connection. What this one
 * keeps per stream (`tips`, the per-stream chain of appends, the duplicate check) is what that
 * one will keep for the aggregates it has loaded.
 */
export class JetStreamCategoryWriter implements CategoryWriter {
  private failure: Error | null = null;
  private closed = false;
  private readonly failureListeners: Array<(err: Error) => void> = [];
  private readonly inFlight = new Set<Promise<unknown>>();
  private readonly tips: Map<string, Tip>;
  /**
   * The append under way per stream, resolving to the sequence it was stored at: the next
   * append to the stream expects that sequence, so it is sent once the one before is stored.
   * Appends to different streams go out at once, side by side.
   */
  private readonly tails = new Map<string, Promise<number>>();
  private readonly held: Lease;
  /** Publishes waiting, in order, for the lease to be confirmed again; null while none wait. */
  private gated: Array<(err?: Error) => void> | null = null;

  constructor(
    private readonly log: JetStreamEventLog,
    readonly category: string,
    private readonly stream: string,
    private readonly root: string,
    known: { tips: Map<string, Tip>; lease: Lease },
  ) {
    this.tips = known.tips;
    this.held = known.lease;
    this.held.onLost((err) =>
      this.fail(new WriterLost(`lease ${this.held.name} lost: ${err.message}`)),
    );
    log.onConnectionLost((err) => this.fail(new WriterLost(`log connection lost: ${err.message}`)));
  }

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
    return this.tips.get(streamId)?.version ?? 0;
  }

  seed(streamId: string, version: number): void {
    // The sequence of a seeded version is asked of the server before the next append.
    if (version > this.version(streamId)) this.tips.set(streamId, { version });
  }

  forget(streamId: string): void {
    this.tips.delete(streamId);
  }

  get lease(): { name: string; holder: string } {
    return { name: this.held.name, holder: this.held.holder };
  }

  /**
   * Sends at once while the lease is known to be held; otherwise waits, in order, for a fresh
   * confirmation (as on NATS Streaming). The server's check would refuse an append over a
   * successor's, but a refusal costs a restart: this spares it.
   */
  private whenHeld<T>(send: () => Promise<T>): Promise<T> {
    if (this.gated === null && this.held.isHeld()) return send();
    return new Promise<T>((resolve, reject) => {
      const go = (err?: Error) => {
        const refused = err ?? this.failure;
        if (refused) reject(refused);
        else send().then(resolve, reject);
      };
      if (this.gated) return void this.gated.push(go);
      this.gated = [go];
      this.held.confirm().then(
        () => this.openGate(),
        (err: unknown) =>
          this.openGate(new WriterLost(`lease ${this.held.name} lost: ${asError(err).message}`)),
      );
    });
  }

  private openGate(err?: Error): void {
    const waiting = this.gated ?? [];
    this.gated = null;
    for (const go of waiting) go(err);
  }

  private track<T>(p: Promise<T>): Promise<T> {
    this.inFlight.add(p);
    const drop = () => this.inFlight.delete(p);
    p.then(drop, drop);
    return p;
  }

  /** The sequence the stream's subject ends at, asked of the server when not known. */
  private async tipSeq(streamId: string, version: number): Promise<number> {
    const known = this.tips.get(streamId);
    if (known?.seq !== undefined) return known.seq;
    if (version === 0) return 0;
    const last = await this.log.lastOn(this.stream, aggregateSubject(this.root, streamId));
    // A refusal by a lease-free instance may end the subject: it says no version to check.
    if (last && isRejection(last.body)) return last.seq;
    const stored = last ? this.lastVersionOf(last.body) : 0;
    if (!last || stored !== version) {
      throw new WriterLost(
        `${streamId}: the log ends at version ${String(stored)}, the writer was told ${String(version)}`,
      );
    }
    return last.seq;
  }

  private lastVersionOf(body: string): number | null {
    const parsed = JSON.parse(body) as { events?: Array<{ version?: unknown }> };
    const version = parsed.events?.[parsed.events.length - 1]?.version;
    return typeof version === 'number' ? version : null;
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
    const seqBefore = this.tips.get(streamId)?.seq;
    this.tips.set(streamId, { version, ...(seqBefore === undefined ? {} : { seq: seqBefore }) });
    const body = JSON.stringify({ events: envelopes });
    const subject = aggregateSubject(this.root, streamId);
    const after = this.tails.get(streamId) ?? this.tipSeq(streamId, current);
    const stored = after.then((expectSeq) =>
      this.whenHeld(() => this.store(streamId, subject, body, envelopes, expectSeq, current)),
    );
    this.tails.set(streamId, stored);
    const settled = stored.then(
      (seq) => {
        if (this.tails.get(streamId) === stored) this.tails.delete(streamId);
        const tip = this.tips.get(streamId);
        // Not when forgotten meanwhile, nor when a later append has moved the version on.
        if (tip?.version === version) tip.seq = seq;
        return { version, events: envelopes };
      },
      (err: unknown) => {
        if (this.tails.get(streamId) === stored) this.tails.delete(streamId);
        // The reservation is now a guess about what the log holds: refuse everything after it.
        const lost =
          err instanceof WriterLost
            ? err
            : new WriterLost(`append to ${subject} failed: ${asError(err).message}`);
        this.fail(lost);
        if (err instanceof WrongExpectedVersion) throw err;
        // The first failure is what every call gets; `lost` only when closed before it failed.
        throw this.failure ?? lost;
      },
    );
    return this.track(settled);
  }

  /**
   * One publish: the first event's id is the message id (an entry's events are one command's,
   * their ids derived from it), so a retried append is stored once and acknowledged with the
   * first copy's position; that copy is checked to be this entry, not another under the same ids.
   */
  private async store(
    streamId: string,
    subject: string,
    body: string,
    events: EventEnvelope[],
    expectSeq: number,
    expectedVersion: number,
  ): Promise<number> {
    const [first] = events;
    if (!first) throw new Error('an entry holds at least one event');
    try {
      const ack = await this.log.publish(
        subject,
        body,
        { msgID: `e:${first.id}`, expectLastSubjectSequence: expectSeq },
        true,
      );
      if (ack.duplicate && (await this.log.bodyAt(this.stream, ack.seq)) !== body) {
        throw new WriterLost(
          `${streamId}: another entry with event ${first.id} is stored at ${String(ack.seq)}`,
        );
      }
      return ack.seq;
    } catch (err) {
      if (!isWrongLastSequence(err)) throw err;
      const last = await this.log.lastOn(this.stream, subject).catch(() => null);
      // Our own entry, stored by an attempt whose answer was lost: newer servers check the
      // expectation before the message id (2.9 the other way round), so a resend is refused.
      if (last?.body === body) return last.seq;
      // Someone else wrote to the aggregate: the writer's knowledge of the category is wrong.
      const actual = last ? (this.lastVersionOf(last.body) ?? -1) : 0;
      this.fail(
        new WriterLost(
          `the log refused an append to ${streamId} at version ${String(expectedVersion)}: it is at ${String(actual)}`,
        ),
      );
      throw new WrongExpectedVersion(streamId, expectedVersion, actual);
    }
  }

  reject(rejection: Rejection): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    const body = JSON.stringify({ rejection });
    return this.track(
      this.whenHeld(() =>
        this.log.publish(
          rejectionSubject(this.root, rejection.streamId),
          body,
          { msgID: `r:${rejection.commandId}` },
          true,
        ),
      ).then(() => undefined),
    );
  }

  /**
   * A sound writer lets its appends finish. A failed one closes its log connection first, so
   * nothing it still holds is sent after the next holder of the lease has read the log.
   */
  async close(): Promise<void> {
    if (!this.failure) await Promise.allSettled([...this.inFlight]);
    if (this.failure) await this.log.close();
    this.closed = true;
    await this.held.release();
  }
}
