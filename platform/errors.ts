/**
 * What a promise rejected with, as an Error: the same object when it is one (its class and
 * message intact), otherwise one that says what was thrown instead of a `message` of undefined.
 */
export const asError = (err: unknown): Error =>
  err instanceof Error ? err : new Error(String(err));
