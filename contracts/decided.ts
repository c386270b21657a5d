// Imports nothing: the workflow bundle includes it, and should not carry the schemas' library.

/**
 * What every refusal of a decision that comes after its process has decided (or ended) starts
 * with, whoever refuses it (the process's validator, or the dispatcher finding the process over),
 * so a caller can tell "too late, it is decided" from other conflicts, whatever words follow.
 */
export const ALREADY_DECIDED = 'already decided';
