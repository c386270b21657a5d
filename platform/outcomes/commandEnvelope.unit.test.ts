import { CommandEnvelopeSchema } from '../../contracts/envelope';
import type { EventEnvelope } from '../../contracts/envelope';
import { follow } from '../hosts/messages';
import { validate } from '../validation';
import { commandEnvelope } from './commandEnvelope';

const ID = '0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f';
const now = new Date('2030-01-01T00:00:00.000Z');

describe('commandEnvelope', () => {
  it('makes a command that starts its own flow: its id is its correlation and its trace, no expected version', () => {
    const c = commandEnvelope(
      { id: ID, type: 'AddTask', streamId: 'project-1', data: { title: 'x' } },
      { userId: 'auth0|a' },
      now,
    );
    expect(c).toEqual({
      id: ID,
      type: 'AddTask',
      streamId: 'project-1',
      expectedVersion: null,
      data: { title: 'x' },
      metadata: {
        traceId: ID.replace(/-/g, ''),
        correlationId: ID,
        causationId: null,
        userId: 'auth0|a',
        timestamp: '2030-01-01T00:00:00.000Z',
      },
    });
    expect(validate(CommandEnvelopeSchema(), c, 'command').ok).toBe(true);
  });

  it('keeps the flow of what caused it, and an expected version when given one', () => {
    const cause = {
      id: '1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f',
      metadata: {
        traceId: 'trace',
        correlationId: 'flow',
        causationId: 'earlier',
        userId: 'auth0|b',
        timestamp: '2029-12-31T00:00:00.000Z',
      },
    } as EventEnvelope;
    const c = commandEnvelope(
      { id: ID, type: 'ModifyProject', streamId: 'project-1', data: {}, expectedVersion: 3 },
      follow(cause),
      now,
    );
    expect(c.expectedVersion).toBe(3);
    expect(c.metadata).toEqual({
      traceId: 'trace',
      correlationId: 'flow',
      causationId: cause.id,
      userId: 'auth0|b',
      timestamp: '2030-01-01T00:00:00.000Z',
    });
  });
});
