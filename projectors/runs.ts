import type { EventEnvelope } from '../contracts/envelope';

/**
 * Splits events, kept in order, into runs of one type touching distinct keys: each run can be
 * applied as one set-based statement with the same result as applying its events one by one.
 */
export function* runsOf(events: EventEnvelope[], key: (e: EventEnvelope) => string): Generator<EventEnvelope[]> {
  let run: EventEnvelope[] = [];
  let keys = new Set<string>();
  for (const e of events) {
    const k = key(e);
    if (run.length > 0 && (run[0]!.type !== e.type || keys.has(k))) {
      yield run;
      run = [];
      keys = new Set();
    }
    run.push(e);
    keys.add(k);
  }
  if (run.length > 0) yield run;
}
