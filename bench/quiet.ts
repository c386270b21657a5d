import { coresUsed, cpuSnapshot } from './cpu';
import { log, now, round, sleep } from './util';

/** Cores that neither the bench nor the system under test used (other processes, unattributed). */
export const foreign = (c: Record<string, number>): number =>
  round((c.other ?? 0) + (c.unattributed ?? 0), 2);

/** Other processes used >= 0.3 cores while a measurement ran: its figures are pessimistic. */
export const disturbed = (c: Record<string, number>): boolean => foreign(c) >= 0.3;

/**
 * Another process busy on the same cores (a test suite, a build) skews every figure here. Before
 * each measurement, wait (within one budget for the whole run) until the rest of the machine is
 * near idle; the report says how long we waited and how busy the rest was while measuring.
 */
export class QuietMachine {
  /** Waits longer than a second, by measurement label (the report's `quietWaitsMs`). */
  readonly waits: Record<string, number> = {};

  constructor(private budgetMs: number) {}

  async wait(named: Record<string, string>, label: string): Promise<void> {
    const t = now();
    for (let said = false; ; said = true) {
      const a = cpuSnapshot(named);
      await sleep(500);
      const busy = foreign(coresUsed(a, cpuSnapshot(named)));
      const waited = now() - t;
      if (busy < 0.3 || waited > this.budgetMs) {
        this.budgetMs = Math.max(0, this.budgetMs - waited);
        if (waited > 1000) this.waits[label] = Math.round(waited);
        if (busy >= 0.3) log('machine still busy; measuring anyway', { label, otherCores: busy });
        return;
      }
      if (!said)
        log('other processes are busy on this machine; waiting', { label, otherCores: busy });
    }
  }
}
