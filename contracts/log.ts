import { Type, type Static } from '@sinclair/typebox';
import { Id, Text } from './formats';
import { EventEnvelopeSchema, Metadata, StreamId, type EventEnvelope } from './envelope';
import { CommandRejected } from './outcomes';

/**
 * What one message on a category's event channel holds. One append is one message, so the
 * events one command causes are recorded together or not at all.
 */
export const EventsEntry = Type.Object(
  { events: Type.Array(EventEnvelopeSchema(), { minItems: 1, maxItems: 1000 }) },
  { additionalProperties: false },
);

/** A refused command: recorded so a redelivery is known as handled and its sender learns why. */
export const RejectionEntry = Type.Object(
  {
    rejection: Type.Object(
      { ...CommandRejected.properties, streamId: StreamId, metadata: Metadata },
      { additionalProperties: false },
    ),
  },
  { additionalProperties: false },
);
export type Rejection = Static<typeof RejectionEntry>['rejection'];

/** Written by whoever needs to know where the channel ends; every consumer skips it. */
export const FenceEntry = Type.Object(
  { fence: Type.Object({ id: Id, by: Text({ maxLength: 256 }) }, { additionalProperties: false }) },
  { additionalProperties: false },
);

export const LogEntryPayload = Type.Union([EventsEntry, RejectionEntry, FenceEntry]);

export type LogEntry =
  | { kind: 'events'; position: number; events: EventEnvelope[] }
  | { kind: 'rejection'; position: number; rejection: Rejection }
  | { kind: 'fence'; position: number; fenceId: string };
