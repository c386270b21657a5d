/**
 * Stage `observability`: what metrics and tracing cost the write path. The system under test is
 * started several times, alternately with both off (METRICS=off, no OTLP endpoint) and both on
 * (metrics, and every trace sampled and exported over OTLP/HTTP to a receiver in this process
 * that counts and discards them), and each time runs the same bounded board workload (spread
 * writes, 8 clients) on a fresh database and channel prefix, so no start inherits another's data.
 */
import { createServer, request, type Server } from 'node:http';
import { runBoardWorkload, setupBoards, type BoardWorkloadResult } from '../boards';
import { coresUsed, cpuSnapshot } from '../cpu';
import { runWorkload } from '../http';
import { freePort } from '../../test/support/ports';
import { startSystem, type SystemOptions, type SystemUnderTest } from '../system';
import { errorMessage, freshDatabase, log, round } from '../util';
import type { RunContext, StageFailure } from './context';
import type { Target } from './targets';
import type { Caller } from './tokens';
import { registration } from './users';

/**
 * `metrics`: metrics on, tracing off; `json`: both on, traces exported as OTLP http/json instead of
 * http/protobuf (`on`); `sampled`: both on, one trace in ten recorded (the standard `traceidratio`
 * sampler at 0.1: its decision is a function of the trace id, so every process makes the same one
 * for a trace; the parent-based one would follow the bench client's traceparent, which says
 * sampled). Only when BENCH_OBS_MODES asks: to tell the costs apart.
 */
export type Mode = 'off' | 'on' | 'metrics' | 'json' | 'sampled';
const MODES: readonly Mode[] = ['off', 'on', 'metrics', 'json', 'sampled'];
const TRACED: readonly Mode[] = ['on', 'json', 'sampled'];
const SAMPLED_RATIO = '0.1';

export interface ObservabilityRound {
  mode: Mode;
  writesPerSec: number;
  answeredPerSec: number;
  writes: number;
  ok: number;
  seconds: number;
  latencyMs: BoardWorkloadResult['latencyMs'];
  errors: number;
  /** CPU of the system process per accepted write, during the workload. */
  systemCpuMsPerWrite: number;
  cpuCores: Record<string, number>;
  /** GET /metrics after the workload: 200 with the write families when on, 404 when off. */
  metricsScrape: { status: number; bytes: number; commandsAccepted: number | null };
  /** OTLP export requests (POST /v1/traces) the receiver got while the workload ran. */
  traceExports: { requests: number; bytes: number };
}

export interface ObservabilityResult {
  clients: number;
  durationMs: number;
  maxWrites: number;
  order: Mode[];
  rounds: ObservabilityRound[];
  /** Mean of the rounds' accepted writes/s, by mode. */
  offWritesPerSec: number | null;
  onWritesPerSec: number | null;
  /** 1 - on/off, in % (`on`, or `json` when only that ran). */
  costPct: number | null;
  /** The same, by the OTLP protocol the traces were exported with (`on` and `json` modes). */
  costPctByProtocol: Record<'http/protobuf' | 'http/json', number | null>;
  /** The same with one trace in ten sampled (`sampled` mode), when it ran. */
  costPctSampled: number | null;
  /** Every mode that ran: mean writes/s and system CPU ms per write. */
  byMode: Partial<Record<Mode, { writesPerSec: number; systemCpuMsPerWrite: number }>>;
  /** Export requests the receiver got over the whole stage (spans flushed at shutdown included). */
  traceExportsTotal: { requests: number; bytes: number };
  failure: StageFailure | null;
}

const TARGET_COST_PCT = 10;

/** An OTLP/HTTP receiver that answers every export with success and keeps only counts. */
async function otlpReceiver(): Promise<{
  url: string;
  counts: { requests: number; bytes: number };
  close(): Promise<void>;
}> {
  const counts = { requests: 0, bytes: 0 };
  const server: Server = createServer((req, res) => {
    let bytes = 0;
    req.on('data', (c: Buffer) => (bytes += c.length));
    req.on('end', () => {
      if (req.method === 'POST' && req.url === '/v1/traces') {
        counts.requests++;
        counts.bytes += bytes;
        // An empty ExportTraceServiceResponse: nothing rejected.
        res.writeHead(200, { 'content-type': 'application/x-protobuf' });
        res.end();
      } else {
        res.writeHead(404, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ error: 'only POST /v1/traces' }));
      }
    });
  });
  const port = await freePort();
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${port}`,
    counts,
    close: () =>
      new Promise((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

function scrape(port: number): Promise<{ status: number; text: string }> {
  return new Promise((resolve) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', timeout: 10_000 }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }),
      );
    });
    req.on('error', (err) => resolve({ status: 0, text: err.message }));
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.end();
  });
}

const acceptedIn = (text: string): number | null => {
  const lines = text.split('\n').filter((l) => l.startsWith('devpie_commands_accepted_total{'));
  return lines.length ? lines.reduce((n, l) => n + Number(l.split(' ').pop()), 0) : null;
};

const mean = (xs: number[]): number | null =>
  xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null;

export async function observabilityStage(
  run: RunContext,
  base: SystemOptions,
  owner: Caller,
): Promise<ObservabilityResult> {
  const { settings } = run;
  const clients = Number(process.env.BENCH_OBS_CLIENTS ?? 8);
  const pairs = Number(process.env.BENCH_OBS_PAIRS ?? 2);
  const modes = (process.env.BENCH_OBS_MODES ?? 'off,on').split(',').map((m) => m.trim() as Mode);
  const unknown = modes.filter((m) => !MODES.includes(m));
  if (unknown.length) throw new Error(`BENCH_OBS_MODES: unknown ${unknown.join(', ')}`);
  const order = Array.from({ length: pairs }, () => modes).flat();
  const maxWrites = Math.min(settings.boardCap, 4_000);
  const out: ObservabilityResult = {
    clients,
    durationMs: settings.durationMs,
    maxWrites,
    order,
    rounds: [],
    offWritesPerSec: null,
    onWritesPerSec: null,
    costPct: null,
    costPctByProtocol: { 'http/protobuf': null, 'http/json': null },
    costPctSampled: null,
    byMode: {},
    traceExportsTotal: { requests: 0, bytes: 0 },
    failure: null,
  };
  const receiver = await otlpReceiver();
  const database = `${settings.database}_obs`;
  let system: SystemUnderTest | null = null;
  let during = 'start';
  try {
    for (const [k, mode] of order.entries()) {
      during = `${mode} #${k + 1}`;
      const options: SystemOptions = {
        ...base,
        port: await freePort(),
        databaseUrl: await freshDatabase(run.baseDb, database),
        prefix: `${base.prefix}obs${k}.`,
        // Leaving the probe out keeps its own hooks from weighing on both sides.
        probe: false,
        env: !TRACED.includes(mode)
          ? {
              METRICS: mode === 'off' ? 'off' : undefined,
              OTEL_EXPORTER_OTLP_ENDPOINT: undefined,
              OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
            }
          : {
              METRICS: undefined,
              OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
              OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: undefined,
              ...(mode === 'sampled'
                ? {
                    OTEL_TRACES_SAMPLER: 'traceidratio',
                    OTEL_TRACES_SAMPLER_ARG: SAMPLED_RATIO,
                  }
                : { OTEL_TRACES_SAMPLER: 'always_on', OTEL_TRACES_SAMPLER_ARG: undefined }),
              OTEL_SDK_DISABLED: undefined,
              OTEL_EXPORTER_OTLP_PROTOCOL: mode === 'json' ? 'http/json' : 'http/protobuf',
              OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: undefined,
            },
      };
      system = await startSystem(options);
      const { port } = system;
      const registered = await runWorkload(port, 'spread', 1, 10_000, 1, () => registration(owner));
      if (registered.result.ok !== 1)
        throw new Error(`registering the board user failed: ${JSON.stringify(registered.result)}`);
      const setup = await setupBoards(port, owner.token, {
        boards: settings.boards,
        tasksPerBoard: settings.tasksPerBoard,
        hotBoards: 1,
        hotTasks: 1,
        concurrency: 8,
        tag: `${run.runId}-obs${k}`,
      });
      const common = {
        port,
        token: owner.token,
        boards: setup.boards,
        hot: setup.hot[0]!,
        shape: 'spread' as const,
        clients,
      };
      // Warm (JIT, pools, caches) before measuring, as the boards stage does.
      await runBoardWorkload({
        ...common,
        durationMs: 10_000,
        maxWrites: settings.boardWarmupWrites,
        seed: 0,
      });
      const named = { [run.self]: 'benchClient', [String(system.pid)]: 'system' };
      await run.quiet.wait(named, `observability-${mode}${k}`);
      const exportsBefore = { ...receiver.counts };
      const cpuBefore = cpuSnapshot(named);
      // The same seed every time: each start writes the same sequence on its own fresh boards.
      const { result } = await runBoardWorkload({
        ...common,
        durationMs: settings.durationMs,
        maxWrites,
        seed: 1,
      });
      const cpuCores = coresUsed(cpuBefore, cpuSnapshot(named));
      const exports = {
        requests: receiver.counts.requests - exportsBefore.requests,
        bytes: receiver.counts.bytes - exportsBefore.bytes,
      };
      const scraped = await scrape(port);
      const metricsScrape = {
        status: scraped.status,
        bytes: scraped.text.length,
        commandsAccepted: acceptedIn(scraped.text),
      };
      if (system.exit()) throw new Error('the system under test exited during the workload');
      await system.stop();
      system = null;
      const seconds = result.seconds;
      const round_: ObservabilityRound = {
        mode,
        writesPerSec: round(result.ok / seconds, 1),
        answeredPerSec: result.answeredPerSec,
        writes: result.writes,
        ok: result.ok,
        seconds,
        latencyMs: result.latencyMs,
        errors: result.errors,
        systemCpuMsPerWrite: round(((cpuCores.system ?? 0) * seconds * 1000) / result.ok, 2),
        cpuCores,
        metricsScrape,
        traceExports: exports,
      };
      out.rounds.push(round_);
      log('observability round', {
        mode,
        writesPerSec: round_.writesPerSec,
        p50: result.latencyMs.p50,
        metrics: metricsScrape.status,
        traceExports: exports.requests,
      });
      // A round whose switch did not take measures nothing: say so rather than report a cost.
      if (mode !== 'off' && (metricsScrape.status !== 200 || !metricsScrape.commandsAccepted))
        throw new Error(`metrics not on: /metrics answered ${metricsScrape.status}`);
      if (mode === 'off' && metricsScrape.status !== 404)
        throw new Error(`metrics not off: /metrics answered ${metricsScrape.status}`);
      if (!TRACED.includes(mode) && exports.requests > 0)
        throw new Error(`tracing not off: ${exports.requests} exports during the workload`);
    }
    if (modes.some((m) => TRACED.includes(m)) && receiver.counts.requests === 0)
      throw new Error('no trace reached the OTLP receiver');
    for (const mode of modes) {
      const rounds = out.rounds.filter((r) => r.mode === mode);
      out.byMode[mode] = {
        writesPerSec: round(mean(rounds.map((r) => r.writesPerSec)) ?? 0, 1),
        systemCpuMsPerWrite: round(mean(rounds.map((r) => r.systemCpuMsPerWrite)) ?? 0, 2),
      };
    }
    const off = out.byMode.off?.writesPerSec ?? null;
    const cost = (on: number | null) =>
      off && on !== null ? round((1 - on / off) * 100, 1) : null;
    const on = out.byMode.on?.writesPerSec ?? out.byMode.json?.writesPerSec ?? null;
    out.offWritesPerSec = off;
    out.onWritesPerSec = on;
    out.costPct = cost(on);
    out.costPctByProtocol = {
      'http/protobuf': cost(out.byMode.on?.writesPerSec ?? null),
      'http/json': cost(out.byMode.json?.writesPerSec ?? null),
    };
    out.costPctSampled = cost(out.byMode.sampled?.writesPerSec ?? null);
  } catch (err) {
    out.failure = {
      during,
      message: errorMessage(err),
      systemExit: system?.exit() ?? null,
    };
    log('observability stage failed', { during, error: out.failure.message });
    if (system) await system.stop();
  } finally {
    out.traceExportsTotal = { ...receiver.counts };
    await receiver.close();
  }
  return out;
}

export function observabilityTargets(o: ObservabilityResult): Target[] {
  const measured =
    o.costPct === null
      ? `not measured: ${o.failure?.message ?? 'no rounds'}`
      : `${o.costPct}% (${o.offWritesPerSec} writes/s off, ${o.onWritesPerSec} on; board spread writes, ${o.clients} clients, ${o.order.join(', ')}; by OTLP protocol ${JSON.stringify(o.costPctByProtocol)}${o.costPctSampled === null ? '' : `; one trace in ten sampled ${o.costPctSampled}%`})`;
  return [
    {
      name: 'observability: cost of metrics + tracing (every trace sampled) on writes/s',
      target: `< ${TARGET_COST_PCT}%`,
      measured,
      met: o.costPct !== null && o.costPct < TARGET_COST_PCT,
    },
  ];
}
