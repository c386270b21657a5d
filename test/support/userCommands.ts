import type { CommandEnvelope, Metadata } from '../../contracts/envelope';
import { newId } from '../../platform/ids';

/** What a test's command carries besides its body: sent by nobody in particular, now. */
export const testMetadata = (): Metadata => ({
  traceId: 't',
  correlationId: 'c',
  causationId: null,
  userId: 'auth0|test',
  timestamp: new Date().toISOString(),
});

/** A registration of the user `id` (a new one by default): the identity component's creation. */
export const addUserCommand = (id: string = newId()): CommandEnvelope => ({
  id: newId(),
  type: 'AddUser',
  streamId: `user-${id}`,
  expectedVersion: null,
  data: {
    id,
    auth0Id: `auth0|${id}`,
    email: 'test@example.com',
    emailVerified: true,
    firstName: 'T',
    lastName: '',
    picture: '',
    locale: '',
  },
  metadata: testMetadata(),
});

/** A change of a registered user's first name, at an expected version or any. */
export const modifyUserCommand = (
  id: string,
  firstName: string,
  expectedVersion: number | null = null,
): CommandEnvelope => ({
  id: newId(),
  type: 'ModifyUser',
  streamId: `user-${id}`,
  expectedVersion,
  data: { firstName },
  metadata: testMetadata(),
});
