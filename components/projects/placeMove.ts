/**
 * Where a moved task lands, decided on the destination's order as it is now rather than as the
 * caller last read it. Others may have added, removed or moved tasks since that read; refusing
 * every such move would refuse most moves on a busy board although nothing the caller asked for
 * is in the way. So the column keeps its current order, and only the moved task is placed.
 */
export type Placement =
  /** The destination's whole order as the caller saw it after their move (the frontend's form). */
  | { seen: readonly string[] }
  /** Right after this task, or first when null. */
  | { after: string | null }
  /** At this index of the destination without the moved task (past the end: last). */
  | { index: number };

/** How many of the caller's predecessors are looked for one by one before the column is indexed. */
const NEAR = 2;

export type Placed = { ok: true; taskIds: string[] } | { ok: false; reason: string };

/**
 * `current` is the destination's order now, possibly holding the moved task itself (a move within
 * its column). The result holds every task of `current` once, in their order, and the moved one.
 */
export function placeMove(current: readonly string[], moved: string, where: Placement): Placed {
  const rest = without(current, moved);
  let at: number;
  if ('index' in where) {
    at = Math.min(where.index, rest.length);
  } else if ('after' in where) {
    if (where.after === null) at = 0;
    else {
      const anchor = rest.indexOf(where.after);
      if (anchor < 0) return { ok: false, reason: 'the task to follow is not in that column' };
      at = anchor + 1;
    }
  } else {
    const found = atSeen(rest, moved, where.seen);
    if (!found.ok) return found;
    at = found.at;
  }
  const taskIds = rest === current ? current.slice() : (rest as string[]);
  taskIds.splice(at, 0, moved);
  return { ok: true, taskIds };
}

/**
 * `list` without `item` (a new array), or `list` itself when it lacks it. An id is in a column at
 * most once, so the search stops at the first: on a long column it costs half of a `filter`.
 */
export function without(list: readonly string[], item: string): readonly string[] {
  const at = list.indexOf(item);
  if (at < 0) return list;
  const out = list.slice();
  out.splice(at, 1);
  return out;
}

/**
 * The caller put the task after the tasks before it in `seen` and before those after it: it goes
 * after the nearest of its predecessors still in the column, or else before the nearest of its
 * successors, or, when none of them is left, where the caller put it (first, or last).
 */
function atSeen(
  rest: readonly string[],
  moved: string,
  seen: readonly string[],
): { ok: true; at: number } | { ok: false; reason: string } {
  if (new Set(seen).size !== seen.length) return { ok: false, reason: 'taskIds repeats a task' };
  const mine = seen.indexOf(moved);
  if (mine < 0) return { ok: false, reason: 'taskIds must hold the moved task' };
  // Mostly a neighbour the caller saw is still there: a search or two, no index of the column.
  for (let i = mine - 1; i >= Math.max(0, mine - NEAR); i--) {
    const p = rest.indexOf(seen[i] as string);
    if (p >= 0) return { ok: true, at: p + 1 };
  }
  const positions = new Map(rest.map((t, i) => [t, i]));
  for (let i = mine - 1 - NEAR; i >= 0; i--) {
    const p = positions.get(seen[i] as string);
    if (p !== undefined) return { ok: true, at: p + 1 };
  }
  for (let i = mine + 1; i < seen.length; i++) {
    const p = positions.get(seen[i] as string);
    if (p !== undefined) return { ok: true, at: p };
  }
  return { ok: true, at: mine === 0 ? 0 : rest.length };
}
