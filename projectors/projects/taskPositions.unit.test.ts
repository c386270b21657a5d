import fc from 'fast-check';
import { placeAdded, placeMoved, type Positions } from './taskPositions';

/** The column as the positions order it. */
const ordered = (tasks: readonly string[], positions: Positions) =>
  [...tasks].sort((a, b) => positions.get(a)! - positions.get(b)!);

describe('task positions', () => {
  it('order every column as its adds and moves left it, writing one row per change but rarely', () => {
    const op = fc.record({
      add: fc.boolean(),
      from: fc.nat(),
      to: fc.nat(),
      at: fc.nat(),
      column: fc.nat(2),
    });
    fc.assert(
      fc.property(fc.array(op, { maxLength: 400 }), (ops) => {
        const columns: string[][] = [[], [], []];
        const positions: Positions = new Map();
        let n = 0;
        let written = 0;
        for (const o of ops) {
          const all = columns.flat();
          if (o.add || all.length === 0) {
            const id = `t${n++}`;
            const col = columns[o.column]!;
            col.push(id);
            written += placeAdded(col, id, positions).length;
          } else {
            const moved = all[o.from % all.length]!;
            const src = columns.find((c) => c.includes(moved))!;
            const dest = columns[o.column]!;
            const before = dest.slice();
            src.splice(src.indexOf(moved), 1);
            dest.splice(o.at % (dest.length + 1), 0, moved);
            written += placeMoved(before, dest, moved, positions).length;
          }
        }
        for (const c of columns) expect(ordered(c, positions)).toEqual(c);
        // Renumbering is rare: nowhere near a column's length per change.
        expect(written).toBeLessThanOrEqual(ops.length * 2 + 60);
      }),
    );
  });

  it('spreads the tasks around a move again when the numbers between two neighbours run out', () => {
    const positions: Positions = new Map([
      ['a', 1],
      ['b', 2],
    ]);
    let order = ['a', 'b'];
    for (let i = 0; i < 100; i++) order.push(`z${i}`);
    order.forEach((t, i) => positions.set(t, i + 1));
    let respaced = 0;
    let rows = 0;
    // Each task goes right after a: between a and the one moved there last, halving the room.
    for (let i = 0; i < 200; i++) {
      const before = order;
      order = ['a', `t${i}`, ...before.slice(1)];
      const placed = placeMoved(before, order, `t${i}`, positions);
      if (placed.length > 1) respaced++;
      rows += placed.length;
      expect(ordered(order, positions)).toEqual(order);
    }
    expect(respaced).toBeGreaterThan(0);
    // A window around the move, not the whole column, each time.
    expect(rows).toBeLessThan(200 * 3);
  });

  it('takes an old event that reordered the whole column as it came', () => {
    const positions: Positions = new Map([
      ['a', 0],
      ['b', 1],
      ['c', 2],
    ]);
    const placed = placeMoved(['a', 'b', 'c'], ['c', 'b', 'a'], 'a', positions);
    expect(placed).toEqual(['c', 'b', 'a']);
    expect(ordered(['a', 'b', 'c'], positions)).toEqual(['c', 'b', 'a']);
  });
});
