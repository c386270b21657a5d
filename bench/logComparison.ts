/**
 * NATS Streaming and JetStream side by side (BENCH_LOGS=stan,jetstream): each HTTP workload's
 * writes/s and p99 on each log with JetStream's over STAN's, and each rebuild's events/s.
 */
import type { Summary } from './util';
import { round } from './util';

/** What the comparison reads of an HTTP workload (users or boards). */
export interface HttpFigures {
  shape: string;
  clients: number;
  writesPerSec: number;
  latencyMs: Pick<Summary, 'p99'>;
  disturbed: boolean;
}

/** What it reads of one log's side of the run. */
export interface LogFigures {
  users: { failure: unknown; workloads: HttpFigures[] };
  boards: { failure: unknown; workloads: HttpFigures[] };
  rebuilds: Array<{ label: string; events: number; eventsPerSec: number }>;
  projects: {
    command: { events: number | null; eventsPerSec: number | null } | null;
    inProcess: { events: number; eventsPerSec: number } | null;
  };
}

export interface HttpSide {
  writesPerSec: number;
  p99Ms: number | null;
  disturbed: boolean;
}

export interface HttpPair {
  shape: string;
  clients: number;
  stan: HttpSide | null;
  jetstream: HttpSide | null;
  /** JetStream's writes/s over STAN's: above 1, JetStream wrote faster. Null when a side is missing. */
  writesRatio: number | null;
  /** JetStream's p99 over STAN's: above 1, JetStream's slowest answers were slower. */
  p99Ratio: number | null;
  /** Why a side is missing. */
  note?: string;
}

export interface RebuildSide {
  events: number;
  eventsPerSec: number;
}

export interface RebuildPair {
  /** `users <channel>`, `projects command` (node dist/main.js rebuild projects), `projects in-process`. */
  rebuild: string;
  stan: RebuildSide | null;
  jetstream: RebuildSide | null;
  /** JetStream's events/s over STAN's. */
  ratio: number | null;
}

export interface LogComparison {
  users: HttpPair[];
  boards: HttpPair[];
  rebuild: RebuildPair[];
}

const ratio = (js: number | null | undefined, stan: number | null | undefined): number | null =>
  js == null || stan == null || stan <= 0 ? null : round(js / stan, 3);

/** A stage that failed says nothing about the rate: its workloads count as missing. */
function httpPairs(stan: LogFigures['users'], js: LogFigures['users']): HttpPair[] {
  const valid = (s: LogFigures['users']) => (s.failure ? [] : s.workloads);
  const key = (w: { shape: string; clients: number }) => `${w.shape}/${w.clients}`;
  const keys = [...new Set([...valid(stan), ...valid(js)].map(key))];
  const why = (s: LogFigures['users'], name: string) =>
    s.failure ? `${name}: void (the stage failed)` : `${name}: not measured`;
  return keys.map((k) => {
    const a = valid(stan).find((w) => key(w) === k);
    const b = valid(js).find((w) => key(w) === k);
    const side = (w: HttpFigures | undefined): HttpSide | null =>
      w ? { writesPerSec: w.writesPerSec, p99Ms: w.latencyMs.p99, disturbed: w.disturbed } : null;
    const missing = [!a && why(stan, 'stan'), !b && why(js, 'jetstream')].filter(Boolean);
    const w = (a ?? b)!;
    return {
      shape: w.shape,
      clients: w.clients,
      stan: side(a),
      jetstream: side(b),
      writesRatio: ratio(b?.writesPerSec, a?.writesPerSec),
      p99Ratio: ratio(b?.latencyMs.p99, a?.latencyMs.p99),
      ...(missing.length ? { note: missing.join('; ') } : {}),
    };
  });
}

function rebuildSides(f: LogFigures): Map<string, RebuildSide> {
  const out = new Map<string, RebuildSide>();
  for (const r of f.rebuilds)
    out.set(`users ${r.label}`, { events: r.events, eventsPerSec: r.eventsPerSec });
  const c = f.projects.command;
  if (c?.eventsPerSec != null)
    out.set('projects command', { events: c.events ?? 0, eventsPerSec: c.eventsPerSec });
  const p = f.projects.inProcess;
  if (p) out.set('projects in-process', { events: p.events, eventsPerSec: p.eventsPerSec });
  return out;
}

/** Null when either log did not run: there is nothing to put side by side. */
export function compareLogs(
  stan: LogFigures | null,
  jetstream: LogFigures | null,
): LogComparison | null {
  if (!stan || !jetstream) return null;
  const a = rebuildSides(stan);
  const b = rebuildSides(jetstream);
  return {
    users: httpPairs(stan.users, jetstream.users),
    boards: httpPairs(stan.boards, jetstream.boards),
    rebuild: [...new Set([...a.keys(), ...b.keys()])].map((k) => ({
      rebuild: k,
      stan: a.get(k) ?? null,
      jetstream: b.get(k) ?? null,
      ratio: ratio(b.get(k)?.eventsPerSec, a.get(k)?.eventsPerSec),
    })),
  };
}
