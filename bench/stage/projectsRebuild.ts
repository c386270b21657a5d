/**
 * Stage `rebuild`, projects: the run's project channel, topped up with more boards decided by the
 * product's decider, replayed by the product's command (`node dist/main.js rebuild projects`, the
 * figure it prints), then by the same ProjectorHost in this process with every statement and the
 * applier timed (where the time goes).
 */
import { projectsProjection } from '../../projectors/projects';
import type { FoldCost } from '../foldCost';
import { seedProjectEvents, type SeedResult } from '../projectSeed';
import { disturbed } from '../quiet';
import { rebuild, type RebuildResult } from '../rebuild';
import { SEEDED_HISTORY_AGE_MS } from './userRebuilds';
import { runRebuildCommand, type RebuildCommandResult, type SystemOptions } from '../system';
import { log } from '../util';
import { quietTag, type RunContext } from './context';
import type { Target } from './targets';

export interface ProjectsRebuildResult {
  seeded: SeedResult | null;
  command: RebuildCommandResult | null;
  inProcess: RebuildResult | null;
  failure: string | null;
}

export const projectsRebuildSkipped = (): ProjectsRebuildResult => ({
  seeded: null,
  command: null,
  inProcess: null,
  failure: null,
});

const TARGET_EVENTS_PER_SEC = 20_000;

/**
 * On the log `system` ran on; `existingEvents`: project events the boards stage left on the
 * system's channel.
 */
export async function projectsRebuild(
  run: RunContext,
  system: SystemOptions,
  existingEvents: number,
  owner: string,
): Promise<ProjectsRebuildResult> {
  const { settings } = run;
  const eventLog = system.log;
  const out = projectsRebuildSkipped();
  try {
    const missing = Math.max(0, settings.projectRebuildEvents - existingEvents);
    const seeded = await seedProjectEvents({
      log: eventLog,
      prefix: system.prefix,
      databaseUrl: system.databaseUrl,
      events: missing,
      boards: Math.ceil(missing / 100),
      window: settings.window,
      owner,
      agoMs: SEEDED_HISTORY_AGE_MS,
    });
    out.seeded = seeded;
    await run.quiet.wait({ [run.self]: 'bench' }, `rebuild-${quietTag(eventLog)}projects-command`);
    const command = await runRebuildCommand(system, 'projects', 180_000);
    out.command = command;
    log('projects rebuild command', {
      exitCode: command.exitCode,
      line: command.line,
      wallSeconds: command.wallSeconds,
    });
    if (command.exitCode !== 0 || command.eventsPerSec === null) {
      throw new Error(
        `node dist/main.js rebuild projects exited ${command.exitCode}: ${command.outputTail.slice(-500)}`,
      );
    }
    await run.quiet.wait({ [run.self]: 'benchProjector' }, `rebuild-${quietTag(eventLog)}projects`);
    out.inProcess = await rebuild({
      label: 'projects',
      log: eventLog,
      prefix: system.prefix,
      endPosition: seeded.endPosition,
      baseDatabaseUrl: run.baseDb,
      database: settings.rebuildDatabase,
      // As the rebuild command replays (platform/hosts/rebuild.ts).
      batchSize: 2000,
      maxInFlight: 8192,
      timeoutMs: 120_000,
      projection: projectsProjection,
      viewTables: ['projects.projects', 'projects.columns', 'projects.tasks'],
      profile: settings.profile,
    });
  } catch (err) {
    out.failure = (err as Error).message;
    log('projects rebuild failed', { message: out.failure });
  }
  return out;
}

/** `foldCosts`: the boards stage's cost of one board event, by board size (empty when it did not run). */
export function projectsRebuildTargets(p: ProjectsRebuildResult, foldCosts: FoldCost[]): Target[] {
  const c = p.command;
  const r = p.inProcess;
  const met = !!c?.eventsPerSec && c.eventsPerSec >= TARGET_EVENTS_PER_SEC;
  let where: string | undefined;
  if (c?.eventsPerSec && r && !met) {
    const top = Object.entries(r.postgres.byStatement)
      .slice(0, 4)
      .map(([k, x]) => `${k} ${x.count}x ${x.ms} ms`)
      .join(', ');
    where =
      `The same replay in this process (ProjectorHost, batch 2000): ${r.eventsPerSec} events/s, ${r.batches} batches of ${r.eventsPerBatch} events, ${Math.round(r.seconds * 1000)} ms. ` +
      `Waiting on Postgres ${Math.round(r.postgres.totalMs)} ms (${Math.round(r.postgres.share * 100)}%; ${top}); ` +
      `the applier took ${r.applier.totalMs} ms, of which ${r.applier.nodeMs} ms in Node (fold + diff, no I/O) and ${r.applier.postgresMs} ms its own statements; ` +
      `decoding and validating every entry ${r.decodeMs} ms; last entry delivered by the log at ${r.lastDeliveryAtMs} ms; ` +
      `CPU cores: ${Object.entries(r.cpuCores)
        .filter(([k]) => k !== 'machineTotal')
        .map(([k, v]) => `${k} ${v}`)
        .join(', ')} of ${r.cpuCores.machineTotal} busy. ` +
      (r.profile
        ? `Profile of that replay (share of busy CPU): ${r.profile.inclusive
            .filter((x) => /projectors|components|contracts|platform\/eventlog/.test(x.fn))
            .slice(0, 6)
            .map((x) => `${x.fn.split(' ')[0]} ${Math.round(x.share * 100)}%`)
            .join(', ')}; GC ${Math.round((r.profile.byArea['(garbage collector)'] ?? 0) * 100)}%. `
        : '') +
      `One board event costs the projector's foldView ${foldCosts.map((f) => `${f.foldViewUs} µs at ${f.tasks} tasks`).join(', ')} (the component's evolve ${foldCosts.map((f) => `${f.evolveUs}`).join(' / ')} µs).`;
  }
  return [
    {
      name: 'projects rebuild events/s',
      target: `>= ${TARGET_EVENTS_PER_SEC}`,
      measured: c?.eventsPerSec
        ? `${c.eventsPerSec} (node dist/main.js rebuild projects: ${c.events} events, ${c.entries} entries in ${c.seconds} s; wall ${c.wallSeconds} s; ` +
          `the command used ${c.cpuCores.rebuildCommand ?? '?'} cores${disturbed(c.cpuCores) ? ', disturbed' : ''})`
        : `not measured: ${p.failure ?? 'did not run'}`,
      met,
      ...(where ? { whereTimeGoes: where } : {}),
    },
  ];
}
