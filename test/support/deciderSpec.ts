import type { Decider, Decision, DecisionContext } from '../../platform/decider';

const context: DecisionContext = { streamId: 'test-1', userId: 'auth0|tester', now: '2026-01-01T00:00:00.000Z' };

/**
 * given/when/then over a decider: the past as events, one command, the decision expected.
 * `spec(decider).given(e1, e2).when(cmd).then(e3)` or `.thenRefused('not_found')`.
 */
export function spec<C, E, S>(decider: Decider<C, E, S>) {
  return {
    given(...past: E[]) {
      const state = past.reduce(decider.evolve, decider.initialState());
      return {
        when(command: C, ctx: Partial<DecisionContext> = {}) {
          const decision: Decision<E> = decider.decide(command, state, { ...context, ...ctx });
          return {
            decision,
            then(...expected: E[]) {
              expect(decision).toEqual({ ok: true, events: expected });
            },
            thenRefused(code: string, reason?: RegExp) {
              expect(decision.ok).toBe(false);
              if (!decision.ok) {
                expect(decision.code).toBe(code);
                if (reason) expect(decision.reason).toMatch(reason);
              }
            },
          };
        },
      };
    },
  };
}
