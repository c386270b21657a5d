import type { EventEnvelope } from '../contracts/envelope';
import type { Projection } from '../platform/hosts/projectorHost';
import type { Tx } from '../platform/postgres/pool';

/** The applier of views that change rarely: one event at a time, in log order. */
export const eventByEvent =
  (
    applyOne: (tx: Tx, schema: string, event: EventEnvelope) => Promise<void>,
  ): Projection['applier'] =>
  (schema) => ({
    async apply(tx, events) {
      for (const e of events) await applyOne(tx, schema, e);
    },
  });

/** One entry of a view's `history` (a jsonb array): what happened, when, and for whom. */
export const historyEntry = (e: EventEnvelope): string =>
  JSON.stringify([{ type: e.type, at: e.metadata.timestamp, by: e.metadata.userId }]);
