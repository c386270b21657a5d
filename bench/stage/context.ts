/** What the stages share: the run (its settings, servers, databases) and the system under test while it runs. */
import type { Client } from '@temporalio/client';
import type { Config, EventLogKind } from '../../platform/config';
import type { BenchLog } from '../logs';
import type { QuietMachine } from '../quiet';
import type { Settings, StageName } from '../settings';
import type { SystemOptions, SystemUnderTest } from '../system';

export interface RunContext {
  runId: string;
  settings: Settings;
  on(stage: StageName): boolean;
  config: Config;
  stan: { stanUrl: string; clusterId: string };
  /** Each log the HTTP and rebuild stages can run on, with its servers (BENCH_LOGS picks). */
  logs: Record<EventLogKind, BenchLog>;
  /** The server's URL as configured, and the run's own database (the system under test's). */
  baseDb: string;
  benchDb: string;
  /** This process's pid, to tell its CPU apart. */
  self: string;
  quiet: QuietMachine;
}

/**
 * One log the users, boards and rebuild stages run on, and what its side of the run uses: channel
 * prefixes that begin with `prefix`, and a database of its own for its system under test.
 */
export interface LogSide {
  log: BenchLog;
  /** `bench.<runId>.` on NATS Streaming (as before BENCH_LOGS), `bench.<runId>.js.` on JetStream. */
  prefix: string;
  database: string;
  databaseUrl: string;
}

/** Measurement labels (the report's `quietWaitsMs`) of a side other than NATS Streaming's name its log. */
export const quietTag = (log: BenchLog): string => (log.kind === 'stan' ? '' : `${log.kind}-`);

/**
 * Temporal for the run: the dev server's namespace for the run's workflows, and a task queue of
 * the run's own (the system's worker polls only it, so no other run's or app's workflows reach
 * it, and ours reach no one else).
 */
export interface RunTemporal {
  address: string;
  namespace: string;
  taskQueue: string;
  client: Client;
}

/** The system under test, running, with the process groups its measurements tell apart. */
export interface LiveSystem {
  system: SystemUnderTest;
  /** What it was started with (the projects rebuild command runs with the same). */
  options: SystemOptions;
  named: Record<string, string>;
}

/** A stage cut short: its figures are void, and the run fails (the report is still printed). */
export interface StageFailure {
  during: string;
  message: string;
  systemExit: ReturnType<SystemUnderTest['exit']>;
}
