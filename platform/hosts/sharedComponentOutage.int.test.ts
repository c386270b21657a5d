import type { CommandEnvelope } from '../../contracts/envelope';
import { identityComponent } from '../../components/identity';
import { decodeEntry } from '../eventlog/entries';
import { JetStreamEventLog } from '../eventlog/jetstreamEventLog';
import { PostgresLeases } from '../postgres/lease';
import { testDatabase, testPrefix, uniq, type TestDatabase } from '../../test/support/env';
import { addUserCommand } from '../../test/support/userCommands';
import {
  natsServerBinary,
  startPrivateJetStream,
  type PrivateJetStream,
} from '../../test/support/natsServer';
import { SharedComponentHost } from './sharedComponentHost';

jest.setTimeout(90_000);

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

const registration = (): CommandEnvelope => addUserCommand();

async function until(check: () => Promise<boolean> | boolean, ms: number, what: string) {
  const end = Date.now() + ms;
  while (!(await check())) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

// Kills its own server, never the stack's: skipped where no nats-server binary is at hand.
(binary ? describe : describe.skip)('lease-free components while JetStream is away', () => {
  it('ride out five seconds without the server: every command decided once, nothing fatal', async () => {
    const prefix = testPrefix();
    const connect = (name: string) =>
      JetStreamEventLog.connect({
        url: server.url,
        name: `${prefix}${name}-${uniq()}`,
        prefix,
        leases: new PostgresLeases(db.url, 50),
      });
    const [hostLog, sender] = [await connect('host'), await connect('sender')];
    let lost: Error | null = null;
    hostLog.onConnectionLost((err) => (lost = err));
    const host = new SharedComponentHost(hostLog, identityComponent, {
      ackWaitMs: 2_000,
      retryAfterMs: 200,
    });
    try {
      await host.start();
      const sent: CommandEnvelope[] = [];
      const send = async (n: number) => {
        for (let i = 0; i < n; i++) {
          const c = registration();
          await sender.sendCommand(c);
          sent.push(c);
        }
      };
      await send(5);
      await until(() => host.stats.decided === 5, 10_000, 'the first five');
      // Some still being decided when the server goes: their outcomes are in doubt.
      await send(40);
      await server.kill();
      await new Promise((r) => setTimeout(r, 5_000));
      await server.start();
      await until(() => sender.isConnected() && hostLog.isConnected(), 15_000, 'reconnected');
      await send(5);
      const outcomes = async () => {
        const byCommand = new Map<string, number>();
        await sender.read('user', 'event', 1, (d) => {
          const e = decodeEntry('user', d.position, d.body);
          if (!e.ok || e.value.kind !== 'events') return;
          const id = e.value.events[0]?.metadata.causationId ?? '';
          byCommand.set(id, (byCommand.get(id) ?? 0) + 1);
        });
        return byCommand;
      };
      await until(
        async () => (await outcomes()).size >= sent.length,
        30_000,
        'every command decided',
      );
      const byCommand = await outcomes();
      for (const c of sent) expect(byCommand.get(c.id)).toBe(1);
      expect(lost).toBeNull();
      expect(host.readiness).toBe(true);
    } finally {
      await host.stop();
      await hostLog.close();
      await sender.close();
    }
  });
});
