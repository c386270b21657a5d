/** The run's knobs, read from BENCH_* (scripts/bench.sh and docs/benchmarks.md list them). */
import { EVENT_LOGS, type EventLogKind } from '../platform/config';
import { LAYOUTS } from '../platform/runtime/layout';
import { BOARD_MIX } from './boards';

const int = (name: string, fallback: number): number => {
  const v = process.env[name];
  return v ? Number(v) : fallback;
};

/** The stages BENCH_STAGES selects from. */
export const STAGE_NAMES = [
  'log',
  'raw',
  'users',
  'boards',
  'approvals',
  'rebuild',
  'history',
  'observability',
  'layouts',
  'components',
] as const;
export type StageName = (typeof STAGE_NAMES)[number];
/** What runs without BENCH_STAGES: `observability` and `layouts` restart the system four times each, too long for every run. */
export const DEFAULT_STAGES: StageName[] = STAGE_NAMES.filter(
  (s) => s !== 'observability' && s !== 'layouts',
);

const list = (v: string): number[] => v.split(',').map(Number);

/**
 * DEVPIE_PROCESSES values, separated by spaces or `;` (a layout of one's own has commas in it);
 * names of LAYOUTS may also be separated by commas (`all,split`).
 */
export function layoutList(v: string): string[] {
  const items = v.split(/[\s;]+/).filter((x) => x !== '');
  return items.flatMap((x) => {
    const names = x.split(',');
    return names.every((n) => n in LAYOUTS) ? names : [x];
  });
}

/** BENCH_LOGS: the logs the users, boards and rebuild stages run on, each once, in this order. */
export function logList(v: string): EventLogKind[] {
  const names = v
    .split(',')
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '');
  const unknown = names.filter((x) => !EVENT_LOGS.some((k) => k === x));
  if (unknown.length || names.length === 0)
    throw new Error(`BENCH_LOGS must name stan and/or jetstream, got "${v}"`);
  return [...new Set(names)] as EventLogKind[];
}

export function readSettings() {
  const clients = list(process.env.BENCH_CLIENTS ?? '1,8,32');
  const boardClients = list(
    process.env.BENCH_BOARD_CLIENTS ?? process.env.BENCH_CLIENTS ?? '1,8,32',
  );
  // Another run on the same server (another checkout's) drops and recreates its databases by name.
  const database = process.env.BENCH_DATABASE ?? 'devpie_bench';
  return {
    messages: int('BENCH_MESSAGES', 20_000),
    /** Stage `components`: the backlog each scaling round drains (registrations, one per new user). */
    componentCommands: int('BENCH_COMPONENT_COMMANDS', 20_000),
    logRounds: int('BENCH_LOG_ROUNDS', 3),
    window: int('BENCH_WINDOW', 256),
    durationMs: int('BENCH_DURATION_MS', 4_000),
    clients,
    /** Each spread request is a new user with its own signed token, so the cap bounds the signing too. */
    spreadCap: { 1: 1_000, 8: 4_500, 32: 4_500 } as Record<number, number>,
    hotCap: 6_000,
    warmupRequests: 300,
    database,
    rebuildDatabase: `${database}_rebuild`,
    rebuildEvents: int('BENCH_REBUILD_EVENTS', 30_000),
    probe: process.env.BENCH_PROBE !== '0',
    /** After the board workloads, one more short run of each shape at the most clients, under a CPU profile. */
    profile: process.env.BENCH_PROBE !== '0' && process.env.BENCH_PROFILE !== '0',
    profileMs: 2_000,
    /** Boards (projects): how many small boards, tasks on each, tasks on the hot board. */
    boards: int('BENCH_BOARDS', 50),
    tasksPerBoard: 4,
    hotTasks: int('BENCH_HOT_TASKS', 150),
    boardClients,
    /**
     * Raw INSERTs (stage `raw`): at every client count the HTTP stages use, so each of their rates
     * has raw at its own concurrency; each run stops after BENCH_DURATION_MS or the cap.
     */
    rawClients: list(
      process.env.BENCH_RAW_CLIENTS ??
        [...new Set([...clients, ...boardClients])].sort((a, b) => a - b).join(','),
    ),
    rawCap: 200_000,
    rawWarmupInserts: 1_000,
    rawBodyBytes: 200,
    /** Writes per board workload at most (each also stops after BENCH_DURATION_MS). */
    boardCap: 8_000,
    boardWarmupWrites: 400,
    /** Also run adds and edits only, spread over the boards (issue 15's share-of-raw target); BENCH_BOARD_ADDS_EDITS=0 skips it. */
    boardAddsEdits: process.env.BENCH_BOARD_ADDS_EDITS !== '0',
    boardMix: BOARD_MIX,
    /** The projects rebuild replays the run's project channel, topped up to this many events. */
    projectRebuildEvents: int('BENCH_PROJECT_REBUILD_EVENTS', 25_000),
    /** The projects roles restarted on a log of this many board events (stage `history`). */
    historyEvents: int('BENCH_HISTORY_EVENTS', 200_000),
    /** Stage `layouts`: the DEVPIE_PROCESSES layouts compared (the ratios are the second's over the first's). */
    layouts: layoutList(process.env.BENCH_LAYOUTS ?? 'all split'),
    /** Starts of each layout, in ABBA order. */
    layoutPairs: int('BENCH_LAYOUT_PAIRS', 2),
    layoutClients: list(process.env.BENCH_LAYOUT_CLIENTS ?? boardClients.join(',')),
    /**
     * The logs the users, boards and rebuild stages run on (and the log stage's JetStream half);
     * the other stages run on NATS Streaming whatever it says.
     */
    logs: logList(process.env.BENCH_LOGS ?? 'stan,jetstream'),
    /** Which stages run (by default all but observability and layouts): log, raw, users, boards, approvals, rebuild, history, observability, layouts. */
    stages: (process.env.BENCH_STAGES ?? DEFAULT_STAGES.join(',')).split(',').map((x) => x.trim()),
    /** Approvals: callers in the latency workloads, and how many approvals each caller makes there. */
    approvalClients: (process.env.BENCH_APPROVAL_CLIENTS ?? '1,8').split(',').map(Number),
    approvalsPerCaller: (clients: number) =>
      clients === 1 ? 30 : Math.max(4, Math.ceil(120 / clients)),
    /** Approvals: the throughput run (send + approve per flow, closed loop), bounded by time and flows. */
    approvalThroughputClients: int('BENCH_APPROVAL_THROUGHPUT_CLIENTS', 32),
    approvalThroughputMs: int('BENCH_APPROVAL_THROUGHPUT_MS', 14_000),
    approvalThroughputCap: 400,
    /** A client approves an estimate once it has been sent this long; rates count after the ramp. */
    approvalApproveAfterMs: 500,
    approvalRampMs: 4_000,
    /** Flows that approve the moment the send is answered (how long the workflow still refuses). */
    approvalRaceSample: 15,
    /** How often the client looks for the invoice after the approve answer. */
    approvalPollMs: 5,
    /** Each bare Temporal measurement (the bench's own workflows on its own task queue) runs this long. */
    bareTemporalMs: int('BENCH_BARE_TEMPORAL_MS', 3_000),
    /** The Temporal namespace of the run's workflows: the first of these the server has. */
    temporalNamespaces: (process.env.BENCH_TEMPORAL_NAMESPACE ?? 'devpie-test,devpie').split(','),
  };
}

export type Settings = ReturnType<typeof readSettings>;
