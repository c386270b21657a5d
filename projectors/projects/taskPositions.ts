/**
 * Where each task sits in its column, as a number the views order the column by. A move gives the
 * moved task a number between its new neighbours', so it writes one task row however long the
 * column is. When the numbers run out of room between two neighbours, the tasks around the moved
 * one are spread out again, in a window grown until it has room (a few rows, now and then); only an
 * old event that reordered more than the moved task numbers its whole column again.
 */
export type Positions = Map<string, number>;

/** The tasks whose positions the change set: written again with the event's own. */
type Placed = readonly string[];

function renumber(order: readonly string[], positions: Positions): Placed {
  order.forEach((t, i) => positions.set(t, i));
  return order;
}

/** `order` is the column after the add, the added task last (the decider appends). */
export function placeAdded(order: readonly string[], id: string, positions: Positions): Placed {
  if (order[order.length - 1] !== id) return renumber(order, positions);
  const last = order.length > 1 ? positions.get(order[order.length - 2] as string) : -1;
  if (last === undefined) return renumber(order, positions);
  positions.set(id, last + 1);
  return [id];
}

/** `before` and `after` hold the same tasks in the same order, but for `moved`. */
function sameOrderBut(before: readonly string[], after: readonly string[], moved: string): boolean {
  let i = 0;
  let j = 0;
  for (;;) {
    if (before[i] === moved) i++;
    if (after[j] === moved) j++;
    if (i >= before.length || j >= after.length) return i >= before.length && j >= after.length;
    if (before[i] !== after[j]) return false;
    i++;
    j++;
  }
}

/**
 * `before` and `after`: the destination's order before and after the move. The decider keeps
 * every other task's order; events from before it did (the caller's whole order, taken as it
 * came) may not, and then the column is numbered as the event has it.
 */
export function placeMoved(
  before: readonly string[],
  after: readonly string[],
  moved: string,
  positions: Positions,
): Placed {
  const at = after.indexOf(moved);
  if (at < 0 || !sameOrderBut(before, after, moved)) return renumber(after, positions);
  const prev = at > 0 ? positions.get(after[at - 1] as string) : null;
  const next = at < after.length - 1 ? positions.get(after[at + 1] as string) : null;
  if (prev === undefined || next === undefined) return renumber(after, positions);
  let p: number;
  if (prev === null) p = next === null ? 0 : next - 1;
  else if (next === null) p = prev + 1;
  else {
    p = (prev + next) / 2;
    if (!roomy(prev, next, 1)) return respace(after, at, positions);
  }
  positions.set(moved, p);
  return [moved];
}

/**
 * Room for `count` tasks between two positions, each gap still wide enough to be halved many more
 * times before doubles can tell no number apart in it.
 */
function roomy(left: number, right: number, count: number): boolean {
  const step = (right - left) / (count + 1);
  return step > Math.max(1, Math.abs(left), Math.abs(right)) * 2 ** -32;
}

/** Spreads the tasks around `at` evenly between the nearest neighbours that leave room enough. */
function respace(order: readonly string[], at: number, positions: Positions): Placed {
  for (let half = 4; ; half *= 2) {
    const lo = Math.max(0, at - half);
    const hi = Math.min(order.length - 1, at + half);
    if (lo === 0 && hi === order.length - 1) return renumber(order, positions);
    const window = order.slice(lo, hi + 1);
    const left = lo > 0 ? positions.get(order[lo - 1] as string) : undefined;
    const right = hi < order.length - 1 ? positions.get(order[hi + 1] as string) : undefined;
    if (left === undefined && right !== undefined) {
      window.forEach((t, i) => positions.set(t, right - window.length + i));
      return window;
    }
    if (right === undefined && left !== undefined) {
      window.forEach((t, i) => positions.set(t, left + 1 + i));
      return window;
    }
    if (left !== undefined && right !== undefined && roomy(left, right, window.length)) {
      const step = (right - left) / (window.length + 1);
      window.forEach((t, i) => positions.set(t, left + step * (i + 1)));
      return window;
    }
  }
}
