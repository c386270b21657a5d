import { eventLogContract } from './eventLog.contract';
import { StanEventLog } from './stanEventLog';
import { newId } from '../ids';
import { PostgresLeases } from '../postgres/lease';
import type { NewEvent } from './port';
import {
  TEST_STAN,
  testDatabase,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

const modified = (firstName: string): NewEvent => ({
  id: newId(),
  type: 'UserModified',
  data: { firstName },
  metadata: {
    traceId: 't',
    correlationId: newId(),
    causationId: newId(),
    userId: 'auth0|x',
    timestamp: new Date().toISOString(),
  },
});

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

describe('appends sent together', () => {
  it('are stored in the order they were made, each answered with its own entry', async () => {
    const log = await StanEventLog.connect({
      ...TEST_STAN,
      clientId: `${prefix}together-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    try {
      const writer = await log.openWriter('user', () => undefined);
      const streams = Array.from({ length: 5 }, () => `user-${newId()}`);
      const ids: string[] = [];
      // Made in one turn: 200 appends over 5 streams, so each stream's versions follow one another.
      const appended = Array.from({ length: 200 }, (_, i) => {
        const streamId = streams[i % streams.length]!;
        const event = modified(`n${i}`);
        ids.push(event.id);
        return writer.append(streamId, [event], Math.floor(i / streams.length));
      });
      const results = await Promise.all(appended);
      expect(results.map((r) => r.events[0]!.id)).toEqual(ids);
      expect(results.map((r) => r.version)).toEqual(
        Array.from({ length: 200 }, (_, i) => Math.floor(i / streams.length) + 1),
      );
      await writer.close();
      const stored: string[] = [];
      await log.read('user', 'event', 1, (d) => {
        const entry = JSON.parse(d.body) as { events?: Array<{ id: string }> };
        if (entry.events) stored.push(entry.events[0]!.id);
      });
      expect(stored).toEqual(ids);
    } finally {
      await log.close();
    }
  });
});
