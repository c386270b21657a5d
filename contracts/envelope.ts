import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Id, Instant, Int, MAX_SAFE, Sub, Text } from './formats';

/** Carried by every command and event; `follow` copies it from cause to effect. */
export const Metadata = Type.Object(
  {
    traceId: Text({ minLength: 1, maxLength: 128 }),
    correlationId: Text({ minLength: 1, maxLength: 128 }),
    causationId: Type.Union([Text({ minLength: 1, maxLength: 128 }), Type.Null()]),
    userId: Type.Union([Sub, Type.Null()]),
    timestamp: Instant,
    /**
     * The W3C trace context of the span that produced the message, so its consumer's span joins
     * the same trace in another process. Optional: messages from before it, or from a process
     * that traces nothing, carry none.
     */
    traceparent: Type.Optional(
      Text({ pattern: '^[0-9a-f]{2}-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$', maxLength: 55 }),
    ),
  },
  { $id: 'Metadata', additionalProperties: false },
);
export type Metadata = Static<typeof Metadata>;

/** `<category>-<aggregateId>`: the category names the channel, the id the aggregate within it. */
export const StreamId = Text({ pattern: '^[a-z][a-zA-Z0-9]*-.+$', maxLength: 200 });

const envelopeFields = {
  id: Id,
  type: Type.String({ pattern: '^[A-Za-z][A-Za-z0-9]*$', maxLength: 100 }),
  streamId: StreamId,
  metadata: Metadata,
};

export const CommandEnvelopeSchema = (data: TSchema = Type.Unknown()) =>
  Type.Object(
    {
      ...envelopeFields,
      /** The stream version the sender saw; null when the sender does not care. */
      expectedVersion: Type.Union([Int(0, MAX_SAFE), Type.Null()]),
      data,
    },
    { additionalProperties: false },
  );

export const EventEnvelopeSchema = (data: TSchema = Type.Unknown()) =>
  Type.Object(
    {
      ...envelopeFields,
      /** The stream's version after this event: 1 for the first event of a stream. */
      version: Int(1, MAX_SAFE),
      data,
    },
    { additionalProperties: false },
  );

export interface CommandEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  streamId: string;
  expectedVersion: number | null;
  data: D;
  metadata: Metadata;
}

export interface EventEnvelope<T extends string = string, D = unknown> {
  id: string;
  type: T;
  streamId: string;
  version: number;
  data: D;
  metadata: Metadata;
}

export const streamCategory = (streamId: string): string =>
  streamId.slice(0, streamId.indexOf('-'));
export const streamEntityId = (streamId: string): string =>
  streamId.slice(streamId.indexOf('-') + 1);
