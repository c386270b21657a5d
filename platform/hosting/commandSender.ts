import type { CommandEnvelope } from '../../contracts/envelope';
import type { EventLog } from '../eventlog/port';
import type { Outcome, OutcomeWaiter } from './outcomes';

export interface CommandSender {
  /** Sends the command and waits, bounded, until its outcome is visible: null when it was not. */
  send(command: CommandEnvelope, options?: { waitMs?: number; maybeSeen?: boolean; lookAfterMs?: number; kind?: 'command' | 'process' }): Promise<Outcome | null>;
}

export function commandSender(log: Pick<EventLog, 'sendCommand'>, waiter: OutcomeWaiter, defaultWaitMs: number): CommandSender {
  return {
    async send(command, options = {}) {
      const pending = waiter.expect(command.id, options.waitMs ?? defaultWaitMs, { lookAfterMs: options.lookAfterMs });
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
      return pending.outcome;
    },
  };
}
