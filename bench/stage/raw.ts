/**
 * Stage `raw`: single-row INSERTs straight into Postgres (bench/rawInsert.ts) at the run's client
 * counts, before the system under test starts, so nothing of the product shares the machine. The
 * rates of the other stages are reported as a share of these (bench/stage/rawTargets.ts).
 */
import { Client } from 'pg';
import { coresUsed, cpuSnapshot } from '../cpu';
import { disturbed } from '../quiet';
import { createRawTable, runRawInserts, type RawInsertResult } from '../rawInsert';
import { errorMessage, log, round } from '../util';
import type { RunContext } from './context';

export interface RawWorkload extends RawInsertResult {
  cpuCores: Record<string, number>;
  /**
   * CPU milliseconds per INSERT by process group. `machineTotal` is counted as the boards' machine
   * CPU per write is (every busy core of the machine); `postgres` is every postgres process, as
   * the boards count it (the run's backends, the WAL writer and checkpointer, and any other
   * client's backends on a shared server); `ownBackends` + `benchClient` is what the INSERTs
   * themselves cost, which other users of the machine do not inflate.
   */
  cpuMsPerInsert: Record<string, number>;
  disturbed: boolean;
}

export interface RawReport {
  table: string;
  bodyBytes: number;
  workloads: RawWorkload[];
  failure: string | null;
}

export async function rawStage(run: RunContext): Promise<RawReport> {
  const { settings } = run;
  const table = `bench_raw_${run.runId}`;
  const out: RawReport = { table, bodyBytes: settings.rawBodyBytes, workloads: [], failure: null };
  const named: Record<string, string> = { [run.self]: 'benchClient' };
  const conns: Client[] = [];
  let step = 'setup';
  try {
    // Connected before any clock runs: a connection's start-up is not an INSERT's cost.
    for (let i = 0; i < Math.max(...settings.rawClients); i++) {
      const c = new Client({ connectionString: run.benchDb });
      await c.connect();
      conns.push(c);
      const { rows } = await c.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
      named[String(rows[0]!.pid)] = 'ownBackends';
    }
    await createRawTable(conns[0]!, table);
    const common = { conns, table, bodyBytes: settings.rawBodyBytes };
    step = 'warm-up';
    await runRawInserts({
      ...common,
      clients: Math.min(8, conns.length),
      durationMs: 10_000,
      maxInserts: settings.rawWarmupInserts,
    });
    for (const clients of settings.rawClients) {
      step = `${clients} clients`;
      await run.quiet.wait(named, `raw${clients}`);
      const before = cpuSnapshot(named);
      const result = await runRawInserts({
        ...common,
        clients,
        durationMs: settings.durationMs,
        maxInserts: settings.rawCap,
      });
      const cpuCores = coresUsed(before, cpuSnapshot(named));
      const perInsert = (cores: number) =>
        round((cores * 1000) / Math.max(1, result.writesPerSec), 3);
      const core = (k: string) => cpuCores[k] ?? 0;
      const cpuMsPerInsert = {
        machineTotal: perInsert(core('machineTotal')),
        postgres: perInsert(core('postgres') + core('ownBackends')),
        ownBackends: perInsert(core('ownBackends')),
        benchClient: perInsert(core('benchClient')),
        'ownBackends+benchClient': perInsert(core('ownBackends') + core('benchClient')),
      };
      const w: RawWorkload = {
        ...result,
        cpuCores,
        cpuMsPerInsert,
        disturbed: disturbed(cpuCores),
      };
      out.workloads.push(w);
      log('raw INSERTs', {
        clients,
        writesPerSec: w.writesPerSec,
        p50: w.latencyMs.p50,
        p99: w.latencyMs.p99,
        cpuMsPerInsert,
        disturbed: w.disturbed,
      });
      if (result.errors > 0)
        throw new Error(
          `${result.errors} of ${result.inserts} raw INSERTs failed at ${clients} clients`,
        );
    }
  } catch (err) {
    out.failure = `${errorMessage(err)} (during ${step})`;
    log('raw stage failed', { message: out.failure });
  } finally {
    await conns[0]
      ?.query(`DROP TABLE IF EXISTS ${table}`)
      .catch((err: unknown) =>
        log('dropping the raw table failed', { message: errorMessage(err) }),
      );
    await Promise.all(conns.map((c) => c.end().catch(() => undefined)));
  }
  return out;
}
