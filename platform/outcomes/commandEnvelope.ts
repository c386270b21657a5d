import type { CommandEnvelope, Metadata } from '../../contracts/envelope';
import { currentTraceparent, traceIdOf } from '../tracing';

/**
 * Where a command comes from, as its metadata tells it: who it acts for, and the flow it belongs
 * to. A command nobody caused starts its own flow (its id is its correlation and its trace);
 * `follow(cause)` (platform/hosts/messages) is the origin of a command an event or command caused.
 */
export interface CommandOrigin {
  /** A token subject, or null for the system (a provider's notification, a timer). */
  userId: Metadata['userId'];
  correlationId?: string;
  causationId?: string | null;
  traceId?: string;
  /** The span that sends it, by default the one running now (a request's, an activity's). */
  traceparent?: string;
}

/** The one way a command envelope is made: by requests, process steps, reactions and webhooks alike. */
export function commandEnvelope<T extends string, D>(
  command: { id: string; type: T; streamId: string; data: D; expectedVersion?: number | null },
  origin: CommandOrigin,
  now: Date = new Date(),
): CommandEnvelope<T, D> {
  const traceparent = origin.traceparent ?? currentTraceparent();
  return {
    id: command.id,
    type: command.type,
    streamId: command.streamId,
    expectedVersion: command.expectedVersion ?? null,
    data: command.data,
    metadata: {
      // The span's trace when there is one, so logs and traces name the same trace.
      traceId:
        origin.traceId ?? (traceparent && traceIdOf(traceparent)) ?? command.id.replace(/-/g, ''),
      correlationId: origin.correlationId ?? command.id,
      causationId: origin.causationId ?? null,
      userId: origin.userId,
      timestamp: now.toISOString(),
      ...(traceparent ? { traceparent } : {}),
    },
  };
}
