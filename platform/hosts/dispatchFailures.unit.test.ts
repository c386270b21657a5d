import {
  ServiceError,
  WorkflowUpdateFailedError,
  WorkflowUpdateRPCTimeoutOrCancelledError,
} from '@temporalio/client';
import { ApplicationFailure, WorkflowNotFoundError } from '@temporalio/common';
import { isTransient, missingProcess, ProcessRefusal, refusalOf } from './dispatchFailures';

/**
 * An RPC failure as the workflow client throws it: its ServiceError around the native client's
 * (a gRPC status error: code, details, metadata).
 */
const rpc = (code: number, details: string) =>
  new ServiceError('Failed to start Workflow', {
    cause: Object.assign(new Error(`${code} ${details}`), {
      name: 'ServiceError',
      code,
      details,
      metadata: {},
    }),
  });

/** A node-postgres error: the server's SQLSTATE in `code`. */
const pg = (code: string, message: string) =>
  Object.assign(new Error(message), { code, severity: 'ERROR' });

describe('what the dispatcher retries in place', () => {
  it.each([
    ['Temporal unreachable', rpc(14, 'transport error')],
    ['a deadline passed', rpc(4, 'deadline exceeded')],
    ['Temporal overloaded', rpc(8, 'namespace rate limit exceeded')],
    [
      'an Update call that timed out',
      new WorkflowUpdateRPCTimeoutOrCancelledError('timeout', { cause: rpc(4, 'deadline') }),
    ],
    [
      'a refused TCP connection',
      Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' }),
    ],
    ['Postgres shutting down', pg('57P01', 'terminating connection due to administrator command')],
    ['Postgres out of connections', pg('53300', 'sorry, too many clients already')],
    ['a lost Postgres connection', new Error('Connection terminated unexpectedly')],
    ['no pooled connection in time', new Error('timeout exceeded when trying to connect')],
  ])('%s', (_, err) => {
    expect(isTransient(err)).toBe(true);
  });

  it.each([
    ['a bad date (the send whose expiry is out of range)', new RangeError('Invalid time value')],
    ['an argument Temporal refuses', rpc(3, 'WorkflowId length exceeds limit.')],
    ['a value Postgres refuses', pg('22P02', 'invalid input syntax for type uuid: "x"')],
    ['a plain bug', new TypeError("Cannot read properties of undefined (reading 'x')")],
    ['a refusal of ours, whose code is a word', new ProcessRefusal('conflict', 'no')],
  ])('not %s', (_, err) => {
    expect(isTransient(err)).toBe(false);
  });
});

describe('what a command that cannot be carried out is refused as', () => {
  it('the route’s own refusal, a missing process, and a validator’s typed failure keep their codes', () => {
    expect(refusalOf(new ProcessRefusal('not_found', 'no such estimate'))).toEqual({
      code: 'not_found',
      reason: 'no such estimate',
      expected: true,
    });
    expect(refusalOf(new WorkflowNotFoundError('gone', 'estimate-1', undefined))).toMatchObject({
      code: 'conflict',
      expected: true,
    });
    const failed = new WorkflowUpdateFailedError(
      'Workflow Update failed',
      ApplicationFailure.create({
        type: 'forbidden',
        message: 'only the client decides',
        nonRetryable: true,
      }),
    );
    expect(refusalOf(failed)).toEqual({
      code: 'forbidden',
      reason: 'only the client decides',
      expected: true,
    });
    expect(refusalOf(ApplicationFailure.nonRetryable('too late', 'expired'))).toEqual({
      code: 'expired',
      reason: 'too late',
      expected: true,
    });
  });

  it('a failure type that is not a rejection code, and anything unforeseen, as invalid, with the innermost reason', () => {
    expect(refusalOf(ApplicationFailure.nonRetryable('odd', 'SomethingElse'))).toMatchObject({
      code: 'invalid',
      reason: 'odd',
    });
    expect(refusalOf(new RangeError('Invalid time value'))).toEqual({
      code: 'invalid',
      reason: 'the process cannot take this command: Invalid time value',
      expected: false,
    });
    expect(refusalOf(rpc(3, 'WorkflowId length exceeds limit.'))).toMatchObject({
      code: 'invalid',
      reason: expect.stringContaining('WorkflowId length exceeds limit.'),
    });
    expect(refusalOf(new Error('x'.repeat(1000))).reason.length).toBeLessThan(400);
  });
});

describe('a process Temporal did not find, told apart by the status of its latest run', () => {
  it.each([
    ['no run at all: not started yet', null],
    ['a run open now: started since the first call', 'RUNNING'],
    ['continued as new: its next run is open', 'CONTINUED_AS_NEW'],
    ['paused: open, and will take it later', 'PAUSED'],
    ['a status this SDK does not name', 'UNSPECIFIED'],
  ])('%s: waited for', (_, status) => {
    expect(missingProcess(status)).toBe('wait');
  });

  it.each([['COMPLETED'], ['FAILED'], ['CANCELLED'], ['TERMINATED'], ['TIMED_OUT']])(
    '%s: over, refused at once',
    (status) => {
      expect(missingProcess(status)).toBe('over');
    },
  );
});
