/**
 * Stage `components`: one category's writes decided by one component instance against two, and
 * what a killed instance costs, on each log. On NATS Streaming the second instance stands by
 * behind the writer lease (a category cannot be decided faster than one process); on JetStream
 * both decide at once (COMPONENT_WRITERS=shared) and the log refuses a stale outcome.
 *
 * The instances are the real role (`node dist/main.js identity-component`), each its own
 * process; the commands are registrations, each of a new user, published ahead as a backlog so
 * the instances, not the sender, set the pace.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import type { CommandEnvelope } from '../../contracts/envelope';
import type { EventLogKind } from '../../platform/config';
import { decodeEntry } from '../../platform/eventlog/entries';
import type { LogSession } from '../../platform/eventlog/port';
import { newId } from '../../platform/ids';
import { repoPath } from '../../platform/paths';
import { PostgresLeases } from '../../platform/postgres/lease';
import { coresUsed, cpuSnapshot, type CpuSnapshot } from '../cpu';
import { dropStreams, logEnv, openLog } from '../logs';
import { freePort } from '../../test/support/ports';
import { systemEnv, type SystemOptions } from '../system';
import { log, now, percentile, round, sleep } from '../util';
import type { RunContext } from './context';
import type { Target } from './targets';

const CATEGORY = 'user';
const SCALING_TARGET = 1.6;

export interface ScalingRound {
  log: EventLogKind;
  instances: number;
  commands: number;
  /** Outcomes per second while the backlog drained (its 10th to 90th percent). */
  decidedPerSec: number;
  /**
   * Cores busy meanwhile, by group: the instances together, the log's server, this bench process
   * (sending, then watching the outcomes), and the machine in all (2.0 = both cores of this one).
   */
  cores: Record<string, number>;
  /** The instances' CPU per decision, together. */
  componentCpuMsPerDecision: number;
}

export interface Failover {
  log: EventLogKind;
  sent: number;
  /** Commands with no outcome, and commands with more than one: both must be 0. */
  lost: number;
  doubled: number;
  /** Send to outcome, before the kill. */
  p50BeforeKillMs: number | null;
  /** The slowest command sent in the second after the kill: what a user waited at worst. */
  worstAfterKillMs: number | null;
  /** The longest stretch after the kill with no outcome at all. */
  longestSilenceMs: number;
}

export interface ComponentsReport {
  scaling: {
    rounds: ScalingRound[];
    /** Two instances' rate over one's, per log (means of the rounds). */
    ratio: Partial<Record<EventLogKind, number>>;
  };
  failover: Failover[];
  failure: string | null;
}

interface Instance {
  child: ChildProcess;
  port: number;
  exited: Promise<void>;
}

async function startInstance(
  run: RunContext,
  options: SystemOptions,
  prefix: string,
  kind: EventLogKind,
) {
  const port = await freePort();
  const env = systemEnv({
    ...options,
    port,
    prefix,
    env: { ...options.env, ...logEnv(run.logs[kind]), LOG_LEVEL: 'warn' },
  });
  const child = spawn(process.execPath, [repoPath('dist', 'main.js'), 'identity-component'], {
    env,
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const instance: Instance = { child, port, exited };
  return instance;
}

const pidsAs = (instances: Instance[], group: string): Record<string, string> =>
  Object.fromEntries(instances.map((i) => [String(i.child.pid), group]));

async function answers(port: number, path: string): Promise<boolean> {
  try {
    const res = await fetch(`http://127.0.0.1:${String(port)}${path}`);
    return res.ok;
  } catch {
    return false;
  }
}

/** Until every instance is up and, on NATS Streaming, one of them holds the writer lease. */
async function waitTaking(instances: Instance[]): Promise<void> {
  const deadline = now() + 60_000;
  for (;;) {
    const up = await Promise.all(instances.map((i) => answers(i.port, '/healthz')));
    const taking = await Promise.all(instances.map((i) => answers(i.port, '/readyz')));
    if (up.every(Boolean) && taking.some(Boolean)) return;
    if (now() > deadline) throw new Error('component instances not taking commands within 60 s');
    await sleep(100);
  }
}

async function stopAll(instances: Instance[]): Promise<void> {
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGTERM');
  await Promise.race([Promise.all(instances.map((i) => i.exited)), sleep(20_000)]);
  for (const i of instances) if (i.child.exitCode === null) i.child.kill('SIGKILL');
}

const registration = (): CommandEnvelope => {
  const id = newId();
  return {
    id: newId(),
    type: 'AddUser',
    streamId: `${CATEGORY}-${id}`,
    expectedVersion: null,
    data: {
      id,
      auth0Id: `auth0|${id}`,
      email: 'bench@example.com',
      emailVerified: true,
      firstName: 'Bench',
      lastName: '',
      picture: '',
      locale: '',
    },
    metadata: {
      traceId: newId(),
      correlationId: newId(),
      causationId: null,
      userId: 'auth0|bench',
      timestamp: new Date().toISOString(),
    },
  };
};

/** A session of the bench's own on the chosen log, under a prefix. */
const session = (run: RunContext, kind: EventLogKind, prefix: string, name: string) =>
  openLog(run.logs[kind], {
    prefix,
    name: `${prefix}${name}`,
    leases: new PostgresLeases(run.benchDb),
  });

/** Sends with at most `window` sends unanswered. */
async function sendAll(logSession: LogSession, commands: CommandEnvelope[], window = 256) {
  let next = 0;
  const worker = async () => {
    while (next < commands.length) {
      const c = commands[next++]!;
      await logSession.sendCommand(c);
    }
  };
  await Promise.all(Array.from({ length: window }, worker));
}

/** Each outcome's arrival, by the command it answers, as the event channel delivers it. */
async function watchOutcomes(logSession: LogSession) {
  const arrivals = new Map<string, number[]>();
  let count = 0;
  const times: number[] = [];
  const sub = await logSession.subscribe(CATEGORY, 'event', { from: 1, maxInFlight: 4096 }, (d) => {
    d.ack();
    const at = now();
    const decoded = decodeEntry(CATEGORY, d.position, d.body);
    if (!decoded.ok || decoded.value.kind === 'fence') return;
    const entry = decoded.value;
    const commandId =
      entry.kind === 'events' ? entry.events[0]?.metadata.causationId : entry.rejection.commandId;
    if (!commandId) return;
    count++;
    times.push(at);
    arrivals.set(commandId, [...(arrivals.get(commandId) ?? []), at]);
  });
  return { arrivals, times, count: () => count, close: () => sub.close() };
}

async function waitFor(check: () => boolean, ms: number, what: string): Promise<void> {
  const deadline = now() + ms;
  while (!check()) {
    if (now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(20);
  }
}

async function scalingRound(
  run: RunContext,
  options: SystemOptions,
  kind: EventLogKind,
  instances: number,
  commands: number,
  label: string,
): Promise<ScalingRound> {
  const prefix = `bench.${run.runId}.${label}.`;
  const sender = await session(run, kind, prefix, 'sender');
  const watcher = await watchOutcomes(sender);
  try {
    // The backlog first: the instances then drain it as fast as they decide.
    await sendAll(
      sender,
      Array.from({ length: commands }, () => registration()),
    );
    const started = await Promise.all(
      Array.from({ length: instances }, () => startInstance(run, options, prefix, kind)),
    );
    const named = { [run.self]: 'bench', ...pidsAs(started, 'components') };
    // Over the same stretch as the rate (10% to 90% of the outcomes): not the instances' start.
    const cpu: { first?: CpuSnapshot; done?: CpuSnapshot } = {};
    try {
      await waitFor(
        () => {
          const n = watcher.count();
          if (!cpu.first && n >= commands * 0.1) cpu.first = cpuSnapshot(named);
          if (!cpu.done && n >= commands * 0.9) cpu.done = cpuSnapshot(named);
          return n >= commands;
        },
        300_000,
        `${label}: every outcome`,
      );
    } finally {
      await stopAll(started);
    }
    const t = watcher.times;
    const from = t[Math.floor(commands * 0.1)]!;
    const to = t[Math.floor(commands * 0.9)]!;
    const decidedPerSec = round((0.8 * commands) / ((to - from) / 1000), 0);
    const { first, done } = cpu;
    const cores = first && done ? coresUsed(first, done) : {};
    const componentCpuMsPerDecision =
      first && done
        ? round(((cores.components ?? 0) * (done.at - first.at)) / (0.8 * commands), 3)
        : 0;
    log('components: scaling round', { log: kind, instances, decidedPerSec, cores });
    return { log: kind, instances, commands, decidedPerSec, cores, componentCpuMsPerDecision };
  } finally {
    await watcher.close();
    await sender.close();
    await dropRun(run, kind, prefix);
  }
}

/** JetStream's server outlives the run (the machine's, or the dev stack's): the round's streams go. */
async function dropRun(run: RunContext, kind: EventLogKind, prefix: string): Promise<void> {
  if (kind === 'jetstream' && process.env.BENCH_KEEP_DB !== '1')
    await dropStreams(run.logs.jetstream, prefix).catch(() => 0);
}

async function failover(
  run: RunContext,
  options: SystemOptions,
  kind: EventLogKind,
): Promise<Failover> {
  const prefix = `bench.${run.runId}.failover-${kind}.`;
  const sender = await session(run, kind, prefix, 'sender');
  const watcher = await watchOutcomes(sender);
  const instances = [
    await startInstance(run, options, prefix, kind),
    await startInstance(run, options, prefix, kind),
  ];
  try {
    await waitTaking(instances);
    const perSec = 200;
    const seconds = 10;
    const killAt = 3_000;
    const sentAt = new Map<string, number>();
    const begin = now();
    let killedAt = 0;
    for (let i = 0; i < perSec * seconds; i++) {
      const due = begin + (i * 1000) / perSec;
      if (due > now()) await sleep(due - now());
      if (!killedAt && now() - begin >= killAt) {
        // On NATS Streaming the lease holder (the only one deciding); on JetStream either.
        const taking = await Promise.all(instances.map((x) => answers(x.port, '/readyz')));
        const victim = instances[Math.max(0, taking.indexOf(true))]!;
        victim.child.kill('SIGKILL');
        killedAt = now();
        log('components: instance killed', { log: kind, pid: victim.child.pid });
      }
      const c = registration();
      sentAt.set(c.id, now());
      void sender.sendCommand(c).catch(() => sentAt.delete(c.id));
    }
    await waitFor(() => watcher.count() >= sentAt.size, 60_000, `${kind} failover: every outcome`);
    await sleep(1_000);
    let lost = 0;
    let doubled = 0;
    const before: number[] = [];
    let worstAfter: number | null = null;
    for (const [id, sent] of sentAt) {
      const got = watcher.arrivals.get(id);
      if (!got) {
        lost++;
        continue;
      }
      if (got.length > 1) doubled++;
      const latency = got[0]! - sent;
      if (sent < killedAt) before.push(latency);
      else if (sent < killedAt + 1_000) worstAfter = Math.max(worstAfter ?? 0, latency);
    }
    let silence = 0;
    const after = watcher.times.filter((t) => t >= killedAt);
    let last = killedAt;
    for (const t of after) {
      silence = Math.max(silence, t - last);
      last = t;
    }
    before.sort((a, b) => a - b);
    const p50 = percentile(before, 50);
    const result: Failover = {
      log: kind,
      sent: sentAt.size,
      lost,
      doubled,
      p50BeforeKillMs: p50 === null ? null : round(p50, 1),
      worstAfterKillMs: worstAfter === null ? null : round(worstAfter, 0),
      longestSilenceMs: round(silence, 0),
    };
    log('components: failover', { ...result });
    return result;
  } finally {
    await stopAll(instances);
    await watcher.close();
    await sender.close();
    await dropRun(run, kind, prefix);
  }
}

export async function componentsStage(
  run: RunContext,
  options: SystemOptions,
  logs: EventLogKind[],
  commands: number,
): Promise<ComponentsReport> {
  const rounds: ScalingRound[] = [];
  const failovers: Failover[] = [];
  try {
    for (const kind of logs) {
      // ABBA: a drift of the machine over the rounds weighs on both counts alike.
      for (const [i, n] of [1, 2, 2, 1].entries()) {
        await run.quiet.wait({ [run.self]: 'bench' }, `components ${kind} x${String(n)}`);
        rounds.push(
          await scalingRound(run, options, kind, n, commands, `scale-${kind}-${String(i)}`),
        );
      }
      failovers.push(await failover(run, options, kind));
    }
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    log('components stage failed', { message });
    return { scaling: { rounds, ratio: {} }, failover: failovers, failure: message };
  }
  const ratio: Partial<Record<EventLogKind, number>> = {};
  for (const kind of logs) {
    const mean = (n: number) => {
      const r = rounds.filter((x) => x.log === kind && x.instances === n);
      return r.reduce((s, x) => s + x.decidedPerSec, 0) / Math.max(1, r.length);
    };
    ratio[kind] = round(mean(2) / Math.max(1, mean(1)), 2);
  }
  return { scaling: { rounds, ratio }, failover: failovers, failure: null };
}

/** Where the cores went in the rounds of each size: what two instances could have had more of. */
function coresNote(rounds: ScalingRound[]): string {
  const parts = [1, 2].map((n) => {
    const r = rounds.filter((x) => x.instances === n);
    const mean = (k: string) =>
      round(r.reduce((sum, x) => sum + (x.cores[k] ?? 0), 0) / Math.max(1, r.length), 2);
    const cpu = round(
      r.reduce((sum, x) => sum + x.componentCpuMsPerDecision, 0) / Math.max(1, r.length),
      3,
    );
    return `${String(n)} instance(s): machine ${String(mean('machineTotal'))} cores busy (instances ${String(mean('components'))}, log server ${String(mean('natsServer'))}, bench ${String(mean('bench'))}), ${String(cpu)} ms instance CPU per decision`;
  });
  return parts.join('; ');
}

export function componentsTargets(r: ComponentsReport): Target[] {
  const targets: Target[] = [];
  const js = r.scaling.ratio.jetstream;
  if (js !== undefined) {
    targets.push({
      name: 'two component instances on JetStream decide one category faster',
      target: `>= ${String(SCALING_TARGET)}x one instance`,
      measured: `${String(js)}x (NATS Streaming: ${String(r.scaling.ratio.stan ?? 'not run')}x)`,
      met: js >= SCALING_TARGET,
      whereTimeGoes: coresNote(r.scaling.rounds.filter((x) => x.log === 'jetstream')),
    });
  }
  for (const f of r.failover) {
    targets.push({
      name: `a killed component instance loses and doubles nothing (${f.log})`,
      target: '0 lost, 0 doubled',
      measured: `${String(f.lost)} lost, ${String(f.doubled)} doubled of ${String(f.sent)}; worst wait ${String(f.worstAfterKillMs)} ms, longest silence ${String(f.longestSilenceMs)} ms`,
      met: f.lost === 0 && f.doubled === 0,
    });
  }
  return targets;
}
