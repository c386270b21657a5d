/** The boards stage's targets, and where the time went where one is missed. */
import type { WriteKind } from '../boards';
import type { StageBreakdown } from '../stages';
import { round } from '../util';
import type { BoardReport, BoardsResult } from './boards';
import { disturbedNote, fastest, type Target } from './targets';
import { whereTimeGoes } from './whereTimeGoes';

const TARGETS = {
  spreadWritesPerSec: 1300,
  hotWritesPerSec: 500,
  notStaleConflictRate: 0.01,
  p99At8ClientsMs: 25,
};

const pct = (x: number) => `${round(x * 100, 2)}%`;
const conflictsOf = (w: BoardReport) =>
  `adds+edits refused ${pct(w.conflicts.notStale.rate)} (409: ${w.conflicts.notStale.status409}, 422: ${w.conflicts.notStale.status422} of ${w.conflicts.notStale.commands}); ` +
  `moves refused ${pct(w.conflicts.moves.refusedRate)} (409: ${w.conflicts.moves.refused409}, 422: ${w.conflicts.moves.refused422} of ${w.conflicts.moves.commands})`;

// `writev ← writevGeneric node:internal/… ← submit /…/node_modules/pg/lib/query.js:152` → `writev ← submit pg/lib/query.js:152`
const shortFn = (fn: string) => {
  const parts = fn.split(' ← ').map((p) => p.replace(/\S*node_modules\//, '').replace(/:\d+$/, ''));
  return parts.length > 1 ? `${parts[0]} ← ${parts[parts.length - 1]}` : parts[0]!;
};

const profileLine = (b: BoardsResult, shape: string) => {
  const p = b.profiles.find((x) => x.shape === shape);
  if (!p) return '';
  return (
    ` CPU profile of the system process in one more ${shape}/${p.clients} run (${p.writesPerSec} writes/s under the profiler; share of its busy main thread): ` +
    p.profile.self
      .slice(0, 8)
      .map((x) => `${shortFn(x.fn)} ${Math.round(x.share * 100)}%`)
      .join(', ') +
    '.'
  );
};
/** Where a board workload's time went: stages, CPU, the probe, and the profile of its shape. */
export const boardWhere = (b: BoardsResult, w: BoardReport): string => {
  const m = (x: StageBreakdown) =>
    [x.httpToCommandMs, x.commandToDecisionMs, x.decisionToProjectorTxMs, x.projectorTxToAnswerMs]
      .map((v) => round(v.mean ?? 0, 1))
      .join(' / ');
  return (
    whereTimeGoes({ ...w, shape: `boards ${w.shape}` }, 'boards') +
    ` Mean ms per stage by kind (app before publish / publish→decision / decision→projector tx / projector tx→answer): ` +
    (['add', 'edit', 'move'] as WriteKind[]).map((k) => `${k} ${m(w.stagesByKind[k])}`).join('; ') +
    `; reads before moves p50 ${w.reads.latencyMs.p50} ms.` +
    profileLine(b, w.shape)
  );
};
/** Figures only count when the board stage completed. */
export function boardTargets(b: BoardsResult): Target[] {
  const valid = b.failure ? [] : b.workloads;
  const notMeasured = `not measured: ${b.failure?.message ?? 'no board workload ran'}`;
  const best = (shape: string) => fastest(valid.filter((w) => w.shape === shape));
  const targets: Target[] = [];
  const spread = best('spread');
  targets.push({
    name: 'boards spread writes/s',
    target: `>= ${TARGETS.spreadWritesPerSec}`,
    measured: spread
      ? `${spread.writesPerSec} (${spread.clients} clients${disturbedNote(spread)}); ${conflictsOf(spread)}`
      : notMeasured,
    met:
      !!spread &&
      spread.writesPerSec >= TARGETS.spreadWritesPerSec &&
      spread.conflicts.notStale.rate < TARGETS.notStaleConflictRate,
    ...(spread && spread.writesPerSec < TARGETS.spreadWritesPerSec
      ? { whereTimeGoes: boardWhere(b, spread) }
      : {}),
  });
  const hot = best('hot');
  targets.push({
    name: 'boards hot writes/s with < 1% conflicts on adds and edits',
    target: `>= ${TARGETS.hotWritesPerSec}, adds+edits refused < ${TARGETS.notStaleConflictRate * 100}%`,
    measured: hot
      ? `${hot.writesPerSec} (${hot.clients} clients${disturbedNote(hot)}); ${conflictsOf(hot)}`
      : notMeasured,
    met:
      !!hot &&
      hot.writesPerSec >= TARGETS.hotWritesPerSec &&
      hot.conflicts.notStale.rate < TARGETS.notStaleConflictRate,
    ...(hot && hot.writesPerSec < TARGETS.hotWritesPerSec
      ? { whereTimeGoes: boardWhere(b, hot) }
      : {}),
  });
  for (const shape of ['spread', 'hot'] as const) {
    const w = valid.find((x) => x.clients === 8 && x.shape === shape);
    const met = !!w && (w.latencyMs.p99 ?? Infinity) < TARGETS.p99At8ClientsMs;
    targets.push({
      name: `boards p99 write-to-visible, ${shape}, 8 clients`,
      target: `< ${TARGETS.p99At8ClientsMs} ms`,
      measured: w
        ? `${w.latencyMs.p99} ms (p50 ${w.latencyMs.p50} ms${disturbedNote(w)}; add ${w.byKind.add.latencyMs.p99}, edit ${w.byKind.edit.latencyMs.p99}, move ${w.byKind.move.latencyMs.p99} ms)`
        : notMeasured,
      met,
      ...(w && !met ? { whereTimeGoes: boardWhere(b, w) } : {}),
    });
  }
  return targets;
}
