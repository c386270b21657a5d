import { compareLogs, type HttpFigures, type LogFigures } from './logComparison';

const w = (shape: string, clients: number, writesPerSec: number, p99: number | null) =>
  ({ shape, clients, writesPerSec, latencyMs: { p99 }, disturbed: false }) as HttpFigures;

const side = (over: Partial<LogFigures> = {}): LogFigures => ({
  users: { failure: null, workloads: [w('spread', 1, 200, 10), w('spread', 8, 800, 20)] },
  boards: { failure: null, workloads: [w('hot', 8, 400, 30)] },
  rebuilds: [{ label: 'mixed', events: 3000, eventsPerSec: 20_000 }],
  projects: { command: { events: 2500, eventsPerSec: 10_000 }, inProcess: null },
  ...over,
});

describe('compareLogs', () => {
  it('puts each workload on both logs side by side, JetStream over STAN', () => {
    const js = side({
      users: { failure: null, workloads: [w('spread', 1, 300, 5), w('spread', 8, 400, 40)] },
      rebuilds: [{ label: 'mixed', events: 3000, eventsPerSec: 30_000 }],
    });
    const c = compareLogs(side(), js)!;
    expect(c.users).toEqual([
      {
        shape: 'spread',
        clients: 1,
        stan: { writesPerSec: 200, p99Ms: 10, disturbed: false },
        jetstream: { writesPerSec: 300, p99Ms: 5, disturbed: false },
        writesRatio: 1.5,
        p99Ratio: 0.5,
      },
      expect.objectContaining({ clients: 8, writesRatio: 0.5, p99Ratio: 2 }),
    ]);
    expect(c.boards[0]).toMatchObject({ shape: 'hot', writesRatio: 1, p99Ratio: 1 });
    expect(c.rebuild).toEqual([
      {
        rebuild: 'users mixed',
        stan: { events: 3000, eventsPerSec: 20_000 },
        jetstream: { events: 3000, eventsPerSec: 30_000 },
        ratio: 1.5,
      },
      expect.objectContaining({ rebuild: 'projects command', ratio: 1 }),
    ]);
  });

  it('leaves out the figures of a stage that failed, and says why', () => {
    const js = side({ boards: { failure: { message: 'gone' }, workloads: [w('hot', 8, 1, 1)] } });
    const [hot] = compareLogs(side(), js)!.boards;
    expect(hot).toMatchObject({
      jetstream: null,
      writesRatio: null,
      p99Ratio: null,
      note: 'jetstream: void (the stage failed)',
    });
  });

  it('has a row for a rebuild only one log measured', () => {
    const js = side({ projects: { command: null, inProcess: { events: 10, eventsPerSec: 5 } } });
    const c = compareLogs(side(), js)!;
    expect(c.rebuild.map((r) => [r.rebuild, r.ratio])).toEqual([
      ['users mixed', 1],
      ['projects command', null],
      ['projects in-process', null],
    ]);
  });

  it('is null unless both logs ran', () => {
    expect(compareLogs(side(), null)).toBeNull();
    expect(compareLogs(null, side())).toBeNull();
  });
});
