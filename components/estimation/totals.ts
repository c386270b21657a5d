/**
 * Exact money. Amounts are integer minor units; quantities are decimal strings read as
 * thousandths; every product and share is computed in BigInt and rounded half up once, so the
 * same estimate always totals to the same cent on every machine.
 */
export interface Line {
  quantity: string;
  unitPrice: number;
}

export interface Totals {
  subtotal: number;
  discount: number;
  taxable: number;
  tax: number;
  total: number;
}

const THOUSAND = 1000n;

/** "1.5" → 1500n (thousandths). The contract allows at most three decimals. */
export function thousandths(quantity: string): bigint {
  const [whole, fraction = ''] = quantity.split('.');
  if (whole === undefined) throw new Error('split returns at least one part');
  return BigInt(whole) * THOUSAND + BigInt(fraction.padEnd(3, '0'));
}

/** n / d rounded half up, for n, d >= 0. */
const divideHalfUp = (n: bigint, d: bigint): bigint => (n * 2n + d) / (2n * d);

function toNumber(n: bigint): number {
  if (n > BigInt(Number.MAX_SAFE_INTEGER)) throw new RangeError('amount too large');
  return Number(n);
}

export const lineTotal = (line: Line): number =>
  toNumber(divideHalfUp(thousandths(line.quantity) * BigInt(line.unitPrice), THOUSAND));

/** Subtotal of the lines, less the discount (never below zero), plus tax in basis points. */
export function totals(lines: Line[], discount: number, taxRate: number): Totals {
  const subtotal = lines.reduce((sum, l) => sum + BigInt(lineTotal(l)), 0n);
  const off = BigInt(discount) > subtotal ? subtotal : BigInt(discount);
  const taxable = subtotal - off;
  const tax = divideHalfUp(taxable * BigInt(taxRate), 10_000n);
  return {
    subtotal: toNumber(subtotal),
    discount: toNumber(off),
    taxable: toNumber(taxable),
    tax: toNumber(tax),
    total: toNumber(taxable + tax),
  };
}

/** The share of a total invoiced first, in whole percent. */
export const depositOf = (total: number, percent: number): number =>
  toNumber(divideHalfUp(BigInt(total) * BigInt(percent), 100n));
