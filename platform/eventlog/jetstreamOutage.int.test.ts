import { newId } from '../ids';
import { JetStreamEventLog } from './jetstreamEventLog';
import { LogUnavailable, type Delivery } from './port';
import { PostgresLeases } from '../postgres/lease';
import { testDatabase, testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import {
  natsServerBinary,
  startPrivateJetStream,
  type PrivateJetStream,
} from '../../test/support/natsServer';

jest.setTimeout(60_000);

const binary = natsServerBinary();
let db: TestDatabase;
let server: PrivateJetStream;
beforeAll(async () => {
  db = await testDatabase();
  if (binary) server = await startPrivateJetStream(binary);
});
afterAll(async () => {
  await server?.remove();
  await db.drop();
});

const meta = () => ({
  traceId: 't',
  correlationId: newId(),
  causationId: newId(),
  userId: 'auth0|x',
  timestamp: new Date().toISOString(),
});

async function until(check: () => boolean, ms = 10_000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Kills its own server, never the stack's: skipped where no nats-server binary is at hand.
(binary ? describe : describe.skip)('JetStream: the server goes away and comes back', () => {
  it('fails sends at once meanwhile, carries an append through, and delivers again after', async () => {
    const prefix = testPrefix();
    const log = await JetStreamEventLog.connect({
      url: server.url,
      name: `outage-${uniq()}`,
      prefix,
      leases: new PostgresLeases(db.url, 50),
    });
    try {
      const writer = await log.openWriter('user', () => undefined);
      const got: Delivery[] = [];
      const sub = await log.subscribe('user', 'command', { durableName: 'outage' }, (d) => {
        got.push(d);
        d.ack();
      });
      const stream = `user-${newId()}`;
      const command = () => ({
        id: newId(),
        type: 'ModifyUser',
        streamId: stream,
        expectedVersion: null,
        data: { firstName: 'Z' },
        metadata: { ...meta(), causationId: null },
      });
      const added = {
        id: newId(),
        type: 'UserAdded',
        data: {
          id: newId(),
          auth0Id: `auth0|${uniq()}`,
          email: 'a@b.co',
          emailVerified: false,
          firstName: 'A',
          lastName: '',
          picture: '',
          locale: '',
        },
        metadata: meta(),
      };

      await server.kill();
      await until(() => !log.isConnected());
      const started = Date.now();
      await expect(log.sendCommand(command())).rejects.toBeInstanceOf(LogUnavailable);
      expect(Date.now() - started).toBeLessThan(500);
      // An append made while the server is away waits for it (a writer's doubt is settled by
      // sending again under the same message id), instead of failing the writer.
      const appended = writer.append(stream, [added], 0);
      await new Promise((r) => setTimeout(r, 500));
      await server.start();
      await expect(appended).resolves.toMatchObject({ version: 1 });
      await until(() => log.isConnected());

      const after = command();
      await log.sendCommand(after);
      await until(() => got.some((d) => JSON.parse(d.body).id === after.id));
      await expect(
        writer.append(
          stream,
          [{ ...added, id: newId(), type: 'UserModified', data: { firstName: 'B' } }],
          1,
        ),
      ).resolves.toMatchObject({ version: 2 });
      await sub.close();
      await writer.close();
      // The log holds each entry once: the entry, its successor, nothing doubled.
      const entries: string[] = [];
      await log.read('user', 'event', 1, (d) => entries.push(d.body));
      const events = entries.flatMap((b) => (JSON.parse(b) as { events?: unknown[] }).events ?? []);
      expect(events).toHaveLength(2);
    } finally {
      await log.close();
    }
  });
});
