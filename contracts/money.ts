import { Type } from '@sinclair/typebox';
import { Int } from './formats';

/** The most any amount may be, in minor units: what an invoice can carry. */
export const MAX_AMOUNT = 1_000_000_000_000;
/** Integer minor units (cents): money never passes through floating point. */
export const Minor = Int(0, MAX_AMOUNT);
/** An amount that moves money: at least one minor unit. */
export const Positive = Int(1, MAX_AMOUNT);
/** ISO 4217 code of a currency money is paid in (formats.ts lists them). */
export const Currency = Type.String({ format: 'currency', pattern: '^[A-Z]{3}$', maxLength: 3 });
/** A quantity as a decimal string with up to three decimals ("1.5" hours), read exactly. */
export const Quantity = Type.String({
  pattern: '^(0|[1-9][0-9]{0,6})(\\.[0-9]{1,3})?$',
  maxLength: 11,
});
/** Basis points: 2000 is 20%. */
export const BasisPoints = Int(0, 10_000);
