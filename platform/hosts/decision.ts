import type { CommandEnvelope } from '../../contracts/envelope';
import type { RejectionCode } from '../../contracts/outcomes';
import type { ComponentDefinition } from '../decider';
import { checkEvent } from '../eventlog/entries';
import type { NewEvent } from '../eventlog/port';
import { nameId } from '../ids';
import { logger } from '../logger';
import { follow } from './messages';
import { inSpan } from '../tracing';

/** What a command comes to, before anything is written: events to append, or a refusal. */
export type Outcome =
  | { ok: true; events: NewEvent[]; next: unknown }
  | { ok: false; code: RejectionCode; reason: string };

/**
 * One command decided on a stream's state at `version`, the same way whichever host runs it
 * (the category's single writer, or one of several instances on JetStream). The events' ids are
 * derived from the command's, so a second decision of the same command cannot be a second copy.
 */
export function decideCommand(
  def: ComponentDefinition,
  command: CommandEnvelope,
  state: unknown,
  version: number,
  known: ReadonlyMap<string, unknown> | undefined,
): Outcome {
  if (command.expectedVersion !== null && command.expectedVersion !== version) {
    return {
      ok: false,
      code: 'conflict',
      reason: `expected version ${command.expectedVersion}, but it is at ${version}`,
    };
  }
  const { decider } = def;
  try {
    const decision = decider.decide(
      { type: command.type, data: command.data },
      state,
      {
        streamId: command.streamId,
        userId: command.metadata.userId,
        now: command.metadata.timestamp,
      },
      def.reference ? known : undefined,
    );
    if (!decision.ok) return decision;
    // Every accepted command leaves an entry: that is how its sender learns the outcome.
    if (decision.events.length === 0)
      return { ok: false, code: 'invalid', reason: 'nothing to change' };
    const metadata = follow(command);
    const events = decision.events.map((e, i) => ({
      id: nameId(command.id, 'event', String(i)),
      type: e.type,
      data: e.data,
      metadata,
    }));
    for (const e of events) {
      const problem = checkEvent(def.category, {
        ...e,
        streamId: command.streamId,
        version: version + 1,
      });
      if (problem) throw new Error(`decided an event that breaks its contract: ${problem}`);
    }
    const next = decision.events.reduce((s, e) => decider.evolve(s, e), state);
    return { ok: true, events, next };
  } catch (err) {
    // A bug in the rules must not loop the command forever nor take the component down: the
    // command is refused, the state untouched, and the error logged for a developer.
    logger.error({ err, commandId: command.id, type: command.type }, 'decider failed');
    return { ok: false, code: 'invalid', reason: 'the command could not be decided' };
  }
}

/**
 * The decision's span is the sender's child, and the parent of what the decision records (its
 * events or its refusal carry it); it ends once they are stored.
 */
export const inDecisionSpan = <T>(
  category: string,
  command: CommandEnvelope,
  decide: () => Promise<T>,
): Promise<T> =>
  inSpan(`decide ${command.type}`, command.metadata.traceparent, decide, {
    kind: 'consumer',
    attributes: {
      'devpie.command.id': command.id,
      'devpie.stream.id': command.streamId,
      'devpie.category': category,
    },
  });
