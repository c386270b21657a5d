/**
 * Stage `layouts`: the system as `npm start` runs it, through its launcher, in each layout of
 * DEVPIE_PROCESSES (`all`: every role in one process; `split`: apps, components+projectors+reactors,
 * processes), started one after another in ABBA order (all, split, split, all, ...) so a drift of
 * the machine's load weighs on both alike. Each start gets a fresh database and channel prefix,
 * the same boards setup and warm-up, then the same seeded adds+edits spread over the boards at
 * each client count: issue 15's workload for the share-of-raw target.
 */
import { runBoardWorkload, setupBoards, type BoardWorkloadResult } from '../boards';
import { runWorkload } from '../http';
import type { Summary } from '../util';
import { freePorts } from '../../test/support/ports';
import { layoutSize, startLaunched, type LaunchedSystem, type SystemOptions } from '../system';
import { coresUsed, cpuSnapshot } from '../cpu';
import { errorMessage, freshDatabase, log, round, sleep } from '../util';
import type { LiveSystem, RunContext, StageFailure } from './context';
import { measured } from './measured';
import type { Caller } from './tokens';
import { registration } from './users';

export interface LayoutWorkload {
  layout: string;
  /** Which start of the stage (1-based), and the layout's processes then. */
  start: number;
  processes: string[];
  clients: number;
  writesPerSec: number;
  latencyMs: Summary;
  ok: number;
  errors: number;
  statuses: BoardWorkloadResult['statuses'];
  /** Cores by group during the workload; `system` is the sum of the `system:<process>` groups. */
  cpuCores: Record<string, number>;
  /** The same over IDLE_MS with no load, after the warm-up: what the processes cost doing nothing. */
  idleCores: Record<string, number>;
  /** Machine CPU ms per accepted write (everything on the machine: what issue 15's target divides). */
  machineCpuMsPerWrite: number;
  /** The system's processes (the launcher's children) only. */
  systemCpuMsPerWrite: number;
  /** The run's own processes: the system, its Postgres backends, the run's NATS Streaming, the client. */
  ownCpuMsPerWrite: number | null;
  disturbed: boolean;
}

export interface LayoutSummary {
  layout: string;
  clients: number;
  starts: number;
  /** Means over the layout's starts. */
  writesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  machineCpuMsPerWrite: number;
  systemCpuMsPerWrite: number;
  ownCpuMsPerWrite: number | null;
}

export interface LayoutComparison {
  clients: number;
  /** Each a ratio of a layout's mean to the first layout's (split/all): > 1 is more writes, more latency, more CPU. */
  layouts: [string, string];
  writesPerSec: number;
  p50Ms: number;
  p99Ms: number;
  machineCpuMsPerWrite: number;
  ownCpuMsPerWrite: number | null;
}

export interface LayoutsResult {
  order: string[];
  clients: number[];
  durationMs: number;
  workloads: LayoutWorkload[];
  summary: LayoutSummary[];
  comparison: LayoutComparison[];
  failure: StageFailure | null;
}

const IDLE_MS = 3_000;

/** Adds `system`: the cores of every process of the system together. */
const withSystemTotal = (c: Record<string, number>): Record<string, number> => ({
  ...c,
  system: round(
    Object.entries(c)
      .filter(([k]) => k.startsWith('system:'))
      .reduce((n, [, v]) => n + v, 0),
    2,
  ),
});

const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length);

/** all, split, split, all, ...: each layout as often first as second. */
export function abbaOrder(layouts: string[], pairs: number): string[] {
  const order: string[] = [];
  for (let k = 0; k < pairs; k++) order.push(...(k % 2 ? [...layouts].reverse() : layouts));
  return order;
}

export function summarizeLayouts(
  workloads: LayoutWorkload[],
  layouts: string[],
  clients: number[],
): { summary: LayoutSummary[]; comparison: LayoutComparison[] } {
  const summary: LayoutSummary[] = [];
  for (const layout of layouts)
    for (const c of clients) {
      const ws = workloads.filter((w) => w.layout === layout && w.clients === c);
      if (!ws.length) continue;
      const own = ws.map((w) => w.ownCpuMsPerWrite);
      summary.push({
        layout,
        clients: c,
        starts: ws.length,
        writesPerSec: round(mean(ws.map((w) => w.writesPerSec)), 1),
        p50Ms: round(mean(ws.map((w) => w.latencyMs.p50 ?? 0)), 2),
        p99Ms: round(mean(ws.map((w) => w.latencyMs.p99 ?? 0)), 2),
        machineCpuMsPerWrite: round(mean(ws.map((w) => w.machineCpuMsPerWrite)), 2),
        systemCpuMsPerWrite: round(mean(ws.map((w) => w.systemCpuMsPerWrite)), 2),
        ownCpuMsPerWrite: own.some((x) => x === null)
          ? null
          : round(mean(own.filter((x) => x !== null)), 2),
      });
    }
  const comparison: LayoutComparison[] = [];
  const [a = '', ...others] = layouts;
  for (const b of others)
    for (const c of clients) {
      const x = summary.find((s) => s.layout === a && s.clients === c);
      const y = summary.find((s) => s.layout === b && s.clients === c);
      if (!x || !y) continue;
      const ratio = (p: number, q: number) => (q > 0 ? round(p / q, 2) : 0);
      comparison.push({
        clients: c,
        layouts: [a, b],
        writesPerSec: ratio(y.writesPerSec, x.writesPerSec),
        p50Ms: ratio(y.p50Ms, x.p50Ms),
        p99Ms: ratio(y.p99Ms, x.p99Ms),
        machineCpuMsPerWrite: ratio(y.machineCpuMsPerWrite, x.machineCpuMsPerWrite),
        ownCpuMsPerWrite:
          x.ownCpuMsPerWrite !== null && y.ownCpuMsPerWrite !== null
            ? ratio(y.ownCpuMsPerWrite, x.ownCpuMsPerWrite)
            : null,
      });
    }
  return { summary, comparison };
}

export async function layoutsStage(
  run: RunContext,
  base: SystemOptions,
  owner: Caller,
): Promise<LayoutsResult> {
  const { settings } = run;
  const layouts = settings.layouts;
  const order = abbaOrder(layouts, settings.layoutPairs);
  const out: LayoutsResult = {
    order,
    clients: settings.layoutClients,
    durationMs: settings.durationMs,
    workloads: [],
    summary: [],
    comparison: [],
    failure: null,
  };
  const database = `${settings.database}_layouts`;
  let system: LaunchedSystem | null = null;
  let during = 'start';
  try {
    for (const [k, layout] of order.entries()) {
      during = `${layout} #${k + 1}`;
      const options: SystemOptions = {
        ...base,
        port: await freePorts(layoutSize(layout)),
        databaseUrl: await freshDatabase(run.baseDb, database),
        prefix: `${base.prefix}lay${k}.`,
        probe: false,
      };
      system = await startLaunched(options, layout);
      const { port } = system;
      const registered = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration(owner));
      if (registered.result.ok !== 1)
        throw new Error(`registering the board user failed: ${JSON.stringify(registered.result)}`);
      const setup = await setupBoards(port, owner.token, {
        boards: settings.boards,
        tasksPerBoard: settings.tasksPerBoard,
        hotBoards: 1,
        hotTasks: 1,
        concurrency: 8,
        tag: `${run.runId}-lay${k}`,
      });
      const common = {
        port,
        token: owner.token,
        boards: setup.boards,
        hot: setup.hot[0]!,
        shape: 'spreadAddsEdits' as const,
      };
      await runBoardWorkload({
        ...common,
        clients: 8,
        durationMs: 10_000,
        maxWrites: settings.boardWarmupWrites,
        seed: 0,
      });
      const launched = system;
      const named: Record<string, string> = {
        [run.self]: 'benchClient',
        [String(launched.pid)]: 'launcher',
        // One group per process (`system:apps`, ...): where the cores go, and what each costs idle.
        ...Object.fromEntries(launched.processes().map((p) => [String(p.pid), `system:${p.name}`])),
      };
      const live: LiveSystem = { system: launched, options, named };
      const idleBefore = cpuSnapshot(named);
      await sleep(IDLE_MS);
      const idleCores = withSystemTotal(coresUsed(idleBefore, cpuSnapshot(named)));
      for (const clients of settings.layoutClients) {
        during = `${layout} #${k + 1}, ${clients} clients`;
        const {
          value,
          cpuCores: byGroup,
          ownCores,
          disturbed,
        } = await measured(live, run.quiet, `layout-${layout}${k}-${clients}`, () =>
          runBoardWorkload({
            ...common,
            clients,
            durationMs: settings.durationMs,
            maxWrites: settings.boardCap,
            // The same writes in every start: the seed is the client count's.
            seed: clients,
          }),
        );
        const gone = launched.exit();
        if (gone)
          throw new Error(`the system exited or restarted a process: ${gone.signal ?? gone.code}`);
        const { result } = value;
        const cpuCores = withSystemTotal(byGroup);
        const perWrite = (cores: number) =>
          round((cores * 1000) / Math.max(1, result.writesPerSec), 2);
        const w: LayoutWorkload = {
          layout,
          start: k + 1,
          processes: launched.processes().map((p) => p.name),
          clients,
          writesPerSec: result.writesPerSec,
          latencyMs: result.latencyMs,
          ok: result.ok,
          errors: result.errors,
          statuses: result.statuses,
          cpuCores,
          idleCores,
          machineCpuMsPerWrite: perWrite(cpuCores.machineTotal ?? 0),
          systemCpuMsPerWrite: perWrite(cpuCores.system ?? 0),
          ownCpuMsPerWrite: ownCores === null ? null : perWrite(ownCores),
          disturbed,
        };
        out.workloads.push(w);
        log('layout workload', {
          layout,
          start: k + 1,
          clients,
          writesPerSec: w.writesPerSec,
          p50: w.latencyMs.p50,
          p99: w.latencyMs.p99,
          machineCpuMsPerWrite: w.machineCpuMsPerWrite,
          systemCores: cpuCores.system,
          idleSystemCores: idleCores.system,
        });
        if (result.errors > 0)
          throw new Error(
            `${result.errors} of ${result.writes} writes failed: ${JSON.stringify(result.statuses)}`,
          );
      }
      await system.stop();
      system = null;
    }
  } catch (err) {
    out.failure = { during, message: errorMessage(err), systemExit: system?.exit() ?? null };
    log('layouts stage failed', { during, error: out.failure.message });
    if (system) await system.stop();
  }
  Object.assign(out, summarizeLayouts(out.workloads, layouts, settings.layoutClients));
  return out;
}
