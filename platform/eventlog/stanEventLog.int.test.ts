import { eventLogContract } from './eventLog.contract';
import { StanEventLog } from './stanEventLog';
import { PostgresLeases } from '../postgres/lease';
import {
  TEST_STAN,
  testDatabase,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

let db: TestDatabase;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(() => db.drop());

let prefix = testPrefix();
beforeEach(() => {
  prefix = testPrefix();
});

eventLogContract('NATS Streaming', () => ({
  connect: (name) =>
    StanEventLog.connect({
      ...TEST_STAN,
      clientId: `${prefix}${name ?? 'c'}-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    }),
}));
