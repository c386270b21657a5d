/**
 * Stage `rebuild`, users: the identity projector replaying channels from zero into empty views,
 * the adapter stage's kind of channel (>= 20k events) and the HTTP run's channel.
 */
import { seedChannel } from '../logThroughput';
import { rebuild, type RebuildResult } from '../rebuild';
import { quietTag, type LogSide, type RunContext } from './context';
import type { Target } from './targets';

const TARGET_EVENTS_PER_SEC = 20_000;

/**
 * How long ago the seeded events say they were written: a rebuild replays history, and a
 * projector announces no outcome of an entry older than a minute (nobody waits that long), as
 * it would announce every one, with its events, of a channel written seconds before.
 */
export const SEEDED_HISTORY_AGE_MS = 3_600_000;

/**
 * On one log (`side`): `httpRun` is the system's channel prefix and the end of what the users
 * stage wrote there.
 */
export async function userRebuilds(
  run: RunContext,
  side: LogSide,
  httpRun: { prefix: string; endPosition: number },
): Promise<RebuildResult[]> {
  const { settings } = run;
  const { log } = side;
  const rebuilds: RebuildResult[] = [];
  const common = {
    log,
    baseDatabaseUrl: run.baseDb,
    database: settings.rebuildDatabase,
    batchSize: run.config.projectorBatchSize,
    maxInFlight: 1024,
    timeoutMs: 60_000,
  };
  // Channels of their own for the rebuild, filled through the adapter's writer: a realistic mix
  // (one registration in four, the rest profile changes), and the projection's best case (only
  // registrations, so each batch is one set-based INSERT).
  const mixedPrefix = `${side.prefix}mixed.`;
  const mixedEnd = await seedChannel({
    log,
    prefix: mixedPrefix,
    databaseUrl: side.databaseUrl,
    count: settings.rebuildEvents,
    mix: 'mixed',
    window: settings.window,
    agoMs: SEEDED_HISTORY_AGE_MS,
  });
  const regPrefix = `${side.prefix}reg.`;
  const regEnd = await seedChannel({
    log,
    prefix: regPrefix,
    databaseUrl: side.databaseUrl,
    count: settings.messages,
    mix: 'registrations',
    window: settings.window,
    agoMs: SEEDED_HISTORY_AGE_MS,
  });
  for (const r of [
    { label: 'mixed', prefix: mixedPrefix, endPosition: mixedEnd },
    { label: 'http-run', ...httpRun },
    { label: 'registrations-only', prefix: regPrefix, endPosition: regEnd },
  ].filter((r) => r.endPosition > 1)) {
    await run.quiet.wait({ [run.self]: 'benchProjector' }, `rebuild-${quietTag(log)}${r.label}`);
    rebuilds.push(await rebuild({ ...common, ...r }));
  }
  return rebuilds;
}

export function userRebuildTargets(rebuilds: RebuildResult[]): Target[] {
  // The run's own HTTP events when there are enough of them, else the mixed channel seeded for it.
  const r = rebuilds.find((x) => x.events >= 20_000 && x.label === 'http-run') ?? rebuilds[0];
  if (!r) return [];
  const met = r.eventsPerSec >= TARGET_EVENTS_PER_SEC;
  const where = () => {
    const top = Object.entries(r.postgres.byStatement)
      .slice(0, 3)
      .map(([k, s]) => `${k} ${s.count}x ${s.ms} ms`)
      .join(', ');
    const others = rebuilds
      .filter((x) => x !== r)
      .map((x) => `${x.label} ${x.eventsPerSec}/s`)
      .join(', ');
    return (
      `${r.label}: ${Math.round(r.postgres.share * 100)}% of ${Math.round(r.seconds * 1000)} ms waiting on Postgres (${top}); ` +
      `${r.events} events took ${Object.values(r.postgres.byStatement).reduce((n, s) => n + s.count, 0)} statements in ${r.batches} batches; ` +
      `decoding all entries alone takes ${r.decodeMs} ms. Other channels: ${others}.`
    );
  };
  return [
    {
      name: 'projector rebuild events/s',
      target: `>= ${TARGET_EVENTS_PER_SEC}`,
      measured: `${r.eventsPerSec} (${r.label}, ${r.events} events)`,
      met,
      ...(met ? {} : { whereTimeGoes: where() }),
    },
  ];
}
