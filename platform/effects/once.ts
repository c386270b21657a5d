import { logger } from '../logger';
import type { EffectKey, EffectLedger } from './port';

/**
 * Another attempt holds the effect (a step retried while its first attempt still runs, a second
 * reactor): trying again later finds it done, or its claim run out.
 */
export class EffectInProgress extends Error {
  constructor(key: EffectKey, until: Date) {
    super(`${key.scope} ${key.id} is being done by another attempt (until ${until.toISOString()})`);
    this.name = 'EffectInProgress';
  }
}

/**
 * Does an effect unless the ledger says it was done, and records it (with its result) once done.
 * A repeat gets the recorded result back without touching the world again.
 *
 * The window between the effect and its record cannot be closed for an effect the world gives no
 * way to look up or deduplicate (SMTP): a process that dies in it, or a ledger unreachable just
 * then, leaves the claim to run out, and the next attempt does the effect again. So an effect is
 * at least once across a crash inside that window, and done once otherwise. Recording first
 * would turn that into at most once: an email lost instead of repeated.
 */
export async function once<T>(
  ledger: EffectLedger,
  key: EffectKey,
  holdMs: number,
  effect: () => Promise<T>,
): Promise<T> {
  const claim = await ledger.claim(key, holdMs);
  // A scope's results are its own effect's, recorded by this same code: stored as JSON, read back.
  if (claim.state === 'done') return claim.result as T;
  if (claim.state === 'busy') throw new EffectInProgress(key, claim.until);
  let result: T;
  try {
    result = await effect();
  } catch (err) {
    await ledger.release(key, claim.token).catch((e: unknown) => {
      // The claim then runs out on its own: the next attempt waits for that, no longer.
      logger.warn({ ...key, err: (e as Error).message }, 'could not release an effect claim');
    });
    throw err;
  }
  await ledger.complete(key, result ?? null);
  return result;
}
