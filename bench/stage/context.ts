/** What the stages share: the run (its settings, servers, databases) and the system under test while it runs. */
import type { Client } from '@temporalio/client';
import type { Config } from '../../platform/config';
import type { QuietMachine } from '../quiet';
import type { Settings, StageName } from '../settings';
import type { SystemOptions, SystemUnderTest } from '../system';

export interface RunContext {
  runId: string;
  settings: Settings;
  on(stage: StageName): boolean;
  config: Config;
  stan: { stanUrl: string; clusterId: string };
  /** The server's URL as configured, and the run's own database (the system under test's). */
  baseDb: string;
  benchDb: string;
  /** This process's pid, to tell its CPU apart. */
  self: string;
  quiet: QuietMachine;
}

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
