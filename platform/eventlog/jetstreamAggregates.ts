import type { EventEnvelope } from '../../contracts/envelope';
import type { LogEntry, Rejection } from '../../contracts/log';
import { appendEnvelopes, decodeEntry, endsOf } from './entries';
import { isWrongLastSequence } from './jetstreamErrors';
import type { JetStreamEventLog } from './jetstreamEventLog';
import { aggregateSubject } from './jetstreamNames';
import { StaleAggregate, type AggregateAt, type AggregateWriter, type NewEvent } from './port';

/**
 * A category's aggregates on JetStream for any number of writers at once. Every outcome of a
 * command, its events or its refusal, goes on the aggregate's subject expecting the sequence the
 * subject ended at when the decision was made: the server stores it only if nothing came in
 * between. The message id (the first event's id, or the refused command's) makes a retried
 * publish, or a second decision of the same command, one copy.
 */
export class JetStreamAggregateWriter implements AggregateWriter {
  constructor(
    private readonly log: JetStreamEventLog,
    readonly category: string,
    private readonly stream: string,
    private readonly root: string,
  ) {}

  /**
   * Only the outcomes' subject is read: refusals a leased writer left on R.r are not, so a
   * category moves from leased to shared components after a graceful stop (which acknowledges
   * every command whose outcome is stored), not after a crash.
   */
  async load(
    streamId: string,
    from: AggregateAt,
    fresh = false,
  ): Promise<AggregateAt & { entries: LogEntry[] }> {
    const entries: LogEntry[] = [];
    let tip = from.tip;
    const subject = aggregateSubject(this.root, streamId);
    await this.log.readSubject(this.stream, subject, from.readTo, fresh, (m) => {
      tip = m.seq;
      const decoded = decodeEntry(this.category, m.seq, m.body);
      // An unreadable entry was never a valid outcome (its projector parks it); nor is another
      // aggregate's entry under this subject.
      if (!decoded.ok || decoded.value.kind === 'fence') return;
      const entry = decoded.value;
      const owner =
        entry.kind === 'events' ? endsOf(entry.events).first.streamId : entry.rejection.streamId;
      if (owner === streamId) entries.push(entry);
    });
    return { entries, readTo: tip, tip };
  }

  async append(
    streamId: string,
    events: NewEvent[],
    at: { version: number; tip: number },
  ): Promise<{ tip: number; events: EventEnvelope[] }> {
    const envelopes = appendEnvelopes(this.category, streamId, events, at.version, at.version);
    const [first] = envelopes;
    if (!first) throw new Error('an entry holds at least one event');
    const body = JSON.stringify({ events: envelopes });
    const tip = await this.store(streamId, body, `e:${first.id}`, at.tip);
    return { tip, events: envelopes };
  }

  async reject(rejection: Rejection, tip: number): Promise<{ tip: number }> {
    const body = JSON.stringify({ rejection });
    return { tip: await this.store(rejection.streamId, body, `r:${rejection.commandId}`, tip) };
  }

  private async store(streamId: string, body: string, msgID: string, tip: number): Promise<number> {
    const subject = aggregateSubject(this.root, streamId);
    try {
      const ack = await this.log.publish(
        subject,
        body,
        { msgID, expectLastSubjectSequence: tip },
        true,
      );
      // The same command decided before, on other knowledge: that outcome stands, read it.
      if (ack.duplicate && (await this.log.bodyAt(this.stream, ack.seq)) !== body)
        throw new StaleAggregate(streamId);
      return ack.seq;
    } catch (err) {
      if (!isWrongLastSequence(err)) throw err;
      // Our own entry, stored by an attempt whose answer was lost (newer servers check the
      // expectation before the message id, so the resend is refused).
      const last = await this.log.lastOn(this.stream, subject);
      if (last?.body === body) return last.seq;
      throw new StaleAggregate(streamId);
    }
  }
}
