/** Rates as a share of raw Postgres INSERTs at the same concurrency (issue 15's yardstick). */
import { round } from './util';

export interface Rate {
  /** What was measured, e.g. `users spread`, `boards spreadAddsEdits`. */
  what: string;
  /** Callers in the closed loop (or operations in flight, for the log stage). */
  clients: number;
  perSec: number;
}

export interface ShareOfRaw extends Rate {
  /** Raw INSERTs/s at the same concurrency; null when none was measured there. */
  rawPerSec: number | null;
  /** perSec / rawPerSec, to 4 decimals; null with a `note` saying why. */
  share: number | null;
  note?: string;
}

/** Each rate beside raw at its own concurrency; never another concurrency's raw figure. */
export function sharesOfRaw(
  rates: Rate[],
  raw: Array<{ clients: number; writesPerSec: number }>,
): ShareOfRaw[] {
  return rates.map((r) => {
    const base = raw.find((x) => x.clients === r.clients);
    if (!base) return { ...r, rawPerSec: null, share: null, note: `no raw at ${r.clients}` };
    if (base.writesPerSec <= 0)
      return { ...r, rawPerSec: base.writesPerSec, share: null, note: 'raw measured no INSERT' };
    return { ...r, rawPerSec: base.writesPerSec, share: round(r.perSec / base.writesPerSec, 4) };
  });
}

/** `0.0734` → `7.3%`; null → `?`. */
export const percent = (share: number | null): string =>
  share === null ? '?' : `${round(share * 100, 1)}%`;

/**
 * A JSON value of about `bytes` bytes (exactly, for any `bytes` >= 120): a task-like document, so
 * the raw INSERT writes what a board write carries, not a string of padding alone.
 */
export function rawBody(i: number, bytes = 200): string {
  const doc = {
    id: `00000000-0000-4000-8000-${String(i % 1e12).padStart(12, '0')}`,
    title: `Task ${i}`,
    points: i % 13,
    content: '',
  };
  const pad = bytes - JSON.stringify(doc).length;
  doc.content = 'x'.repeat(Math.max(0, pad));
  return JSON.stringify(doc);
}
