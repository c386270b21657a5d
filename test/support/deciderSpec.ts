import type { Decider, Decision, DecisionContext } from '../../platform/decider';

const context: DecisionContext = {
  streamId: 'test-1',
  userId: 'auth0|tester',
  now: '2026-01-01T00:00:00.000Z',
};

/**
 * given/when/then over a decider: the past as events, one command, the decision expected.
 * `spec(decider).given(e1, e2).when(cmd).then(e3)` or `.thenRefused('not_found')`. A decider that
 * reads another category's facts gets them as `spec`'s second argument, or
 * for one scenario with `.knowing(known)` before `when`.
 */
export function spec<C, E, S, K = void>(decider: Decider<C, E, S, K>, known?: K) {
  return {
    given(...past: E[]) {
      const state = past.reduce(decider.evolve, decider.initialState());
      const scenario = (known: K) => ({
        knowing: (other: K) => scenario(other),
        when(command: C, ctx: Partial<DecisionContext> = {}) {
          const decision: Decision<E> = decider.decide(
            command,
            state,
            { ...context, ...ctx },
            known,
          );
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
      });
      return scenario(known as K);
    },
  };
}
