import fc from 'fast-check';
import { deleteIn, emptyRecord, setIn, sizeOf } from './persistentRecord';

type Op = { set: string; value: number } | { del: string };

/** Keys from a small space, so sets overwrite and deletes hit; enough of them to split leaves. */
const key = fc.integer({ min: 0, max: 300 }).map((n) => `k-${n}`);
const op: fc.Arbitrary<Op> = fc.oneof(
  { weight: 3, arbitrary: fc.record({ set: key, value: fc.integer() }) },
  { weight: 1, arbitrary: fc.record({ del: key }) },
);

describe('persistent record', () => {
  it('reads like the plain record the same changes make, and every older version stays as it was', () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 600 }), (ops) => {
        let record: Record<string, number> = emptyRecord();
        let plain: Record<string, number> = {};
        const versions: Array<[Record<string, number>, Record<string, number>]> = [];
        for (const o of ops) {
          if ('set' in o) {
            record = setIn(record, o.set, o.value);
            plain = { ...plain, [o.set]: o.value };
          } else {
            record = deleteIn(record, o.del);
            const { [o.del]: _, ...rest } = plain;
            plain = rest;
          }
          versions.push([record, plain]);
        }
        for (const [r, p] of versions) {
          expect(sizeOf(r)).toBe(Object.keys(p).length);
          expect({ ...r }).toEqual(p);
          expect(JSON.parse(JSON.stringify(r))).toEqual(p);
        }
        for (const k of Object.keys(plain)) {
          expect(k in record).toBe(true);
          expect(record[k]).toBe(plain[k]);
        }
        expect('k-999' in record).toBe(false);
        expect(record['k-999']).toBeUndefined();
      }),
    );
  });

  it('adopts a plain record (a snapshot) and leaves it unchanged', () => {
    const plain = { a: 1, b: 2 };
    const next = setIn(plain, 'c', 3);
    expect(plain).toEqual({ a: 1, b: 2 });
    expect(next).toEqual({ a: 1, b: 2, c: 3 });
    expect(sizeOf(deleteIn(next, 'a'))).toBe(2);
    expect(sizeOf(plain)).toBe(2);
  });

  it('refuses to be changed in place', () => {
    const r = setIn<number>({}, 'a', 1);
    expect(() => {
      r.a = 2;
    }).toThrow(TypeError);
    expect(() => {
      delete r.a;
    }).toThrow(TypeError);
    expect(r.a).toBe(1);
  });
});
