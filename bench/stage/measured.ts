import { Client } from 'pg';
import { coresOf, coresUsed, cpuSnapshot } from '../cpu';
import { logServerPid } from '../logs';
import type { ProbeStats } from '../probe';
import { disturbed } from '../quiet';
import type { QuietMachine } from '../quiet';
import { quietTag, type LiveSystem, type StageFailure } from './context';

/** What the probe took inside the system during one measurement (its statement examples left out). */
export type Inside = Omit<ProbeStats, 'examples'>;

/**
 * The run's own processes: the system under test, this process, the Postgres backends connected
 * to the system's database (alive at the end of the measurement), and the log's server (the run's
 * NATS Streaming, or the JetStream server). Null when they cannot be told (no Postgres answer).
 */
async function ownPids(live: LiveSystem): Promise<string[] | null> {
  const client = new Client({ connectionString: live.options.databaseUrl });
  try {
    await client.connect();
    const { rows } = await client.query<{ pid: string }>(
      'SELECT pid::text AS pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()',
    );
    const server = logServerPid(live.options.log);
    return [...Object.keys(live.named), ...rows.map((r) => r.pid), ...(server ? [server] : [])];
  } catch {
    return null;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * One measurement on the running system: once the machine is quiet, the probe's figures are
 * reset, then `body` runs; CPU by process group and the probe's figures cover exactly it.
 */
export async function measured<T>(
  live: LiveSystem,
  quiet: QuietMachine,
  label: string,
  body: () => Promise<T>,
): Promise<{
  value: T;
  cpuCores: Record<string, number>;
  /** Cores the run's own processes used (ownPids), or null. */
  ownCores: number | null;
  disturbed: boolean;
  inside: Inside | null;
}> {
  await quiet.wait(live.named, `${quietTag(live.options.log)}${label}`);
  await live.system.probe();
  const before = cpuSnapshot(live.named);
  const value = await body();
  const after = cpuSnapshot(live.named);
  const cpuCores = coresUsed(before, after);
  const pids = await ownPids(live);
  const probed = await live.system.probe();
  return {
    value,
    cpuCores,
    ownCores: pids ? coresOf(before, after, pids) : null,
    disturbed: disturbed(cpuCores),
    inside: probed ? (({ examples: _, ...rest }) => rest)(probed) : null,
  };
}

/** A system that exited on its own makes every later figure void. */
export function assertAlive(live: LiveSystem, during: string): void {
  const gone = live.system.exit();
  if (gone)
    throw new Error(
      `the system under test exited (code ${gone.code}, signal ${gone.signal}) during ${during}; nobody here asked it to`,
    );
}

export const stageFailure = (live: LiveSystem, during: string, err: unknown): StageFailure => ({
  during,
  message: (err as Error).message,
  systemExit: live.system.exit(),
});
