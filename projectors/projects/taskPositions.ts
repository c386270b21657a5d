/**
 * Where each task sits in its column, as a number the views order the column by. A move gives the
 * moved task a number between its new neighbours', so it writes one task row however long the
 * column is; only when the numbers run out of room between two neighbours (or an old event
 * reordered more than the moved task) is the whole column numbered again.
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
    if (!(prev < p && p < next)) return renumber(after, positions);
  }
  positions.set(moved, p);
  return [moved];
}
