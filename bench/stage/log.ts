/**
 * Stage `log`: the log alone (raw publish), then through the adapter's writer; then publish→ack
 * under load, callers each waiting for their ack, at the HTTP stages' concurrencies.
 */
import { coresUsed, cpuSnapshot } from '../cpu';
import {
  appendCost,
  logThroughput,
  logUnderLoad,
  type AppendCost,
  type LoadRow,
  type LogStageResult,
} from '../logThroughput';
import { jetstreamLogThroughput, type JetStreamLogResult } from '../jetstreamLog';
import { disturbed } from '../quiet';
import { errorMessage, log } from '../util';
import type { RunContext } from './context';
import type { Target } from './targets';

export interface LogReport extends LogStageResult {
  cpuCores: Record<string, number>;
  disturbed: boolean;
  /** Raw against the adapter at each concurrency, appends and commands. */
  underLoad: LoadRow[];
  /** The adapter's own CPU per append, without the server (µs). */
  appendCost: AppendCost;
  /** The same raw-against-adapter run on JetStream (NATS_URL), or why it did not run. */
  jetstream: JetStreamLogResult | { skipped: string };
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
  const underLoad = await logUnderLoad({
    ...run.stan,
    prefix: `bench.${run.runId}.logload.`,
    databaseUrl: run.benchDb,
    clients: run.settings.clients,
    durationMs: 1_500,
    maxOps: 30_000,
    rounds: Math.min(2, run.settings.logRounds),
  });
  const cpuCores = coresUsed(snap, cpuSnapshot(named));
  const cost = await appendCost();
  log('adapter CPU per append, no server', { ...cost });
  const jetstream = !run.settings.logs.includes('jetstream')
    ? { skipped: 'BENCH_LOGS leaves jetstream out' }
    : await jetstreamLogThroughput({
        natsUrl: run.config.nats.url,
        prefix: `bench.${run.runId}.jslog.`,
        databaseUrl: run.benchDb,
        messages: run.settings.messages,
        rounds: run.settings.logRounds,
        warmup: 1000,
        window: run.settings.window,
      }).catch((err: unknown) => {
        // No JetStream server there: the STAN figures stand alone, and the report says why.
        log('log stage on JetStream skipped', { error: errorMessage(err) });
        return { skipped: errorMessage(err) };
      });
  return {
    ...result,
    cpuCores,
    disturbed: disturbed(cpuCores),
    underLoad,
    appendCost: cost,
    jetstream,
  };
}

export function logTargets(l: LogReport): Target[] {
  const met = l.ratio >= ADAPTER_RATIO;
  const js = l.jetstream;
  const jsMet = 'ratio' in js && js.ratio >= ADAPTER_RATIO;
  return [
    {
      name: 'JetStream adapter append / raw JetStream publish',
      target: `>= ${ADAPTER_RATIO}`,
      measured:
        'ratio' in js
          ? `${js.ratio} (${js.adapter.messagesPerSec} vs ${js.raw.messagesPerSec} msg/s; rounds ${JSON.stringify(js.rounds)})`
          : `not measured: ${js.skipped}`,
      met: jsMet,
    },
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
    ...l.underLoad.map((r): Target => {
      const rowMet = r.ratio >= ADAPTER_RATIO;
      return {
        name: `adapter ${r.what === 'append' ? 'append' : 'sendCommand'} / raw publish, ${r.clients} caller${r.clients === 1 ? '' : 's'}`,
        target: `>= ${ADAPTER_RATIO}`,
        measured: `${r.ratio} (${r.adapter.perSec} vs ${r.raw.perSec} msg/s; ack p50 ${r.adapter.ackMs.p50} vs ${r.raw.ackMs.p50} ms, p99 ${r.adapter.ackMs.p99} vs ${r.raw.ackMs.p99} ms; client CPU ${r.adapter.cpuUsPerOp} vs ${r.raw.cpuUsPerOp} µs/msg)`,
        met: rowMet,
        ...(rowMet
          ? {}
          : {
              whereTimeGoes: `the adapter adds ${r.addedCpuUs} µs of client CPU per message; the server spends ${r.adapter.serverCpuUsPerOp ?? '?'} µs per message`,
            }),
      };
    }),
  ];
}
