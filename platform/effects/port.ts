/**
 * What the ledger says when an attempt asks to do an effect: done before (with what it gave
 * back), now this attempt's to do (`claimed`), or being done by another attempt whose claim has
 * not run out (`busy`).
 */
export type EffectClaim =
  | { state: 'done'; result: unknown }
  | { state: 'claimed'; token: string }
  | { state: 'busy'; until: Date };

/** An effect on the world, named so that every attempt (and every replay) of it names it alike. */
export interface EffectKey {
  /** Who does it and what kind it is (a reaction's name, `process-mail`, `payment-intent`). */
  scope: string;
  /** Deterministic within the scope: the same on every retry, different for another effect. */
  id: string;
}

/**
 * The record of side effects on the world (an email, a payment intent, a refund), so that a
 * retried step, a redelivered event or a replayed workflow skips what was done already. One
 * ledger for reactions and workflow steps alike.
 */
export interface EffectLedger {
  /**
   * Asks to do an effect. A claim holds for `holdMs`: another attempt is told `busy` until then,
   * and may take the effect over after (the holder is taken to be dead).
   */
  claim(key: EffectKey, holdMs: number): Promise<EffectClaim>;
  /** Records the effect as done, with what it gave back (JSON); the first record stands. */
  complete(key: EffectKey, result: unknown): Promise<void>;
  /** Gives a claim up after the effect failed, so the next attempt need not wait it out. */
  release(key: EffectKey, token: string): Promise<void>;
}
