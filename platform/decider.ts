import type { RejectionCode } from '../contracts/outcomes';

/** What a decision knows besides the command and the state; never a clock read inside decide. */
export interface DecisionContext {
  streamId: string;
  userId: string | null;
  now: string;
}

export type Decision<E> = { ok: true; events: E[] } | { ok: false; code: RejectionCode; reason: string };

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const refuse = (code: RejectionCode, reason: string): Decision<never> => ({ ok: false, code, reason });

/** Pure business rules of one aggregate: no I/O, so they are tested without any server. */
export interface Decider<C, E, S> {
  initialState(): S;
  decide(command: C, state: S, context: DecisionContext): Decision<E>;
  evolve(state: S, event: E): S;
}

/** A context's component as a host runs it: the category it writes and the rules it decides with. */
export interface ComponentDefinition {
  context: string;
  category: string;
  decider: Decider<{ type: string; data: unknown }, { type: string; data: unknown }, unknown>;
}
