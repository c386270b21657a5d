import { contracts, systemEvents } from '../../contracts/registry';
import { LogEntryPayload, type LogEntry } from '../../contracts/log';
import type { EventEnvelope } from '../../contracts/envelope';
import { streamCategory } from '../../contracts/envelope';
import { validate } from '../validation';
import { WrongExpectedVersion, type ExpectedVersion, type NewEvent } from './port';

export type Decoded<T> = { ok: true; value: T } | { ok: false; error: string };

function parseJson(body: string): Decoded<unknown> {
  try {
    return { ok: true, value: JSON.parse(body) };
  } catch {
    return { ok: false, error: 'not JSON' };
  }
}

/** The first and last events of an entry: the entry contract holds it to at least one event. */
export function endsOf(events: readonly EventEnvelope[]): {
  first: EventEnvelope;
  last: EventEnvelope;
} {
  const first = events[0];
  const last = events[events.length - 1];
  if (!first || !last) throw new Error('an events entry must hold at least one event');
  return { first, last };
}

/** Checks one event against its category's contract: the channel is only as good as this check. */
export function checkEvent(category: string, event: EventEnvelope): string | null {
  if (streamCategory(event.streamId) !== category)
    return `event ${event.id} belongs to ${event.streamId}, not ${category}`;
  const schema = contracts[category]?.events[event.type] ?? systemEvents[event.type];
  if (!schema) return `unknown event type ${event.type} for ${category}`;
  const checked = validate(schema, event.data, `${event.type}.data`);
  return checked.ok ? null : checked.error;
}

/** Turns an event-channel message into a log entry, or says why it cannot be trusted. */
export function decodeEntry(category: string, position: number, body: string): Decoded<LogEntry> {
  const parsed = parseJson(body);
  if (!parsed.ok) return parsed;
  const checked = validate(LogEntryPayload, parsed.value, 'entry');
  if (!checked.ok) return checked;
  const payload = checked.value;
  if ('fence' in payload)
    return { ok: true, value: { kind: 'fence', position, fenceId: payload.fence.id } };
  if ('rejection' in payload)
    return { ok: true, value: { kind: 'rejection', position, rejection: payload.rejection } };
  const events = payload.events as EventEnvelope[];
  const { first } = endsOf(events);
  for (const [i, event] of events.entries()) {
    const problem = checkEvent(category, event);
    if (problem) return { ok: false, error: problem };
    if (event.streamId !== first.streamId || event.version !== first.version + i) {
      return { ok: false, error: 'an entry must hold consecutive versions of one stream' };
    }
  }
  return { ok: true, value: { kind: 'events', position, events } };
}

export { parseJson };

/**
 * The envelopes an append writes to a stream at version `current`, checked before the writer
 * reserves anything: the stream is the writer's category's, the expected version holds, and every
 * event keeps its contract (what goes into the log is what every reader will trust). Throws
 * WrongExpectedVersion, or an error naming the broken contract.
 */
export function appendEnvelopes(
  category: string,
  streamId: string,
  events: readonly NewEvent[],
  expected: ExpectedVersion,
  current: number,
): EventEnvelope[] {
  if (streamCategory(streamId) !== category)
    throw new Error(`${streamId} is not in category ${category}`);
  const ok =
    expected === 'any' || (expected === 'no_stream' ? current === 0 : expected === current);
  if (!ok) throw new WrongExpectedVersion(streamId, expected, current);
  const envelopes: EventEnvelope[] = events.map((e, i) => ({
    id: e.id,
    type: e.type,
    streamId,
    version: current + i + 1,
    data: e.data,
    metadata: e.metadata,
  }));
  for (const e of envelopes) {
    const problem = checkEvent(category, e);
    if (problem) throw new Error(`refused to append: ${problem}`);
  }
  return envelopes;
}
