import type { CommandEnvelope } from '../../contracts/envelope';
import type { EventLog } from '../eventlog/port';
import type { Outcome, OutcomeWaiter } from './outcomes';

export interface CommandSender {
  /** Sends the command and waits, bounded, until its outcome is visible: null when it was not. */
  send(command: CommandEnvelope, options?: { waitMs?: number; maybeSeen?: boolean }): Promise<Outcome | null>;
}

export function commandSender(log: EventLog, waiter: OutcomeWaiter, defaultWaitMs: number): CommandSender {
  return {
    async send(command, options = {}) {
      // A retried request (same idempotency key) may find its outcome already recorded.
      if (options.maybeSeen) {
        const seen = await waiter.find(command.id);
        if (seen) return seen;
      }
      const pending = waiter.expect(command.id, options.waitMs ?? defaultWaitMs);
      try {
        await log.sendCommand(command);
      } catch (err) {
        pending.cancel();
        throw err;
      }
      return pending.outcome;
    },
  };
}
