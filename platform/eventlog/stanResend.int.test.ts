import type { CommandEnvelope } from '../../contracts/envelope';
import { startHoldingProxy, type HoldingProxy } from '../../test/support/holdingProxy';
import { TEST_STAN, testDatabase, testLog, testPrefix, uniq } from '../../test/support/env';
import type { TestDatabase } from '../../test/support/env';
import { newId } from '../ids';
import { PostgresLeases } from '../postgres/lease';
import { StanEventLog } from './stanEventLog';

jest.setTimeout(30_000);

/**
 * A clustered log electing a new leader drops what is published meanwhile and never answers it.
 * Commands and fences, which may land twice, are sent again while unanswered rather than waited
 * for through the client's whole 10 s ack timeout. Here the server's answers are held back (a
 * proxy between client and server), so that the copies all land and can be counted.
 */
let db: TestDatabase;
let proxy: HoldingProxy;
let prefix: string;
let log: StanEventLog;
beforeAll(async () => {
  db = await testDatabase();
});
afterAll(() => db.drop());
beforeEach(async () => {
  prefix = testPrefix();
  proxy = await startHoldingProxy(Number(new URL(TEST_STAN.url).port));
  log = await StanEventLog.connect({
    url: `nats://127.0.0.1:${proxy.port}`,
    clusterId: TEST_STAN.clusterId,
    clientId: `${prefix}held-${uniq()}`,
    prefix,
    leases: new PostgresLeases(db.url, 50),
  });
});
afterEach(async () => {
  proxy.release();
  await log.close();
  await proxy.close();
});

const command = (): CommandEnvelope => ({
  id: newId(),
  type: 'ModifyUser',
  streamId: `user-${newId()}`,
  expectedVersion: null,
  data: { firstName: 'Z' },
  metadata: {
    traceId: 't',
    correlationId: newId(),
    causationId: null,
    userId: 'auth0|x',
    timestamp: new Date().toISOString(),
  },
});

async function bodies(category: string, kind: 'command' | 'event'): Promise<string[]> {
  const reader = await testLog(db, prefix, 'reader');
  try {
    const got: string[] = [];
    await reader.read(category, kind, 1, (d) => got.push(d.body));
    return got;
  } finally {
    await reader.close();
  }
}

it('sends an unanswered command again, each copy the same command, and resolves on an answer', async () => {
  const sent = command();
  proxy.hold();
  const sending = log.sendCommand(sent);
  await new Promise((r) => setTimeout(r, 2_500));
  proxy.release();
  await sending;
  const copies = (await bodies('user', 'command')).map((b) => JSON.parse(b) as { id: string });
  // The first send, then one copy a second: what the component dedupes by its id.
  expect(copies.length).toBeGreaterThanOrEqual(2);
  expect(new Set(copies.map((c) => c.id))).toEqual(new Set([sent.id]));
});

it('reads to the end with its fence sent again while unanswered', async () => {
  await log.sendCommand(command());
  proxy.hold();
  const seen: number[] = [];
  const reading = log.read('user', 'command', 1, (d) => seen.push(d.position));
  await new Promise((r) => setTimeout(r, 2_500));
  proxy.release();
  expect(await reading).toBe(1);
  expect(seen).toEqual([1]);
});
