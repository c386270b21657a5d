import type { CommandEnvelope } from '../../contracts/envelope';
import type { LogEntry } from '../../contracts/log';
import { newId } from '../ids';
import { WrongExpectedVersion, type Delivery, type EventLog, type NewEvent } from './port';

/**
 * What every EventLog adapter must do, whatever server is behind it. An adapter's integration
 * test calls this with a factory for fresh, isolated logs (own channels) that share one lease
 * store, so two instances can compete for a category.
 */
export interface ContractHarness {
  /**
   * A new connection to the same isolated log; several may be open at once. Connecting again
   * under the same name is the same consumer coming back (its durable subscriptions resume).
   */
  connect(name?: string): Promise<EventLog>;
}

/** Identity's events and commands, as the contract suite and the log's other suites write them. */
export const meta = () => ({
  traceId: 't',
  correlationId: newId(),
  causationId: newId(),
  userId: 'auth0|x',
  timestamp: new Date().toISOString(),
});
export const added = (label: string): NewEvent => ({
  id: newId(),
  type: 'UserAdded',
  data: {
    id: newId(),
    auth0Id: `auth0|${label}`,
    email: 'a@b.co',
    emailVerified: false,
    firstName: 'A',
    lastName: '',
    picture: '',
    locale: '',
  },
  metadata: meta(),
});
export const modified = (firstName: string): NewEvent => ({
  id: newId(),
  type: 'UserModified',
  data: { firstName },
  metadata: meta(),
});
export const command = (streamId: string): CommandEnvelope => ({
  id: newId(),
  type: 'ModifyUser',
  streamId,
  expectedVersion: null,
  data: { firstName: 'Z' },
  metadata: { ...meta(), causationId: null },
});

const collect = () => {
  const got: Delivery[] = [];
  return { got, handler: (d: Delivery) => got.push(d) };
};

async function until(check: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!check()) {
    if (Date.now() > end) throw new Error('timed out');
    await new Promise((r) => setTimeout(r, 20));
  }
}

export function eventLogContract(name: string, harness: () => ContractHarness): void {
  describe(`EventLog contract: ${name}`, () => {
    const open: EventLog[] = [];
    const connect = async (name?: string) => {
      const log = await harness().connect(name);
      open.push(log);
      return log;
    };
    afterEach(async () => {
      await Promise.all(open.splice(0).map((l) => l.close()));
    });

    it('appends with an expected version and refuses a stale one', async () => {
      const log = await connect();
      const writer = await log.openWriter('user', () => undefined);
      const stream = `user-${newId()}`;
      expect(writer.version(stream)).toBe(0);
      await expect(writer.append(stream, [added('a')], 'no_stream')).resolves.toMatchObject({
        version: 1,
      });
      await expect(writer.append(stream, [modified('B'), modified('C')], 1)).resolves.toMatchObject(
        { version: 3 },
      );
      await expect(writer.append(stream, [modified('D')], 1)).rejects.toBeInstanceOf(
        WrongExpectedVersion,
      );
      await expect(writer.append(stream, [added('a')], 'no_stream')).rejects.toBeInstanceOf(
        WrongExpectedVersion,
      );
      await expect(writer.append(stream, [modified('E')], 'any')).resolves.toMatchObject({
        version: 4,
      });
      await writer.close();
    });

    it('a new writer replays the category and knows every stream version', async () => {
      const log = await connect();
      const first = await log.openWriter('user', () => undefined);
      const a = `user-${newId()}`;
      const b = `user-${newId()}`;
      await Promise.all([
        first.append(a, [added('a')], 0),
        first.append(b, [added('b'), modified('x')], 0),
      ]);
      await first.close();
      const replayed: LogEntry[] = [];
      const second = await (await connect()).openWriter('user', (e) => replayed.push(e));
      expect(second.version(a)).toBe(1);
      expect(second.version(b)).toBe(2);
      const events = replayed.flatMap((e) => (e.kind === 'events' ? e.events : []));
      expect(events.map((e) => `${e.streamId}@${e.version}`)).toEqual(
        expect.arrayContaining([`${a}@1`, `${b}@1`, `${b}@2`]),
      );
      await expect(second.append(b, [modified('y')], 1)).rejects.toBeInstanceOf(
        WrongExpectedVersion,
      );
      await second.close();
    });

    it('keeps one writer per category: a second waits until the first lets go', async () => {
      const one = await connect();
      const two = await connect();
      const first = await one.openWriter('user', () => undefined);
      const stream = `user-${newId()}`;
      let secondOpen = false;
      const pending = two
        .openWriter('user', () => undefined)
        .then((w) => {
          secondOpen = true;
          return w;
        });
      await first.append(stream, [added('a')], 0);
      await new Promise((r) => setTimeout(r, 700));
      expect(secondOpen).toBe(false);
      await first.close();
      const second = await pending;
      // It took over knowing what the first one wrote.
      expect(second.version(stream)).toBe(1);
      await second.close();
    });

    it('refuses an event that breaks its contract, and stays usable', async () => {
      const log = await connect();
      const writer = await log.openWriter('user', () => undefined);
      const stream = `user-${newId()}`;
      const bad = { ...added('a'), data: { email: 'not an email' } };
      await expect(writer.append(stream, [bad], 0)).rejects.toThrow(/refused to append/);
      expect(writer.version(stream)).toBe(0);
      await expect(writer.append(stream, [added('a')], 0)).resolves.toMatchObject({ version: 1 });
      await writer.close();
    });

    it('tells where a channel ends now', async () => {
      const log = await connect();
      const writer = await log.openWriter('user', () => undefined);
      const before = await log.head('user', 'event');
      await writer.append(`user-${newId()}`, [added('h')], 0);
      const after = await log.head('user', 'event');
      // Our entry and the fence that marks the end.
      expect(after).toBe(before + 2);
      await writer.close();
    });

    it('reads a channel from a position to its end', async () => {
      const log = await connect();
      const writer = await log.openWriter('user', () => undefined);
      for (let i = 0; i < 5; i++) await writer.append(`user-${newId()}`, [added(String(i))], 0);
      const all: number[] = [];
      await log.read('user', 'event', 1, (d) => all.push(d.position));
      const later: number[] = [];
      await log.read('user', 'event', all[2]!, (d) => later.push(d.position));
      expect(later[0]).toBe(all[2]);
      expect(later.length).toBeLessThan(all.length);
      await writer.close();
    });

    it('reads a long channel in order, in slices, and says how far a replay has come', async () => {
      const log = await connect();
      const writer = await log.openWriter('user', () => undefined);
      // More than the read window (4096) and many slices of 512.
      await Promise.all(
        Array.from({ length: 5000 }, (_, i) =>
          writer.append(`user-${newId()}`, [added(String(i))], 0),
        ),
      );
      await writer.close();
      const positions: number[] = [];
      const progress: Array<{ position: number; end: number }> = [];
      const again = await log.openWriter(
        'user',
        (e) => e.kind === 'events' && positions.push(e.position),
        undefined,
        (p) => progress.push(p),
      );
      expect(positions.length).toBeGreaterThanOrEqual(5000);
      expect(positions).toEqual([...positions].sort((a, b) => a - b));
      const end = progress[0]!.end;
      expect(progress[0]).toEqual({ position: 0, end });
      expect(progress.length).toBeGreaterThan(4);
      expect(progress.every((p) => p.end === end && p.position <= end)).toBe(true);
      await again.close();
    });

    it('delivers commands to a durable subscription that resumes after its last acknowledgement', async () => {
      const sender = await connect();
      const stream = `user-${newId()}`;
      const first = collect();
      const consumer = await connect('consumer');
      const sub = await consumer.subscribe(
        'user',
        'command',
        { durableName: 'contract', maxInFlight: 10 },
        first.handler,
      );
      const sent = [command(stream), command(stream), command(stream)];
      for (const c of sent) await sender.sendCommand(c);
      await until(() => first.got.length === 3);
      expect(first.got.map((d) => JSON.parse(d.body).id)).toEqual(sent.map((c) => c.id));
      first.got[0]!.ack();
      first.got[1]!.ack();
      await sub.close();
      await consumer.close();
      const later = command(stream);
      await sender.sendCommand(later);
      const again = collect();
      const resumed = await (
        await connect('consumer')
      ).subscribe('user', 'command', { durableName: 'contract', maxInFlight: 10 }, again.handler);
      await until(() => again.got.length >= 2);
      // The unacknowledged third command comes again, then the new one; the acknowledged ones never.
      expect(again.got.map((d) => JSON.parse(d.body).id)).toEqual([sent[2]!.id, later.id]);
      await resumed.close();
    });

    it('parks a message aside, acknowledged, with the reason', async () => {
      const log = await connect();
      const stream = `user-${newId()}`;
      await log.sendCommand(command(stream));
      const got = collect();
      const sub = await log.subscribe('user', 'command', { durableName: 'parker' }, got.handler);
      await until(() => got.got.length === 1);
      await log.park('user', 'command', got.got[0]!, 'test reason');
      await sub.close();
      const parked: string[] = [];
      // The parked channel is read like any other.
      await log.read('user', 'parked' as never, 1, (d) => parked.push(d.body));
      expect(parked.map((b) => JSON.parse(b))).toEqual([
        expect.objectContaining({ reason: 'test reason', position: got.got[0]!.position }),
      ]);
    });
  });
}
