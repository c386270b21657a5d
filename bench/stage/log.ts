/** Stage `log`: the log alone (raw publish), then through the adapter's writer. */
import { coresUsed, cpuSnapshot } from '../cpu';
import { logThroughput, type LogStageResult } from '../logThroughput';
import { disturbed } from '../quiet';
import type { RunContext } from './context';
import type { Target } from './targets';

export interface LogReport extends LogStageResult {
  cpuCores: Record<string, number>;
  disturbed: boolean;
}

const ADAPTER_RATIO = 0.7;

export async function logStage(run: RunContext): Promise<LogReport> {
  const named = { [run.self]: 'bench' };
  await run.quiet.wait(named, 'log');
  const snap = cpuSnapshot(named);
  const result = await logThroughput({
    ...run.stan,
    prefix: `bench.${run.runId}.log.`,
    databaseUrl: run.benchDb,
    messages: run.settings.messages,
    rounds: run.settings.logRounds,
    warmup: 1000,
    window: run.settings.window,
    serialSamples: 500,
  });
  const cpuCores = coresUsed(snap, cpuSnapshot(named));
  return { ...result, cpuCores, disturbed: disturbed(cpuCores) };
}

export function logTargets(l: LogReport): Target[] {
  const met = l.ratio >= ADAPTER_RATIO;
  return [
    {
      name: 'adapter append / raw publish',
      target: `>= ${ADAPTER_RATIO}`,
      measured: `${l.ratio} (${l.adapter.messagesPerSec} vs ${l.raw.messagesPerSec} msg/s)`,
      met,
      ...(met
        ? {}
        : {
            whereTimeGoes: `rounds ${JSON.stringify(l.rounds)}: per-append envelope building, JSON and promise bookkeeping on top of the raw publish`,
          }),
    },
  ];
}
