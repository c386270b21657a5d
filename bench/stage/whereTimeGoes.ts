/** One paragraph on where an HTTP workload's time went: per-request stages, CPU, and the probe inside the system. */
import { availableParallelism } from 'node:os';
import type { StageBreakdown } from '../stages';
import { round } from '../util';
import type { Inside } from './measured';

export interface Measured {
  shape: string;
  clients: number;
  seconds: number;
  stages: StageBreakdown;
  cpuCores: Record<string, number>;
  disturbed: boolean;
  inside: Inside | null;
}

type Stage = keyof Pick<
  StageBreakdown,
  'httpToCommandMs' | 'commandToDecisionMs' | 'decisionToProjectorTxMs' | 'projectorTxToAnswerMs'
>;
const STAGES: Record<Stage, string> = {
  httpToCommandMs: 'app before publishing (HTTP, JWT, validation, pre-read)',
  commandToDecisionMs:
    "command publish → component decision (the log's delivery, queueing in the component)",
  decisionToProjectorTxMs:
    'decision → projector transaction start (append, delivery, waiting for the previous batch)',
  projectorTxToAnswerMs:
    'projector transaction → answer (commit, NOTIFY, outcome + view reads, response)',
};

/** The app's own reads of the views, as the probe names them: identity reads users; boards read projects, columns, tasks. */
const appReads = (i: Inside, context: 'identity' | 'boards'): string =>
  context === 'identity'
    ? `app view reads p50 ${i.timings['pg SELECT users']?.p50 ?? '?'} ms`
    : 'app reads ' +
      Object.entries(i.timings)
        .filter(([k]) => /^pg SELECT .*(projects|columns|tasks|command_outcomes)/.test(k))
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .map(([k, v]) => `${k.slice(10)} ${v.n}x p50 ${v.p50} ms`)
        .join(', ');

export function whereTimeGoes(w: Measured, context: 'identity' | 'boards' = 'identity'): string {
  const parts = (Object.keys(STAGES) as Stage[]).map((k) => ({ k, mean: w.stages[k].mean ?? 0 }));
  const total = parts.reduce((n, p) => n + p.mean, 0) || 1;
  const top = [...parts].sort((a, b) => b.mean - a.mean)[0]!;
  const cpu = Object.entries(w.cpuCores)
    .filter(([k]) => k !== 'machineTotal')
    .sort((a, b) => b[1] - a[1])
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');
  let text =
    `${w.shape}/${w.clients} clients: mean per stage ${parts.map((p) => `${p.k.replace(/Ms$/, '')} ${round(p.mean, 1)} ms`).join(', ')}; ` +
    `largest: ${STAGES[top.k]} (${Math.round((top.mean / total) * 100)}% of the request). ` +
    `CPU cores busy: ${w.cpuCores.machineTotal} of ${availableParallelism()} (${cpu})${w.disturbed ? ' — other processes were busy, figures are pessimistic' : ''}.`;
  const i = w.inside;
  if (i) {
    const tx = i.timings['projector transaction (BEGIN..COMMIT)'];
    const t = (k: string) => i.timings[k];
    if (tx) {
      const busy = tx.totalMs / (w.seconds * 1000);
      const statements = Object.entries(i.timings)
        .filter(([k]) => k.startsWith('pg ') && !/SELECT|pool wait|LISTEN|lease/.test(k))
        .sort((a, b) => b[1].totalMs - a[1].totalMs)
        .slice(0, 3)
        .map(([k, v]) => `${k.slice(3)} ${v.n}x mean ${v.mean} ms`)
        .join(', ');
      text +=
        ` Inside the system: the projector (one transaction at a time) spent ${Math.round(busy * 100)}% of the run in ${tx.n} transactions` +
        ` (p50 ${tx.p50} ms, ${w.stages.outcomesPerTransaction} outcomes each; top statements ${statements});`;
    }
    // The probe times NATS Streaming's client only: on JetStream there is nothing to say here.
    const stan = t('stan publish→ack command') ?? t('stan publish→ack event');
    text +=
      (stan
        ? ` STAN publish→ack p50 command ${t('stan publish→ack command')?.p50 ?? '?'} / event ${t('stan publish→ack event')?.p50 ?? '?'} ms;`
        : '') +
      ` ${appReads(i, context)}; pool wait p99 app ${t('pg pool wait (pool.query)')?.p99 ?? '?'} / projector ${t('pg pool wait (transaction)')?.p99 ?? '?'} ms;` +
      ` event-loop delay p99 ${i.eventLoopDelayMs.p99} ms; system process ${i.cpuCores} cores.`;
  }
  return text;
}
