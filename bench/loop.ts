import { now } from './util';

/**
 * The closed loop every workload shares (users and boards over HTTP, raw INSERTs), so that their
 * rates compare: `clients` callers, each starting its next operation once the previous one is
 * done, until `durationMs` has passed, `maxOps` operations were started, or `stop()` says so.
 * An operation under way at the deadline still finishes, and the clock runs until the last one.
 *
 * `caller(c)` is called once per caller, before the clock starts, and returns that caller's
 * operation; `i` counts operations started over all callers.
 */
export async function closedLoop(
  o: { clients: number; durationMs: number; maxOps: number; stop?: () => boolean },
  caller: (c: number) => (i: number) => Promise<void>,
): Promise<{ seconds: number }> {
  const ops = Array.from({ length: o.clients }, (_, c) => caller(c));
  let issued = 0;
  const start = now();
  const deadline = start + o.durationMs;
  await Promise.all(
    ops.map(async (op) => {
      while (issued < o.maxOps && now() < deadline && !o.stop?.()) await op(issued++);
    }),
  );
  return { seconds: (now() - start) / 1000 };
}
