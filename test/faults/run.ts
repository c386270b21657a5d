/**
 * `npm run faults`: every fault scenario, one after the other, each on servers of its own
 * (a private log server of the run's log, EVENT_LOG; its own database), bounded and on loopback
 * only; then the table of what each did to the writes sent through it.
 */
import { formatReports, type FaultReport } from './report';
import { SCENARIOS } from './scenarios';

async function main(names: string[]): Promise<void> {
  const chosen = names.length ? SCENARIOS.filter((s) => names.includes(s.name)) : SCENARIOS;
  if (chosen.length === 0)
    throw new Error(`no such scenario; there are: ${SCENARIOS.map((s) => s.name).join(', ')}`);
  const reports: FaultReport[] = [];
  let failed = 0;
  for (const scenario of chosen) {
    process.stderr.write(`[faults] ${scenario.name} ...\n`);
    const started = Date.now();
    try {
      const report = await scenario.run();
      reports.push(report);
      const problems = scenario.check(report);
      if (problems.length) failed++;
      for (const p of problems) process.stderr.write(`[faults]   NOT HELD: ${p}\n`);
    } catch (err) {
      failed++;
      process.stderr.write(`[faults]   failed to run: ${(err as Error).stack ?? String(err)}\n`);
    }
    process.stderr.write(`[faults]   ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  }
  process.stdout.write(`\n${formatReports(reports)}`);
  process.stdout.write(`\n${chosen.length - failed} held, ${failed} did not\n`);
  process.exitCode = failed ? 1 : 0;
}

main(process.argv.slice(2)).catch((err: unknown) => {
  process.stderr.write(`${(err as Error).message}\n`);
  process.exitCode = 1;
});
