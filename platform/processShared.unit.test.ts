import { processShared } from './processShared';

describe('processShared', () => {
  it('opens once for every role, and closes when the last lets go', async () => {
    const events: string[] = [];
    let n = 0;
    const acquire = processShared(
      async () => (events.push('open'), ++n),
      async (v) => void events.push(`close ${v}`),
    );
    const [a, b] = await Promise.all([acquire(), acquire()]);
    expect([a.value, b.value]).toEqual([1, 1]);
    await a.release();
    await a.release(); // a second release of the same lease counts once
    expect(events).toEqual(['open']);
    await b.release();
    expect(events).toEqual(['open', 'close 1']);
    // Asked again after it closed: a new one.
    const c = await acquire();
    expect(c.value).toBe(2);
    await c.release();
    expect(events).toEqual(['open', 'close 1', 'open', 'close 2']);
  });

  it('forgets one that failed to open, so the next role tries again', async () => {
    let attempts = 0;
    const acquire = processShared(
      async () => {
        if (++attempts === 1) throw new Error('server not up yet');
        return attempts;
      },
      async () => undefined,
    );
    await expect(Promise.all([acquire(), acquire()])).rejects.toThrow('server not up yet');
    const lease = await acquire();
    expect(lease.value).toBe(2);
    await lease.release();
  });
});
