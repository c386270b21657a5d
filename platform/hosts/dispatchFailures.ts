import {
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import {
  ApplicationFailure,
  NamespaceNotFoundError,
  WorkflowNotFoundError,
} from '@temporalio/common';
import type { RejectionCode } from '../../contracts/outcomes';

/** A refusal the route decided itself, before asking Temporal. */
export class ProcessRefusal extends Error {
  constructor(
    readonly code: RejectionCode,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Whether a command sent to a process Temporal did not find can still reach it, from the status of
 * the workflow id's latest run (null: no run at all). Temporal answers an Update to a run that has
 * ended as it answers one to a run that never started (not found), so only a second look tells
 * them apart:
 * - `wait`: no run yet, as when a process starts a moment after what the caller saw (the
 *   dispatcher waits a few seconds for it), or one is open now (started, or continued as new,
 *   since the first call): tried again;
 * - `over`: the process has ended and nothing will take the command: refused at once.
 */
export function missingProcess(status: string | null): 'wait' | 'over' {
  return status !== null && ENDED.has(status) ? 'over' : 'wait';
}

/** Workflow execution statuses of a run that has closed and takes nothing more. */
const ENDED = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'TERMINATED', 'TIMED_OUT']);

/** gRPC status codes (the protocol's numbers). */
const grpc = {
  CANCELLED: 1,
  UNKNOWN: 2,
  DEADLINE_EXCEEDED: 4,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const CODES: readonly RejectionCode[] = [
  'conflict',
  'already_exists',
  'not_found',
  'invalid',
  'forbidden',
  'expired',
];

/**
 * gRPC statuses that say the server (or the way to it) could not answer now, not that the request
 * is wrong: the SDK's own retryable set, plus deadlines and cancellations. UNAUTHENTICATED and
 * PERMISSION_DENIED are the deployment's to fix; refusing every command meanwhile would lose them.
 */
const TRANSIENT_GRPC = new Set<number>([
  grpc.UNAVAILABLE,
  grpc.DEADLINE_EXCEEDED,
  grpc.RESOURCE_EXHAUSTED,
  grpc.ABORTED,
  grpc.CANCELLED,
  grpc.UNKNOWN,
  grpc.UNAUTHENTICATED,
  grpc.PERMISSION_DENIED,
]);

const TRANSIENT_NET = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENETDOWN',
  'EAI_AGAIN',
  'ENOTFOUND',
  'EADDRNOTAVAIL',
]);

/**
 * Postgres SQLSTATEs of a server that is away, overloaded or shutting down, or of a transaction
 * that lost a race: connection exceptions (08), insufficient resources (53), operator
 * intervention (57P01-03, 57014 a cancelled statement), serialization failure, deadlock, lock
 * not available.
 */
const transientSqlState = (s: string): boolean =>
  /^(08...|53...|57P0[1-3]|57014|40001|40P01|55P03)$/.test(s);

/** node-postgres and its pool say a lost or unobtainable connection in words, without a code. */
const PG_CONNECTION =
  /Connection terminated|Connection ended unexpectedly|timeout exceeded when trying to connect|Client has encountered a connection error|Client was closed and is not queryable/i;

/** gRPC INTERNAL is transient only as an HTTP/2 stream reset (the SDK's own reading). */
const RESET_STREAM = /RST_STREAM with code [02]|Call ended without gRPC status/i;

/**
 * True when the same call may well succeed in a moment: the server (Temporal, Postgres) is
 * unreachable, overloaded or restarting. Looks through the error's causes (the SDK wraps the
 * gRPC error in its own).
 */
export function isTransient(err: unknown): boolean {
  let e: unknown = err;
  for (
    let depth = 0;
    e instanceof Error && depth < 6;
    depth++, e = (e as { cause?: unknown }).cause
  ) {
    if (
      e instanceof WorkflowUpdateRPCTimeoutOrCancelledError ||
      e instanceof NamespaceNotFoundError
    )
      return true;
    // The native client's lost connection.
    if (e.name === 'TransportError') return true;
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'number' && isGrpcError(e)) {
      if (TRANSIENT_GRPC.has(code)) return true;
      if (
        code === grpc.INTERNAL &&
        RESET_STREAM.test(`${(e as { details?: string }).details ?? ''} ${e.message}`)
      )
        return true;
    }
    if (typeof code === 'string' && (TRANSIENT_NET.has(code) || transientSqlState(code)))
      return true;
    if (PG_CONNECTION.test(e.message)) return true;
  }
  return false;
}

/** A gRPC status error from either client: grpc-js's, or the native (Rust) one's. */
const isGrpcError = (e: Error): boolean =>
  'details' in e || e.name === 'ServiceError' || e.constructor.name === 'ServiceError';

/**
 * What the command's sender is told when its command cannot be carried out and trying again will
 * not change that: a refusal the route or the workflow decided (its code), or anything else that
 * is not known to be transient (bad input Temporal or our own code refuses), as `invalid`.
 */
export function refusalOf(err: unknown): {
  code: RejectionCode;
  reason: string;
  expected: boolean;
} {
  if (err instanceof ProcessRefusal) return { code: err.code, reason: err.message, expected: true };
  if (err instanceof WorkflowNotFoundError)
    return {
      code: 'conflict',
      reason: 'that process is not running (not sent, or already over)',
      expected: true,
    };
  if (err instanceof WorkflowUpdateFailedError) {
    const cause = err.cause as { type?: string; message?: string } | undefined;
    return { code: codeOf(cause?.type), reason: cause?.message ?? err.message, expected: true };
  }
  if (err instanceof ApplicationFailure)
    return { code: codeOf(err.type), reason: err.message, expected: true };
  return {
    code: 'invalid',
    reason: `the process cannot take this command: ${describeError(err)}`,
    expected: false,
  };
}

const codeOf = (type: string | null | undefined): RejectionCode =>
  CODES.find((c) => c === type) ?? 'invalid';

/** The innermost message (the SDK's wrapper says only that a call failed), kept short. */
export function describeError(err: unknown): string {
  let e: unknown = err;
  let message = String(err);
  for (
    let depth = 0;
    e instanceof Error && depth < 6;
    depth++, e = (e as { cause?: unknown }).cause
  ) {
    message = (e as { details?: string }).details || e.message || message;
  }
  return message.length > 300 ? `${message.slice(0, 297)}...` : message;
}
