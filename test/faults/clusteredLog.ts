import type { RoleProcess } from '../support/processes';
import type { FaultReport } from './report';
import type { WriteLoadResult } from './writeLoad';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A node of a clustered log killed under a write load through two processes (each with an
 * instance of every role): what the scenarios on NATS Streaming's cluster and on JetStream's
 * both measure, and `clusteredLogChecks` (scenarios/index.ts) holds them to.
 */
export interface ClusteredLogResult extends FaultReport {
  /** The role processes that exited (they must not), each with what it printed. */
  exited: Array<{ process: string; code: number | null; output: string }>;
  /**
   * From the kill until a surviving node called itself leader (a follower killed: the first look;
   * on JetStream, of every group the killed node led).
   */
  electedAfterMs: number | null;
  /** From the killed node's restart until it was a follower again, holding every message. */
  rejoinedAfterMs: number | null;
  /** How many attempts got each answer (0: no answer at all). */
  answers: Record<string, number>;
  /** 503 answers that did not say when to try again. */
  withoutRetryAfter: number;
  /** From the kill until every category had one active writer and projector again, and nothing else was down. */
  settledAfterMs: number | null;
}

/** The first acknowledgement of a write whose first attempt was sent at or after `t`. */
export function firstNewWriteAckedAfter(load: WriteLoadResult, t: number): number | null {
  const firstSent = new Map<number, number>();
  for (const a of load.attempts)
    firstSent.set(a.write, Math.min(a.at, firstSent.get(a.write) ?? a.at));
  const acks = load.attempts.filter(
    (a) => (firstSent.get(a.write) ?? 0) >= t && (a.status === 201 || a.status === 202),
  );
  return acks.length ? Math.min(...acks.map((a) => a.at + a.ms)) : null;
}

async function readiness(port: number): Promise<Record<string, boolean> | null> {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/readyz`, {
      signal: AbortSignal.timeout(3000),
    });
    return ((await res.json()) as { checks?: Record<string, boolean> }).checks ?? null;
  } catch {
    return null;
  }
}

/** A single writer or projector: one of the processes holds it, the other stands by. */
const heldByOne = (name: string) => name.endsWith('.writer') || name.endsWith('.projector');

/**
 * Both processes up, and each lease held by exactly one of them: the system as it was before the
 * fault. A standby process is never "ready" (its writers wait), so its other checks are read.
 */
export async function settled(processes: RoleProcess[]): Promise<boolean> {
  const all = await Promise.all(processes.map((p) => readiness(p.port)));
  if (all.some((c) => c === null)) return false;
  const checks = all as Array<Record<string, boolean>>;
  const names = Object.keys(checks[0] ?? {});
  return names.every((n) =>
    heldByOne(n) ? checks.filter((c) => c[n]).length === 1 : checks.every((c) => c[n]),
  );
}

/** When `what` first held, polled every 100 ms; null if it did not within `timeoutMs`. */
export async function waitFor(
  what: () => Promise<boolean>,
  timeoutMs: number,
): Promise<number | null> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await what()) return Date.now();
    await sleep(100);
  }
  return null;
}
