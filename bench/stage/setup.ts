/**
 * What a run sets up before its stages: a fresh database for the system under test, Temporal (the
 * dev server's namespace, a task queue of the run's own), a directory for the system's mail, and
 * the description of the machine the report carries.
 */
import { mkdtempSync } from 'node:fs';
import { availableParallelism, cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../../platform/config';
import { createPool } from '../../platform/postgres/pool';
import { benchLog, jetstreamVersion } from '../logs';
import { QuietMachine } from '../quiet';
import type { Settings } from '../settings';
import { pickNamespace, temporalClient } from '../temporal';
import { freshDatabase, log, round } from '../util';
import type { RunContext, RunTemporal } from './context';

export interface PreparedRun {
  run: RunContext;
  temporal: RunTemporal;
  /** Closes both Temporal connections (the one that found the namespace, and the run's client). */
  closeTemporal(): Promise<void>;
  mailDir: string;
  machine: ReturnType<typeof describeMachine>;
}

export async function prepareRun(runId: string, settings: Settings): Promise<PreparedRun> {
  const config = loadConfig();
  const stan = { stanUrl: config.stan.url, clusterId: config.stan.clusterId };
  const baseDb = config.databaseUrl;
  log('run', {
    runId,
    stan: config.stan.url,
    nats: config.nats.url,
    logs: settings.logs,
    database: settings.database,
  });

  const benchDb = await freshDatabase(baseDb, settings.database);
  const pool = createPool(benchDb, 1);
  const pg = (
    await pool.query<{ v: string; sc: string; fsync: string }>(
      "SELECT current_setting('server_version') AS v, current_setting('synchronous_commit') AS sc, current_setting('fsync') AS fsync",
    )
  ).rows[0]!;
  await pool.end();
  const admin = await temporalClient(config.temporal.address, 'default');
  const namespace = await pickNamespace(admin.connection, settings.temporalNamespaces);
  const temporalInfo = await admin.connection.workflowService.getSystemInfo({}).catch(() => null);
  const { client } = await temporalClient(config.temporal.address, namespace);
  const temporal: RunTemporal = {
    address: config.temporal.address,
    namespace,
    taskQueue: `bench-${runId}`,
    client,
  };
  const mailDir = mkdtempSync(join(tmpdir(), `devpie-bench-mail-${runId}-`));
  const run: RunContext = {
    runId,
    settings,
    on: (stage) => settings.stages.includes(stage),
    config,
    stan,
    logs: { stan: benchLog(config, 'stan'), jetstream: benchLog(config, 'jetstream') },
    baseDb,
    benchDb,
    self: String(process.pid),
    quiet: new QuietMachine(Number(process.env.BENCH_QUIET_WAIT_MS ?? 60_000)),
  };
  return {
    run,
    temporal,
    async closeTemporal() {
      await admin.connection.close();
      await client.connection.close();
    },
    mailDir,
    machine: describeMachine(
      run,
      pg,
      temporal,
      temporalInfo?.serverVersion ?? null,
      await jetstreamVersion(config.nats.url),
    ),
  };
}

function describeMachine(
  run: RunContext,
  pg: { v: string; sc: string; fsync: string },
  temporal: RunTemporal,
  temporalServerVersion: string | null,
  jetstreamServerVersion: string | null,
) {
  const { stan, nats, temporal: address } = run.config;
  return {
    nproc: availableParallelism(),
    cpu: cpus()[0]?.model ?? 'unknown',
    memoryGiB: round(totalmem() / 2 ** 30, 1),
    node: process.version,
    loadAvgAtStart: loadavg().map((l) => round(l, 2)),
    postgres: { version: pg.v, synchronousCommit: pg.sc, fsync: pg.fsync },
    natsStreaming: {
      url: stan.url,
      clusterId: stan.clusterId,
      server:
        process.env.BENCH_STAN_DEDICATED === '1'
          ? 'throwaway, same binary and flags as dev-stack (FILE store, file_sync on, unlimited channels)'
          : 'existing',
    },
    /** The JetStream server (NATS_URL): the log stage's JetStream half, and BENCH_LOGS' jetstream side. */
    jetstream: {
      url: nats.url,
      serverVersion: jetstreamServerVersion,
      server: "existing (the machine's or the dev stack's; others may use it too)",
    },
    temporal: {
      address: address.address,
      serverVersion: temporalServerVersion,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
    },
  };
}
