import type { Lease } from '../lease';
import { newId } from '../ids';
import { LogUnavailable, WriterLost, type NewEvent } from './port';
import { StanCategoryWriter, type WriterSession } from './stanEventLog';

/**
 * The writer sends what was appended together (in one run of code) in one go. A session that
 * records what was published and lets the test acknowledge each message (in any order, or with an
 * error) shows that every entry is still its own message, in order, answered to its own caller.
 */
class FakeSession implements WriterSession {
  /** Every publishAll call: the bodies sent together, and how to answer each. */
  readonly batches: Array<{ bodies: string[]; answer: (i: number, err?: Error) => void }> = [];
  private interrupted: Array<() => void> = [];
  closed = false;

  publishAll(
    _channel: string,
    bodies: readonly string[],
    settled: (i: number, err: Error | null) => void,
  ): void {
    this.batches.push({ bodies: [...bodies], answer: (i, err) => settled(i, err ?? null) });
  }
  onConnectionLost(): void {}
  onInterrupted(listener: () => void): void {
    this.interrupted.push(listener);
  }
  close(): Promise<void> {
    this.closed = true;
    return Promise.resolve();
  }
  /** The bodies' event ids, batch by batch. */
  sent(): string[][] {
    return this.batches.map((b) =>
      b.bodies.map((body) => {
        const entry = JSON.parse(body) as { events?: Array<{ id: string }>; rejection?: unknown };
        return entry.events ? entry.events.map((e) => e.id).join('+') : 'rejection';
      }),
    );
  }
}

function fakeLease(): Lease & { held: boolean; confirmNext: () => void; lose: () => void } {
  let confirmed: (() => void) | null = null;
  const lost: Array<(err: Error) => void> = [];
  const lease = {
    name: 'writer:user',
    holder: newId(),
    safeAfter: 0,
    held: true,
    onLost: (listener: (err: Error) => void) => void lost.push(listener),
    lose: () => {
      lease.held = false;
      for (const l of lost) l(new Error('taken over'));
    },
    isHeld: () => lease.held,
    confirm: () =>
      new Promise<void>((resolve) => {
        confirmed = () => {
          lease.held = true;
          resolve();
        };
      }),
    confirmNext: () => confirmed?.(),
    release: () => Promise.resolve(),
  };
  return lease;
}

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

const turn = () => new Promise((r) => setImmediate(r));
const stream = () => `user-${newId()}`;

function open() {
  const session = new FakeSession();
  const lease = fakeLease();
  const writer = new StanCategoryWriter(session, 'user', 'p.user.event', new Map(), lease);
  return { session, lease, writer };
}

describe('a category writer sends what was appended together in one go', () => {
  it('one batch, in call order, each entry its own message answered to its own caller', async () => {
    const { session, writer } = open();
    const a = stream();
    const b = stream();
    const events = [modified('1'), modified('2'), modified('3'), modified('4')];
    const appended = [
      writer.append(a, [events[0]!], 0),
      writer.append(b, [events[1]!, events[2]!], 0),
      writer.append(a, [events[3]!], 1),
    ];
    const refused = writer.reject({
      commandId: newId(),
      commandType: 'ModifyUser',
      code: 'invalid',
      reason: 'r',
      streamId: b,
      metadata: events[0]!.metadata,
    });
    // The versions are reserved at once, before anything is sent.
    expect([writer.version(a), writer.version(b)]).toEqual([2, 2]);
    expect(session.batches).toHaveLength(0);
    await turn();
    expect(session.sent()).toEqual([
      [events[0]!.id, `${events[1]!.id}+${events[2]!.id}`, events[3]!.id, 'rejection'],
    ]);
    // Answered out of order: each caller still gets its own entry's outcome.
    const [batch] = session.batches;
    for (const i of [2, 3, 0, 1]) batch!.answer(i);
    const results = await Promise.all(appended);
    expect(results.map((r) => r.version)).toEqual([1, 2, 2]);
    expect(results.map((r) => r.events.map((e) => e.id))).toEqual([
      [events[0]!.id],
      [events[1]!.id, events[2]!.id],
      [events[3]!.id],
    ]);
    expect(results[1]!.events.map((e) => `${e.streamId}@${e.version}`)).toEqual([
      `${b}@1`,
      `${b}@2`,
    ]);
    await expect(refused).resolves.toBeUndefined();
    // The next turn's appends are the next batch.
    const later = writer.append(b, [modified('5')], 2);
    await turn();
    expect(session.batches).toHaveLength(2);
    session.batches[1]!.answer(0);
    await expect(later).resolves.toMatchObject({ version: 3 });
    await writer.close();
  });

  it('a failure in the middle of a batch rejects exactly the entry it hit, and nothing is sent after it', async () => {
    const { session, writer } = open();
    const failures: Error[] = [];
    writer.onFailure((err) => failures.push(err));
    const settled = [stream(), stream(), stream()].map((s) =>
      writer.append(s, [modified('x')], 0).then(
        (r) => ({ ok: r.version }),
        (err: unknown) => ({ err }),
      ),
    );
    await turn();
    const [batch] = session.batches;
    batch!.answer(0);
    batch!.answer(1, new LogUnavailable());
    batch!.answer(2);
    const [first, second, third] = await Promise.all(settled);
    // Stored: the first and the third (their acknowledgements came); the second is in doubt.
    expect(first).toEqual({ ok: 1 });
    expect(third).toEqual({ ok: 1 });
    expect(second).toEqual({ err: expect.any(WriterLost) });
    expect(failures).toHaveLength(1);
    expect((second as { err: Error }).err).toBe(failures[0]);
    // The writer can no longer be trusted: refused at once, and nothing more goes out.
    await expect(writer.append(stream(), [modified('y')], 0)).rejects.toBe(failures[0]);
    await turn();
    expect(session.batches).toHaveLength(1);
    await writer.close();
    expect(session.closed).toBe(true);
  });

  it('an entry made just before the writer failed is refused, not sent', async () => {
    const { session, lease, writer } = open();
    const appended = writer.append(stream(), [modified('1')], 0);
    lease.lose();
    await expect(appended).rejects.toBeInstanceOf(WriterLost);
    await turn();
    expect(session.batches).toHaveLength(0);
    await writer.close();
  });

  it('a batch waits, in order with what follows, while the lease is being confirmed', async () => {
    const { session, lease, writer } = open();
    lease.held = false;
    const s = stream();
    const first = writer.append(s, [modified('1')], 0);
    await turn();
    const second = writer.append(s, [modified('2')], 1);
    await turn();
    // Neither goes out before the lease is known to be held again.
    expect(session.batches).toHaveLength(0);
    lease.confirmNext();
    await turn();
    expect(session.batches.map((b) => b.bodies.length)).toEqual([1, 1]);
    session.batches[1]!.answer(0);
    session.batches[0]!.answer(0);
    await expect(first).resolves.toMatchObject({ version: 1 });
    await expect(second).resolves.toMatchObject({ version: 2 });
    await writer.close();
  });

  it('close waits for the entries still unanswered', async () => {
    const { session, writer } = open();
    const appended = writer.append(stream(), [modified('1')], 0);
    let closed = false;
    const closing = writer.close().then(() => (closed = true));
    await turn();
    await turn();
    expect(closed).toBe(false);
    session.batches[0]!.answer(0);
    await closing;
    await expect(appended).resolves.toMatchObject({ version: 1 });
    expect(session.closed).toBe(false);
  });
});
