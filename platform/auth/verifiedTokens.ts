/**
 * Tokens this process has already verified. A client sends the same token with every request until
 * it expires, and checking its RS256 signature again each time was a measurable share of a write's
 * CPU. Only a token that passed every check is kept, under its exact text, with the key that
 * verified it, and never past its `exp`: the caller honours it only while that key is still the
 * one the key set gives, so a key withdrawn upstream stops its tokens as soon as it did before.
 */
export interface Verified<K> {
  claims: unknown;
  kid: string | undefined;
  key: K;
}

export interface VerifiedTokens<K> {
  get(token: string, now: number): Verified<K> | undefined;
  keep(token: string, verified: Verified<K>, now: number): void;
}

export function verifiedTokens<K>(maxEntries = 10_000): VerifiedTokens<K> {
  const kept = new Map<string, Verified<K> & { until: number }>();
  return {
    get(token, now) {
      const entry = kept.get(token);
      if (!entry || entry.until > now) return entry;
      kept.delete(token);
      return undefined;
    },
    keep(token, verified, now) {
      const exp = (verified.claims as { exp?: unknown }).exp;
      if (typeof exp !== 'number' || exp * 1000 <= now) return;
      // Past the bound, the oldest goes first (a Map iterates in insertion order).
      if (kept.size >= maxEntries) kept.delete(kept.keys().next().value as string);
      // Frozen: the same object is handed to every request that carries the token.
      kept.set(token, { ...verified, claims: Object.freeze(verified.claims), until: exp * 1000 });
    },
  };
}
