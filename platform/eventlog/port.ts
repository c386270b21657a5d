import type { CommandEnvelope, EventEnvelope, Metadata } from '../../contracts/envelope';
import type { LogEntry, Rejection } from '../../contracts/log';

export type ExpectedVersion = number | 'any' | 'no_stream';

export interface NewEvent<T extends string = string, D = unknown> {
  id: string;
  type: T;
  data: D;
  metadata: Metadata;
}

/** `process`: commands for a category's Temporal processes, which the dispatcher carries to them. */
export type ChannelKind = 'command' | 'event' | 'process';

/** A message as the log delivers it, before anyone trusted its contents. */
export interface Delivery {
  position: number;
  body: string;
  redelivered: boolean;
  ack(): void;
  /** Offers it again after a while, to this subscriber or another (where the log can). */
  retry?(delayMs: number): void;
  /** Where the log keeps it inside its channel (JetStream's subject). */
  subject?: string;
}

export interface SubscribeOptions {
  /** Resume where this name last acknowledged; survives restarts. */
  durableName?: string;
  /** First position to deliver when not durable (or when the durable is new); 1 = from the start. */
  from?: number;
  maxInFlight?: number;
  ackWaitMs?: number;
}

export interface Subscription {
  close(): Promise<void>;
}

export class WrongExpectedVersion extends Error {
  constructor(
    readonly streamId: string,
    readonly expected: ExpectedVersion,
    readonly actual: number,
  ) {
    super(`stream ${streamId} is at version ${actual}, expected ${String(expected)}`);
  }
}

export class WriterLost extends Error {}

/**
 * The log cannot be reached now (its server is down or restarting): nothing was sent, or what was
 * sent is in doubt. Callers answer 503 and are told when to try again; a retry under the same
 * command id (an Idempotency-Key) is decided once.
 */
export class LogUnavailable extends Error {
  readonly status = 503;
  readonly expose = true;
  readonly headers = { 'Retry-After': '1' };
  constructor() {
    super('the event log is unavailable, try again shortly');
  }
}

/**
 * The only writer of a category's events: it holds the category's lease, so the versions it
 * keeps are the truth and an expected version can be checked before anything is written.
 */
export interface CategoryWriter {
  readonly category: string;
  /** Current version of a stream; 0 when it has no events (or its version was forgotten). */
  version(streamId: string): number;
  /**
   * Tells the writer a stream's version it did not read (its events lie before where the replay
   * began: a snapshot holds them). A lower version than the one it knows changes nothing.
   */
  seed(streamId: string, version: number): void;
  /** Lets go of a stream's version, to bound memory; it must be seeded again before its next append. */
  forget(streamId: string): void;
  /** The lease this writer holds: `platform.leases` names its holder while it is held. */
  readonly lease: { name: string; holder: string };
  /**
   * Checks and reserves the versions at once (so appends may be pipelined in order), then
   * resolves when the log has stored the entry. A rejection after the reservation means the
   * writer can no longer be trusted: the caller must stop.
   */
  append(
    streamId: string,
    events: NewEvent[],
    expected: ExpectedVersion,
  ): Promise<{ version: number; events: EventEnvelope[] }>;
  reject(rejection: Rejection): Promise<void>;
  /** Called once when the writer can no longer be trusted (lease or connection lost, append failed). */
  onFailure(listener: (err: Error) => void): void;
  /** Waits for the appends under way, then gives up the lease. */
  close(): Promise<void>;
}

/**
 * The log moved on past what a decision was made on: another instance appended to the aggregate,
 * or refused one of its commands, meanwhile. Nothing was written; the caller reads what it missed
 * and decides again.
 */
export class StaleAggregate extends Error {
  constructor(readonly streamId: string) {
    super(`${streamId} moved on since it was read`);
  }
}

/** Where a read of one aggregate stands: the next read starts after `readTo`. */
export interface AggregateAt {
  /** The position of the last entry read, of any kind. */
  readTo: number;
  /** The position of its last outcome: what the next append or refusal expects to follow. */
  tip: number;
}

/**
 * A category's aggregates for several writers at once, with no lease (JetStream): each loads an
 * aggregate from the log by itself, and the log checks every outcome (events or refusal) against
 * the aggregate's last outcome, so of two decisions made on the same state one is stored and the
 * other is told to read again (`StaleAggregate`).
 */
export interface AggregateWriter {
  readonly category: string;
  /**
   * The aggregate's entries after `from.readTo`: its events and its refusals, in order. Not
   * `fresh`, the read may miss the very latest (a replica's view), which an append then finds.
   */
  load(
    streamId: string,
    from: AggregateAt,
    fresh?: boolean,
  ): Promise<AggregateAt & { entries: LogEntry[] }>;
  /** Appends at version `at.version`, if the aggregate's last outcome is still at `at.tip`. */
  append(
    streamId: string,
    events: NewEvent[],
    at: { version: number; tip: number },
  ): Promise<{ tip: number; events: EventEnvelope[] }>;
  /** Records a refusal, if the aggregate's last outcome is still at `tip`. */
  reject(rejection: Rejection, tip: number): Promise<{ tip: number }>;
}

/** How far a replay has read: its position, and the channel's end when it began. */
export interface CatchUp {
  position: number;
  end: number;
}

export interface EventLog {
  sendCommand(command: CommandEnvelope, kind?: 'command' | 'process'): Promise<void>;
  /**
   * Waits for the category's lease, replays every entry of its event channel through `replay`,
   * and returns the writer once it has caught up with the end of the channel. `from`, asked once
   * the lease is held (so no other writer moves it meanwhile), is the first position to replay:
   * a caller that keeps what lies before elsewhere (snapshots) seeds the writer's versions itself;
   * it is told the lease, for what it records under it meanwhile. A `replay` that returns a
   * promise holds the replay until it settles (a caller that spills to storage as it goes).
   */
  openWriter(
    category: string,
    replay: (entry: LogEntry) => unknown,
    signal?: AbortSignal,
    progress?: (caughtUp: CatchUp) => void,
    from?: (lease: { name: string; holder: string }) => Promise<number>,
  ): Promise<CategoryWriter>;
  /** Present on a log that lets several instances write one category (JetStream). */
  openAggregateWriter?(category: string): Promise<AggregateWriter>;
  /** The position of the channel's end now (a fence written for the purpose: it is an entry). */
  head(category: string, kind: ChannelKind): Promise<number>;
  /**
   * Reads a channel from a position to its current end; resolves with the entries read. A promise
   * from `onDelivery` holds the reading until it settles.
   */
  read(
    category: string,
    kind: ChannelKind,
    from: number,
    onDelivery: (d: Delivery) => unknown,
  ): Promise<number>;
  subscribe(
    category: string,
    kind: ChannelKind,
    options: SubscribeOptions,
    handler: (d: Delivery) => void,
  ): Promise<Subscription>;
  /** Moves a message nobody can process aside, with the reason, so the ones behind it go on. */
  park(category: string, kind: ChannelKind, delivery: Delivery, reason: string): Promise<void>;
  isConnected(): boolean;
  close(): Promise<void>;
}

/**
 * A connection to the log as a role holds it. Added for the second adapter (JetStream); STAN's
 * adapter had it already, so nothing that used it changes.
 */
export interface LogSession extends EventLog {
  /** Called once if the connection is gone for good: the role cannot go on and must restart. */
  onConnectionLost(listener: (err: Error) => void): void;
}

export const channelName = (
  prefix: string,
  category: string,
  kind: ChannelKind | 'parked',
): string => `${prefix}${category}.${kind}`;
