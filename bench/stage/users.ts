/** Stage `users`: user profiles written over HTTP with read-your-writes, spread over new users and hot on one. */
import { runWorkload, type Call, type RequestRecord, type WorkloadResult } from '../http';
import { explain, type PlanEvidence } from '../plans';
import type { ProbeStats } from '../probe';
import { breakdown, type StageBreakdown, type Timeline } from '../stages';
import { errorMessage, log, round } from '../util';
import type { LiveSystem, RunContext, StageFailure } from './context';
import { assertAlive, measured, stageFailure, type Inside } from './measured';
import { disturbedNote, fastest, type Target } from './targets';
import { benchEmail, type Caller, type Tokens } from './tokens';
import { whereTimeGoes } from './whereTimeGoes';

export interface WorkloadReport extends WorkloadResult {
  stages: StageBreakdown;
  cpuCores: Record<string, number>;
  /** Other processes used >= 0.3 cores while this ran: its figures are pessimistic. */
  disturbed: boolean;
  /** Timings taken inside the system under test by bench/probe.ts (examples left out). */
  inside: Inside | null;
}

export interface UsersResult {
  workloads: WorkloadReport[];
  /** Each workload's requests, joined with the system's timeline once it has stopped. */
  records: Map<WorkloadReport, RequestRecord[]>;
  /** One real instance of each view-writing statement the probe saw, for EXPLAIN. */
  examples: ProbeStats['examples'];
  failure: StageFailure | null;
}

export const usersSkipped = (): UsersResult => ({
  workloads: [],
  records: new Map(),
  examples: {},
  failure: null,
});

const TARGETS = {
  spreadWritesPerSec: 1300,
  hotWritesPerSec: 500,
  hotConflictRate: 0.01,
  p99At8ClientsMs: 25,
};

export const registration = (t: Caller): Call => ({
  method: 'POST',
  path: '/api/v1/users',
  token: t.token,
  body: {
    auth0Id: t.sub,
    email: benchEmail(t.sub),
    emailVerified: true,
    firstName: 'Bench',
    lastName: 'User',
    picture: 'https://example.com/avatar.png',
    locale: 'en',
  },
});

const patch = (token: string, i: number): Call => ({
  method: 'PATCH',
  path: '/api/v1/users/me',
  token,
  body: { firstName: `Hot${i}` },
});

export async function usersStage(
  run: RunContext,
  live: LiveSystem,
  tokens: Tokens,
): Promise<UsersResult> {
  const { settings } = run;
  const { port } = live.system;
  const out = usersSkipped();
  try {
    for (const h of tokens.hotUsers) {
      const { result } = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration(h));
      if (result.ok !== 1)
        throw new Error(`registering hot user ${h.sub} failed: ${JSON.stringify(result.statuses)}`);
    }
    const warm = tokens.spread.warmup!;
    await runWorkload(port, 'spread', 8, 10_000, warm.length, (i) => registration(warm[i]!));
    const warmHot = tokens.hotUsers[0]!;
    await runWorkload(port, 'hot', 8, 10_000, settings.warmupRequests, (i) =>
      patch(warmHot.token, i),
    );
    log('warmed up');

    const workload = async (
      shape: 'spread' | 'hot',
      clients: number,
      cap: number,
      make: (i: number) => Call,
    ) => {
      const { value, cpuCores, disturbed, inside } = await measured(
        live,
        run.quiet,
        `${shape}${clients}`,
        () => runWorkload(port, shape, clients, settings.durationMs, cap, make),
      );
      const { result, records } = value;
      const w = {
        ...result,
        disturbed,
        stages: undefined as unknown as StageBreakdown,
        cpuCores,
        inside,
      };
      out.workloads.push(w);
      out.records.set(w, records);
      log('workload', {
        shape,
        clients,
        writesPerSec: result.writesPerSec,
        p50: result.latencyMs.p50,
        p99: result.latencyMs.p99,
        statuses: result.statuses,
      });
      assertAlive(live, `${shape}/${clients}`);
      if (result.errors > 0)
        throw new Error(
          `${result.errors} of ${result.requests} requests failed during ${shape}/${clients}: ${JSON.stringify(result.statuses)}`,
        );
    };
    for (const c of settings.clients) {
      const callers = tokens.spread[`spread${c}`]!;
      await workload('spread', c, callers.length, (i) => registration(callers[i]!));
    }
    for (const c of settings.clients) {
      const h = tokens.hotUsers.find((u) => u.key === String(c))!;
      await workload('hot', c, settings.hotCap, (i) => patch(h.token, i));
    }
    out.examples = (await live.system.probe())?.examples ?? {};
  } catch (err) {
    // Keep going: the log and rebuild figures are still worth reporting; the HTTP ones are void.
    const w = out.workloads.at(-1);
    out.failure = stageFailure(live, w ? `${w.shape}/${w.clients}` : 'warm-up', err);
    log('HTTP stage failed', { message: out.failure.message });
  }
  return out;
}

/** Per-request stages, from what the system recorded (read once it has stopped). */
export function joinUserStages(u: UsersResult, timeline: Timeline): void {
  for (const w of u.workloads) w.stages = breakdown(u.records.get(w)!, timeline);
}

/** Why a view-writing statement costs what it costs at this view size (plans of real statements). */
export async function userStatementPlans(
  benchDb: string,
  examples: ProbeStats['examples'],
): Promise<PlanEvidence[]> {
  const plans: PlanEvidence[] = [];
  for (const [kind, example] of Object.entries(examples).filter(([k]) => /users$/.test(k))) {
    plans.push(
      await explain(benchDb, kind, example).catch((err: unknown) => ({
        statement: kind,
        usersInView: -1,
        executionMs: -1,
        nodes: [`EXPLAIN failed: ${errorMessage(err)}`],
      })),
    );
  }
  return plans;
}

/** HTTP figures only count when the stage completed: a workload cut short by a failure says nothing about the system's rate. */
export function userTargets(u: UsersResult): Target[] {
  const valid = u.failure ? [] : u.workloads;
  const bestSpread = fastest(valid.filter((w) => w.shape === 'spread'));
  const bestHot = fastest(valid.filter((w) => w.shape === 'hot'));
  const notMeasured = `not measured: ${u.failure?.message ?? 'no workload ran'}`;
  const where = (met: boolean, w: WorkloadReport | undefined) =>
    !met && w ? { whereTimeGoes: whereTimeGoes(w) } : {};
  const targets: Target[] = [];
  {
    const met = !!bestSpread && bestSpread.writesPerSec >= TARGETS.spreadWritesPerSec;
    targets.push({
      name: 'spread writes/s',
      target: `>= ${TARGETS.spreadWritesPerSec}`,
      measured: bestSpread
        ? `${bestSpread.writesPerSec} (${bestSpread.clients} clients${disturbedNote(bestSpread)})`
        : notMeasured,
      met,
      ...where(met, bestSpread),
    });
  }
  {
    const met =
      !!bestHot &&
      bestHot.writesPerSec >= TARGETS.hotWritesPerSec &&
      bestHot.conflictRate < TARGETS.hotConflictRate;
    targets.push({
      name: 'hot writes/s with < 1% conflicts',
      target: `>= ${TARGETS.hotWritesPerSec}, conflicts < ${TARGETS.hotConflictRate * 100}%`,
      measured: bestHot
        ? `${bestHot.writesPerSec} (${bestHot.clients} clients${disturbedNote(bestHot)}), conflicts ${round(bestHot.conflictRate * 100, 2)}%`
        : notMeasured,
      met,
      ...where(met, bestHot),
    });
  }
  for (const shape of ['spread', 'hot'] as const) {
    const w = valid.find((x) => x.clients === 8 && x.shape === shape);
    const met = !!w && (w.latencyMs.p99 ?? Infinity) < TARGETS.p99At8ClientsMs;
    targets.push({
      name: `p99 latency, ${shape}, 8 clients`,
      target: `< ${TARGETS.p99At8ClientsMs} ms`,
      measured: w
        ? `${w.latencyMs.p99} ms (p50 ${w.latencyMs.p50} ms${disturbedNote(w)})`
        : notMeasured,
      met,
      ...where(met, w),
    });
  }
  return targets;
}
