import { streamCategory, type CommandEnvelope } from '../../contracts/envelope';
import type { EventLog } from '../eventlog/port';
import type { ClaimResult, IdempotencyClaim, IdempotencyKeys } from '../postgres/idempotencyKeys';
import { checkCommand } from '../hosts/messages';
import type { Outcome, OutcomeWaiter } from './outcomes';
import { metrics } from '../metrics/registry';

/** A command that breaks its contract: refused before it reaches the log (HTTP 400). */
export class InvalidCommand extends Error {
  readonly status = 400;
  readonly expose = true;
}

/** An Idempotency-Key sent again with a different request (Stripe's rule: HTTP 422). */
export class IdempotencyKeyReused extends Error {
  readonly status = 422;
  readonly expose = true;
  constructor() {
    super('this Idempotency-Key was used with a different request');
  }
}

export interface SendOptions {
  waitMs?: number;
  maybeSeen?: boolean;
  lookAfterMs?: number;
  kind?: 'command' | 'process';
}

export interface CommandSender {
  /**
   * Checks the command against its contract, sends it and waits, bounded, until its outcome is
   * visible: null when it was not.
   */
  send(command: CommandEnvelope, options?: SendOptions): Promise<Outcome | null>;
  /** Records which request an Idempotency-Key names; throws IdempotencyKeyReused for another one. */
  claim(claim: IdempotencyClaim): Promise<Exclude<ClaimResult, 'different'>>;
  /** The outcome recorded for a command, if any. */
  find(commandId: string): Promise<Outcome | null>;
  /**
   * Waits, bounded, for the outcome of a command someone else sends (a process's step): null
   * when it was not visible in time. One recorded already is found at once.
   */
  wait(commandId: string, waitMs?: number): Promise<Outcome | null>;
}

export function commandSender(
  log: Pick<EventLog, 'sendCommand'>,
  waiter: OutcomeWaiter,
  defaultWaitMs: number,
  keys?: IdempotencyKeys,
): CommandSender {
  return {
    async send(command, options = {}) {
      const problem = checkCommand(command, options.kind);
      if (problem) throw new InvalidCommand(problem);
      const started = performance.now();
      const pending = waiter.expect(command.id, options.waitMs ?? defaultWaitMs, {
        lookAfterMs: options.lookAfterMs,
      });
      // A retried request (same idempotency key) may find its outcome already recorded; we wait
      // before we look, so an outcome announced in between is not missed.
      if (options.maybeSeen) {
        const seen = await waiter.find(command.id);
        if (seen) {
          pending.cancel();
          return seen;
        }
      }
      try {
        await log.sendCommand(command, options.kind);
      } catch (err) {
        pending.cancel();
        throw err;
      }
      const outcome = await pending.outcome;
      metrics.writeToVisible.observe(
        { category: streamCategory(command.streamId), outcome: outcome?.status ?? 'unseen' },
        (performance.now() - started) / 1000,
      );
      return outcome;
    },
    async claim(claim) {
      if (!keys) throw new Error('this sender keeps no idempotency keys');
      const result = await keys.claim(claim);
      if (result === 'different') throw new IdempotencyKeyReused();
      return result;
    },
    find: (commandId) => waiter.find(commandId),
    // Looked up right after the waiter is registered: an outcome announced before it is found.
    wait: (commandId, waitMs = defaultWaitMs) =>
      waiter.expect(commandId, waitMs, { lookAfterMs: 0 }).outcome,
  };
}
