import './formats';
import { Type } from '@sinclair/typebox';

/** Integer minor units (cents): money never passes through floating point. */
export const Minor = Type.Integer({ minimum: 0, maximum: 1_000_000_000_000 });
/** ISO 4217 code. */
export const Currency = Type.String({ pattern: '^[A-Z]{3}$' });
/** A quantity as a decimal string with up to three decimals ("1.5" hours), read exactly. */
export const Quantity = Type.String({ pattern: '^(0|[1-9][0-9]{0,6})(\\.[0-9]{1,3})?$' });
/** Basis points: 2000 is 20%. */
export const BasisPoints = Type.Integer({ minimum: 0, maximum: 10_000 });
