import { coresUsed, cpuSnapshot } from '../cpu';
import type { ProbeStats } from '../probe';
import { disturbed } from '../quiet';
import type { QuietMachine } from '../quiet';
import type { LiveSystem, StageFailure } from './context';

/** What the probe took inside the system during one measurement (its statement examples left out). */
export type Inside = Omit<ProbeStats, 'examples'>;

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
  disturbed: boolean;
  inside: Inside | null;
}> {
  await quiet.wait(live.named, label);
  await live.system.probe();
  const before = cpuSnapshot(live.named);
  const value = await body();
  const cpuCores = coresUsed(before, cpuSnapshot(live.named));
  const probed = await live.system.probe();
  return {
    value,
    cpuCores,
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
