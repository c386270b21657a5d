import fc from 'fast-check';
import { placeMove } from './placeMove';

const ok = (r: ReturnType<typeof placeMove>): string[] => {
  if (!r.ok) throw new Error(r.reason);
  return r.taskIds;
};

/** Is `a` before `b` in `order`? */
const before = (order: string[], a: string, b: string) => order.indexOf(a) < order.indexOf(b);

/**
 * A caller reads a column, puts the moved task somewhere in it; meanwhile others add tasks, take
 * some away and move some in: what the caller saw keeps its relative order in the column now.
 */
const race = fc
  .record({
    seenOthers: fc.uniqueArray(fc.integer({ min: 0, max: 40 }), { maxLength: 12 }),
    at: fc.nat(),
    removed: fc.array(fc.boolean(), { minLength: 12, maxLength: 12 }),
    added: fc.array(fc.tuple(fc.integer({ min: 100, max: 140 }), fc.nat()), { maxLength: 8 }),
    within: fc.boolean(),
  })
  .map(({ seenOthers, at, removed, added, within }) => {
    const others = seenOthers.map(String);
    const i = at % (others.length + 1);
    const seen = [...others.slice(0, i), 'moved', ...others.slice(i)];
    let now = others.filter((_, k) => !removed[k]);
    for (const [id, pos] of added) {
      if (now.includes(String(id))) continue;
      const p = pos % (now.length + 1);
      now = [...now.slice(0, p), String(id), ...now.slice(p)];
    }
    // A move within the column: the task is somewhere in it now.
    if (within)
      now = [...now.slice(0, at % (now.length + 1)), 'moved', ...now.slice(at % (now.length + 1))];
    return { seen, now };
  });

describe('placeMove', () => {
  it('loses and doubles no task, and keeps the order of the tasks already there', () => {
    fc.assert(
      fc.property(race, ({ seen, now }) => {
        const result = ok(placeMove(now, 'moved', { seen }));
        const rest = now.filter((t) => t !== 'moved');
        expect(result.filter((t) => t !== 'moved')).toEqual(rest);
        expect(result.filter((t) => t === 'moved')).toHaveLength(1);
      }),
    );
  });

  it('keeps the moved task where the caller put it relative to every task they saw that is left', () => {
    fc.assert(
      fc.property(race, ({ seen, now }) => {
        const result = ok(placeMove(now, 'moved', { seen }));
        for (const t of seen) {
          if (t === 'moved' || !result.includes(t)) continue;
          expect(before(result, t, 'moved')).toBe(before(seen, t, 'moved'));
        }
      }),
    );
  });

  it('gives exactly what the caller sent when nothing changed since their read', () => {
    fc.assert(
      fc.property(race, ({ seen }) => {
        const now = seen.filter((t) => t !== 'moved');
        expect(ok(placeMove(now, 'moved', { seen }))).toEqual(seen);
      }),
    );
  });

  it('places after a task, first, or at an index of the order now', () => {
    expect(ok(placeMove(['a', 'b', 'c'], 'm', { after: 'b' }))).toEqual(['a', 'b', 'm', 'c']);
    expect(ok(placeMove(['a', 'm', 'b'], 'm', { after: null }))).toEqual(['m', 'a', 'b']);
    expect(ok(placeMove(['a', 'b'], 'm', { index: 1 }))).toEqual(['a', 'm', 'b']);
    expect(ok(placeMove(['a', 'b'], 'm', { index: 7 }))).toEqual(['a', 'b', 'm']);
    expect(placeMove(['a'], 'm', { after: 'gone' })).toMatchObject({ ok: false });
  });

  it('refuses a seen order that repeats a task or lacks the moved one', () => {
    expect(placeMove(['a'], 'm', { seen: ['a', 'm', 'a'] })).toMatchObject({ ok: false });
    expect(placeMove(['a'], 'm', { seen: ['a'] })).toMatchObject({ ok: false });
  });
});
