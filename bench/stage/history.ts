/**
 * Stage `history`: the projects roles started on a long history (BENCH_HISTORY_EVENTS board
 * events, 200,000 by default): time to ready and memory per 100,000 events. The measurement is
 * the fault scenario `long-history`'s (bench/longHistory.ts); here on the run's log server, with
 * a database and channel prefix of its own.
 */
import { spawn } from 'node:child_process';
import { MIGRATIONS } from '../../main';
import { repoPath } from '../../platform/paths';
import { migrate } from '../../platform/postgres/migrate';
import { restartOnLongHistory, type HistoryProcess, type LongHistoryRestart } from '../longHistory';
import { freePort } from '../../test/support/ports';
import { dropDatabase, freshDatabase, log, round } from '../util';
import type { RunContext } from './context';
import type { Target } from './targets';

export interface HistoryReport {
  result: LongHistoryRestart | null;
  /** Events replayed per second until ready (the component and the projector share the process). */
  eventsPerSecToReady: number | null;
  failure: string | null;
}

/** `node dist/main.js <roles>` on the history's database and channels; its output is kept. */
async function startRoles(
  roles: string[],
  env: Record<string, string>,
  base: { databaseUrl: string; prefix: string },
  children: Array<() => void>,
): Promise<HistoryProcess> {
  const port = await freePort();
  let out = '';
  const child = spawn(process.execPath, [repoPath('dist', 'main.js'), ...roles], {
    env: {
      ...process.env,
      PORT: String(port),
      DATABASE_URL: base.databaseUrl,
      STAN_CHANNEL_PREFIX: base.prefix,
      NODE_ENV: 'production',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  // Only the tail: a replay at info level says little, but a long run should not hold it all.
  const keep = (d: Buffer) => (out = (out + d.toString()).slice(-200_000));
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  children.push(() => child.kill('SIGKILL'));
  const ready = async () => {
    try {
      return (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200;
    } catch {
      return false;
    }
  };
  return {
    pid: child.pid,
    port,
    output: () => out,
    async waitReady(timeoutMs) {
      const deadline = Date.now() + timeoutMs;
      while (!(await ready())) {
        if (child.exitCode !== null) throw new Error(`${roles.join(',')} exited: ${out}`);
        if (Date.now() > deadline) throw new Error(`${roles.join(',')} not ready: ${out}`);
        await new Promise((r) => setTimeout(r, 100));
      }
    },
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

export async function historyStage(run: RunContext): Promise<HistoryReport> {
  const database = `${run.settings.database}_history`;
  const databaseUrl = await freshDatabase(run.baseDb, database);
  const prefix = `bench.${run.runId}.history.`;
  const children: Array<() => void> = [];
  try {
    await migrate(databaseUrl, MIGRATIONS);
    log('history: seeding', { events: run.settings.historyEvents });
    const result = await restartOnLongHistory({
      stan: { url: run.stan.stanUrl, clusterId: run.stan.clusterId },
      prefix,
      databaseUrl,
      events: run.settings.historyEvents,
      start: (roles, env) => startRoles(roles, env, { databaseUrl, prefix }, children),
      beforeRestart: () => run.quiet.wait({ [run.self]: 'bench' }, 'history'),
    });
    log('history: ready', {
      ms: result.readyAfterMs,
      rssMiB: result.rssMiB,
      fromCheckpoint: result.fromCheckpoint,
    });
    return {
      result,
      eventsPerSecToReady: Math.round(result.events / (result.readyAfterMs / 1000)),
      failure: null,
    };
  } catch (err) {
    return { result: null, eventsPerSecToReady: null, failure: String(err).slice(0, 2_000) };
  } finally {
    for (const kill of children) kill();
    await dropDatabase(run.baseDb, database);
  }
}

export function historyTargets(h: HistoryReport): Target[] {
  const r = h.result;
  if (!r) return [];
  // No target was set for the first start: a line to follow from run to run.
  return [
    {
      name: 'restart on a long history (projects component and projector)',
      target: 'ready, no lease or connection lost while catching up',
      measured: `${r.events} events: ready after ${round(r.readyAfterMs / 1000, 1)} s, ${r.rssMiB} MiB (${r.mibPer100kEvents} MiB per 100k events), ${r.lostLines.length} lost`,
      met: r.lostLines.length === 0,
    },
    {
      name: 'restart from the snapshots’ checkpoint (the same history, after the first flush)',
      target: 'ready in seconds, memory independent of the history’s length',
      measured: r.fromCheckpoint
        ? `ready after ${round(r.fromCheckpoint.readyAfterMs / 1000, 1)} s, ${r.fromCheckpoint.rssMiB} MiB; first flush ${round((r.flushedAfterMs ?? 0) / 1000, 1)} s after ready`
        : 'no checkpoint within 300 s',
      met: r.fromCheckpoint !== null,
    },
  ];
}
