import fc from 'fast-check';
import { depositOf, lineTotal, thousandths, totals } from './totals';

describe('estimate totals', () => {
  it('reads quantities exactly', () => {
    expect(thousandths('1')).toBe(1000n);
    expect(thousandths('1.5')).toBe(1500n);
    expect(thousandths('0.125')).toBe(125n);
    expect(thousandths('12.05')).toBe(12050n);
  });

  it('rounds each line half up, once', () => {
    expect(lineTotal({ quantity: '1.5', unitPrice: 9999 })).toBe(14999); // 14998.5 → 14999
    expect(lineTotal({ quantity: '0.333', unitPrice: 100 })).toBe(33); // 33.3
    expect(lineTotal({ quantity: '3', unitPrice: 1234 })).toBe(3702);
  });

  it('totals the way an accountant would', () => {
    // 10 h at 95.00 + 2.5 points at 40.00 = 1050.00; less 50.00; 20% tax = 200.00.
    const t = totals(
      [
        { quantity: '10', unitPrice: 9500 },
        { quantity: '2.5', unitPrice: 4000 },
      ],
      5000,
      2000,
    );
    expect(t).toEqual({
      subtotal: 105000,
      discount: 5000,
      taxable: 100000,
      tax: 20000,
      total: 120000,
    });
    expect(totals([{ quantity: '1', unitPrice: 100 }], 500, 0)).toEqual({
      subtotal: 100,
      discount: 100,
      taxable: 0,
      tax: 0,
      total: 0,
    });
    expect(depositOf(120001, 30)).toBe(36000);
    expect(depositOf(5, 50)).toBe(3);
  });

  it('is exact: never a fraction of a cent, and the parts always add up', () => {
    const line = fc.record({
      quantity: fc
        .tuple(fc.integer({ min: 0, max: 9999 }), fc.integer({ min: 0, max: 999 }))
        .map(([w, f]) => `${w}.${String(f).padStart(3, '0')}`),
      unitPrice: fc.integer({ min: 0, max: 10_000_000 }),
    });
    fc.assert(
      fc.property(
        fc.array(line, { maxLength: 30 }),
        fc.integer({ min: 0, max: 10_000_000 }),
        fc.integer({ min: 0, max: 10_000 }),
        (lines, discount, rate) => {
          const t = totals(lines, discount, rate);
          for (const v of Object.values(t)) expect(Number.isInteger(v)).toBe(true);
          expect(t.subtotal).toBe(lines.reduce((s, l) => s + lineTotal(l), 0));
          expect(t.taxable).toBe(t.subtotal - t.discount);
          expect(t.total).toBe(t.taxable + t.tax);
          expect(Math.abs(t.tax * 10_000 - t.taxable * rate)).toBeLessThanOrEqual(5_000);
        },
      ),
    );
  });
});
