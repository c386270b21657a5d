import type { RejectionCode } from '../contracts/outcomes';

/** What a decision knows besides the command and the state; never a clock read inside decide. */
export interface DecisionContext {
  streamId: string;
  userId: string | null;
  now: string;
}

export type Decision<E> =
  { ok: true; events: E[] } | { ok: false; code: RejectionCode; reason: string };

export const accept = <E>(...events: E[]): Decision<E> => ({ ok: true, events });
export const refuse = (code: RejectionCode, reason: string): Decision<never> => ({
  ok: false,
  code,
  reason,
});

/**
 * Pure business rules of one aggregate: no I/O, so they are tested without any server. `known` is
 * what the component keeps of another category's events (`Reference`), for rules that span
 * aggregates; deciders that need none take `void`.
 */
export interface Decider<C, E, S, K = void> {
  initialState(): S;
  decide(command: C, state: S, context: DecisionContext, known: K): Decision<E>;
  evolve(state: S, event: E): S;
}

type Message = { type: string; data: unknown };

/**
 * What a component keeps, in memory, of another category's events: per aggregate of that
 * category, the facts its own rules need (a team's members and roles), folded like a decider's
 * state. The other category's writer alone changes them: they are knowledge as of a position in
 * that log, never state this component decides. `decide` gets them as a map by aggregate id.
 */
export interface Reference<K, E = Message> {
  category: string;
  initialState(): K;
  evolve(known: K, event: E): K;
  /**
   * Commands whose decision must count every event the category held when it was decided (a
   * share by someone demoted a moment before): the host reads the category to its end first.
   */
  needsLatest(command: Message): boolean;
}

/** What a decider with a reference is given: the referenced aggregates' knowledge by their id. */
export type Known<K> = ReadonlyMap<string, K>;

/** A context's component as a host runs it: the category it writes and the rules it decides with. */
export interface ComponentDefinition {
  context: string;
  category: string;
  decider: Decider<Message, Message, unknown, Known<unknown> | undefined>;
  /** Another category's facts the decisions need, given to `decide` as `known`. */
  reference?: Reference<unknown>;
}
