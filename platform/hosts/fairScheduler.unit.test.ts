import { FairScheduler, type FairLimits } from './fairScheduler';

/** Jobs the test finishes by hand, recording which started when. */
function harness(limits: FairLimits) {
  const started: string[] = [];
  const finishers = new Map<string, (fail?: Error) => void>();
  const errors: string[] = [];
  const scheduler = new FairScheduler(limits, (err, job) =>
    errors.push(`${job.key}: ${(err as Error).message}`),
  );
  const submit = (key: string, user: string, stream = `s-${key}`) =>
    scheduler.submit({
      key,
      user,
      stream,
      run: () =>
        new Promise<void>((resolve, reject) => {
          started.push(key);
          finishers.set(key, (fail) => (fail ? reject(fail) : resolve()));
        }),
    });
  // Jobs start on a microtask; settle lets them and the scheduler's bookkeeping run.
  const settle = () => new Promise((r) => setImmediate(r));
  const finish = async (key: string, fail?: Error) => {
    const done = finishers.get(key);
    if (!done) throw new Error(`${key} is not running`);
    finishers.delete(key);
    done(fail);
    await settle();
  };
  const running = () => [...finishers.keys()].sort();
  return { scheduler, submit, settle, finish, running, started, errors };
}

describe('FairScheduler', () => {
  it('runs no more than the total, nor more than a user’s share, at once', async () => {
    const h = harness({ total: 4, perUser: 2, perStream: 1 });
    for (let i = 1; i <= 10; i++) h.submit(`a${i}`, 'a');
    await h.settle();
    expect(h.running()).toEqual(['a1', 'a2']);
    expect(h.scheduler.queued).toBe(8);

    // Another user is not behind the first one's backlog.
    h.submit('b1', 'b');
    h.submit('b2', 'b');
    h.submit('b3', 'b');
    h.submit('c1', 'c');
    await h.settle();
    expect(h.running()).toEqual(['a1', 'a2', 'b1', 'b2']);
    expect(h.scheduler.running).toBe(4);

    // A freed slot goes to whoever is under their share and next in turn: c, not a or b.
    await h.finish('a1');
    expect(h.running()).toEqual(['a2', 'b1', 'b2', 'c1']);
    // Then a, whose backlog came first, and b, each back under their share, take turns.
    await h.finish('b1');
    expect(h.running()).toEqual(['a2', 'a3', 'b2', 'c1']);
    await h.finish('a2');
    expect(h.running()).toEqual(['a3', 'b2', 'b3', 'c1']);
  });

  it('serves users in turn, so a late user waits for one slot, not for the backlog', async () => {
    const h = harness({ total: 2, perUser: 2, perStream: 1 });
    for (let i = 1; i <= 8; i++) h.submit(`a${i}`, 'a');
    h.submit('b1', 'b');
    h.submit('b2', 'b');
    h.submit('c1', 'c');
    await h.settle();
    // Finish the oldest running job each time, as a steady stream of completions.
    while (h.running().length) await h.finish(h.started.find((k) => h.running().includes(k))!);
    expect(h.started).toEqual(['a1', 'a2', 'a3', 'b1', 'c1', 'a4', 'b2', 'a5', 'a6', 'a7', 'a8']);
  });

  it('runs one job of a stream at a time, a user’s in the order they came, and lets other streams past', async () => {
    const h = harness({ total: 8, perUser: 8, perStream: 1 });
    h.submit('x1', 'a', 'estimate-1');
    h.submit('x2', 'a', 'estimate-1');
    h.submit('x3', 'a', 'estimate-1');
    h.submit('y1', 'a', 'estimate-2');
    h.submit('z1', 'b', 'estimate-1');
    await h.settle();
    expect(h.running()).toEqual(['x1', 'y1']);
    await h.finish('x1');
    expect(h.running()).toHaveLength(2);
    const next = h.running().find((k) => k !== 'y1')!;
    await h.finish(next);
    await h.finish(h.running().find((k) => k !== 'y1')!);
    await h.finish(h.running().find((k) => k !== 'y1')!);
    // a's jobs on estimate-1 kept their order; b's went between them, never beside them.
    expect(h.started.filter((k) => k.startsWith('x'))).toEqual(['x1', 'x2', 'x3']);
    expect(h.started).toContain('z1');
  });

  it('takes a key already queued or running once, and again after it finished', async () => {
    const h = harness({ total: 1, perUser: 1, perStream: 1 });
    expect(h.submit('p1', 'a')).toBe(true);
    expect(h.submit('p2', 'a')).toBe(true);
    await h.settle();
    // Offered again while under way, and while waiting: not taken.
    expect(h.submit('p1', 'a')).toBe(false);
    expect(h.submit('p2', 'b')).toBe(false);
    await h.finish('p1');
    expect(h.running()).toEqual(['p2']);
    await h.finish('p2');
    expect(h.started).toEqual(['p1', 'p2']);
    // Done (and, in the dispatcher, acknowledged or left to the log): a later offer runs it again.
    expect(h.submit('p1', 'a')).toBe(true);
    await h.settle();
    expect(h.started).toEqual(['p1', 'p2', 'p1']);
  });

  it('frees the slot of a job that failed, and forgets what had not started when told to', async () => {
    const h = harness({ total: 1, perUser: 1, perStream: 1 });
    h.submit('f1', 'a');
    h.submit('f2', 'a');
    h.submit('f3', 'b');
    await h.settle();
    await h.finish('f1', new Error('boom'));
    expect(h.errors).toEqual(['f1: boom']);
    expect(h.running()).toHaveLength(1);
    expect(h.scheduler.dropQueued()).toBe(1);
    const idle = h.scheduler.whenIdle();
    await h.finish(h.running()[0]!);
    await idle;
    expect(h.scheduler.running + h.scheduler.queued).toBe(0);
    expect(h.started).toHaveLength(2);
    // A dropped key can be offered again.
    expect(h.submit('f2', 'a') && h.submit('f3', 'b')).toBe(true);
  });

  it('refuses limits that would stall it', () => {
    expect(() => new FairScheduler({ total: 0, perUser: 1, perStream: 1 })).toThrow(/total/);
    expect(() => new FairScheduler({ total: 4, perUser: 1.5, perStream: 1 })).toThrow(/perUser/);
  });
});
