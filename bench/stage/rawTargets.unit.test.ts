import type { BoardReport, BoardsResult } from './boards';
import type { RawReport, RawWorkload } from './raw';
import { rawShares, rawTargets } from './rawTargets';
import type { UsersResult } from './users';

const summary = (p50: number, p99: number) => ({ n: 100, p50, p90: p99, p99, max: p99, mean: p50 });
const stage = { n: 1, p50: 1, p90: 1, p99: 1, max: 1, mean: 1 };
const stages = {
  joined: 1,
  httpToCommandMs: stage,
  commandToDecisionMs: stage,
  decisionToProjectorTxMs: stage,
  projectorTxToAnswerMs: stage,
  projectorTransactions: 1,
  outcomesPerTransaction: 1,
};

const board = (
  shape: BoardReport['shape'],
  clients: number,
  writesPerSec: number,
  latency: [number, number],
  cpuMs = 1.2,
): BoardReport =>
  ({
    shape,
    clients,
    writesPerSec,
    answeredPerSec: writesPerSec,
    latencyMs: summary(...latency),
    conflicts: { notStale: { commands: 10, status409: 0, status422: 0, rate: 0 } },
    cpuCores: { machineTotal: 1, system: 0.5 },
    cpuMsPerWrite: { machineTotal: cpuMs },
    cpuMsPerAcceptedWrite: { machineTotal: cpuMs, system: 0.6 },
    ownCpuMsPerAcceptedWrite: 0.9,
    disturbed: false,
    inside: null,
    seconds: 4,
    stages,
    stagesByKind: { add: stages, edit: stages, move: stages },
    reads: { n: 0, perSec: 0, latencyMs: summary(1, 1), errors: 0 },
  }) as unknown as BoardReport;

const rawAt = (clients: number, writesPerSec: number, p50: number): RawWorkload => ({
  clients,
  inserts: writesPerSec * 4,
  seconds: 4,
  writesPerSec,
  latencyMs: summary(p50, p50 * 3),
  errors: 0,
  cpuCores: { machineTotal: 1, other: 0.5 },
  cpuMsPerInsert: {
    machineTotal: 0.2,
    postgres: 0.15,
    ownBackends: 0.1,
    benchClient: 0.05,
    'ownBackends+benchClient': 0.15,
  },
  disturbed: false,
});

const raw: RawReport = {
  table: 't',
  bodyBytes: 200,
  workloads: [rawAt(1, 1000, 1), rawAt(8, 4000, 1.5), rawAt(32, 5000, 5)],
  failure: null,
};

const boardsOf = (workloads: BoardReport[]): BoardsResult => ({
  setup: { boards: new Array(50), hot: [], seconds: 1, writes: 1 },
  workloads,
  records: new Map(),
  profiles: [],
  failure: null,
});

const met = (ts: ReturnType<typeof rawTargets>) =>
  Object.fromEntries(ts.map((t) => [t.name, t.met]));

describe('rawTargets', () => {
  const good = boardsOf([
    board('spread', 1, 150, [4, 8]),
    board('spread', 8, 450, [9, 12]),
    board('spread', 32, 600, [30, 60]),
    board('spreadAddsEdits', 1, 120, [4.5, 8]),
    board('spreadAddsEdits', 8, 400, [9, 13]),
    board('spreadAddsEdits', 32, 500, [30, 60]),
  ]);

  it('meets each target when every ratio is within it', () => {
    const ts = rawTargets(raw, good, true);
    expect(ts).toHaveLength(6);
    expect(ts.every((t) => t.met)).toBe(true);
    expect(ts[0]!.measured).toMatch(/^12% \(120 vs 1000 writes\/s/);
    expect(ts[3]!.measured).toMatch(
      /^1.2 ms at 32 clients .* so a board write costs 6× a raw INSERT/,
    );
    expect(ts[3]!.measured).toMatch(
      /own processes .*: 0.9 ms per accepted board write against 0.15 ms per raw INSERT/,
    );
  });

  it('misses a share below 10% at that concurrency only, and says where the time goes', () => {
    const b = boardsOf(
      good.workloads.map((w) =>
        w.shape === 'spreadAddsEdits' && w.clients === 8 ? { ...w, writesPerSec: 399 } : w,
      ),
    );
    const ts = rawTargets(raw, b, true);
    const share8 = ts.find((t) => t.name.includes('share of raw INSERT, 8 clients'))!;
    expect(share8.met).toBe(false);
    expect(share8.whereTimeGoes).toBeDefined();
    expect(ts.filter((t) => t.name.includes('share of raw')).map((t) => t.met)).toEqual([
      true,
      false,
      true,
    ]);
  });

  it('checks CPU against half the baseline and latency against raw round trips', () => {
    const b = boardsOf(
      good.workloads.map((w) =>
        w.shape === 'spread' && w.clients === 32
          ? board('spread', 32, 600, [30, 60], 1.7)
          : w.shape === 'spreadAddsEdits' && w.clients === 1
            ? board('spreadAddsEdits', 1, 120, [5.1, 8])
            : w,
      ),
    );
    const m = met(rawTargets(raw, b, true));
    expect(
      m[
        'machine CPU per accepted board write (boards spread, most clients), beside CPU per raw INSERT'
      ],
    ).toBe(false);
    expect(
      m[
        'boards write-to-visible p50 at 1 client, in raw INSERT round trips (every board workload)'
      ],
    ).toBe(false);
    // 13 ms p99 at 8 against 5.1 ms p50 at 1: within 3×.
    expect(m['boards p99 at 8 clients vs p50 at 1 client (every board workload)']).toBe(true);
  });

  it('says why a target cannot be measured', () => {
    const ts = rawTargets(null, good, true);
    expect(ts[0]!.met).toBe(false);
    expect(ts[0]!.measured).toBe('not measured: the raw stage did not run (BENCH_STAGES)');
    const noAddsEdits = rawTargets(raw, boardsOf([board('spread', 8, 450, [9, 12])]), true);
    expect(noAddsEdits[0]!.measured).toMatch(
      /^not measured: no adds\+edits spread workload at 1 clients/,
    );
    expect(rawTargets(raw, boardsOf([]), false)[1]!.measured).toBe(
      'not measured: the boards stage did not run (BENCH_STAGES)',
    );
  });
});

describe('rawShares', () => {
  it('puts every rate beside raw at its own concurrency, and none at another', () => {
    const users = {
      workloads: [{ shape: 'hot', clients: 8, writesPerSec: 800 }],
      failure: null,
    } as unknown as UsersResult;
    const shares = rawShares(raw, {
      users,
      boards: boardsOf([board('hot', 32, 250, [40, 90])]),
      log: null,
      approvals: {
        latency: [{ clients: 1, approvals: 30, seconds: 3 }],
        throughput: { clients: 24, completed: 100, completedPerSec: 20 },
      } as never,
    });
    expect(shares).toEqual([
      { what: 'users hot', clients: 8, perSec: 800, rawPerSec: 4000, share: 0.2 },
      { what: 'boards hot', clients: 32, perSec: 250, rawPerSec: 5000, share: 0.05 },
      {
        what: 'approvals answered (latency run)',
        clients: 1,
        perSec: 10,
        rawPerSec: 1000,
        share: 0.01,
      },
      {
        what: 'approval workflows completed',
        clients: 24,
        perSec: 20,
        rawPerSec: null,
        share: null,
        note: 'no raw at 24',
      },
    ]);
  });
});
