import type { ReadinessCheck } from '../http/health';
import { logger } from '../logger';
import type { RoleFactory, RoleHandle, Runtime } from './runtime';

export interface SupervisorOptions {
  /** First wait before a restart; it doubles on every failure in a row, up to `maxBackoffMs`. */
  backoffMs?: number;
  maxBackoffMs?: number;
  /** An incarnation that ran this long without failing resets the backoff. */
  stableAfterMs?: number;
  /** Longest wait for a failed incarnation to let go before the next one starts anyway. */
  stopTimeoutMs?: number;
}

/** A role that restarts in place: what the process shows of it while an incarnation comes and goes. */
export interface SupervisedRole extends RoleHandle {
  readonly restarts: number;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * Runs a role and starts it again, in the same process, whenever it reports that it cannot go
 * on (its log session or lease is gone, an append is in doubt): the new incarnation reconnects,
 * and a writer fences and re-reads its versions, exactly as after a process restart, without
 * dropping the process's other roles or its HTTP server. Readiness shows the role as not ready,
 * with the reason, until the new incarnation is up. Routes stay those of the first incarnation,
 * so only roles whose routes outlive their connections may have any (apps never fail this way).
 */
export async function supervise(
  name: string,
  factory: RoleFactory,
  rt: Runtime,
  options: SupervisorOptions = {},
): Promise<SupervisedRole> {
  const backoffMs = options.backoffMs ?? 250;
  const maxBackoffMs = options.maxBackoffMs ?? 5_000;
  const stableAfterMs = options.stableAfterMs ?? 30_000;
  const stopTimeoutMs = options.stopTimeoutMs ?? 10_000;

  let current: RoleHandle | null = null;
  let incarnation = 0;
  let failedInARow = 0;
  let startedAt = 0;
  let restarting: string | null = null;
  let stopped = false;
  let restarts = 0;
  let recovery: Promise<void> | null = null;
  // Read through a call: `stop()` sets it while a recovery awaits.
  const isStopped = () => stopped;

  const start = (): Promise<RoleHandle> => {
    const mine = ++incarnation;
    startedAt = Date.now();
    // Each incarnation reports its own failure; a late report from an earlier one is ignored.
    return factory({ ...rt, fatal: (_role, err) => failed(mine, err) });
  };

  const failed = (which: number, err: Error): void => {
    if (stopped || which !== incarnation || restarting !== null) return;
    restarting = err.message;
    recovery = recover(err).finally(() => (recovery = null));
  };

  const recover = async (err: Error): Promise<void> => {
    const old = current;
    current = null;
    failedInARow = Date.now() - startedAt > stableAfterMs ? 1 : failedInARow + 1;
    logger.warn({ role: name, err: err.message }, 'role cannot go on; restarting it in place');
    await letGo(old);
    while (!isStopped()) {
      await sleep(Math.min(maxBackoffMs, backoffMs * 2 ** (failedInARow - 1)));
      if (isStopped()) return;
      try {
        const next = await start();
        if (isStopped()) {
          await letGo(next);
          return;
        }
        current = next;
        restarting = null;
        restarts++;
        logger.info({ role: name, restarts }, 'role restarted in place');
        return;
      } catch (startErr) {
        failedInARow++;
        restarting = (startErr as Error).message;
        logger.warn({ role: name, err: restarting }, 'role did not start; trying again');
      }
    }
  };

  /** Stops an incarnation, bounded: one that hangs on a dead connection is left behind. */
  const letGo = async (handle: RoleHandle | null): Promise<void> => {
    if (!handle) return;
    let timer: NodeJS.Timeout | undefined;
    const stoppedInTime = await Promise.race([
      handle.stop().then(
        () => true,
        (stopErr: unknown) => {
          logger.warn({ role: name, err: (stopErr as Error).message }, 'stopping a failed role');
          return true;
        },
      ),
      new Promise<false>((r) => (timer = setTimeout(() => r(false), stopTimeoutMs))),
    ]);
    clearTimeout(timer);
    if (!stoppedInTime) logger.warn({ role: name }, 'a failed role did not stop in time; going on');
  };

  const first = await start();
  current = first;
  const restartingCheck: ReadinessCheck = () => ({
    ok: false,
    detail: `restarting: ${restarting ?? 'starting'}`,
  });

  return {
    name: first.name,
    routes: first.routes,
    publicRoutes: first.publicRoutes,
    get restarts() {
      return restarts;
    },
    /** The current incarnation's checks, by the first one's names; failing while it restarts. */
    get readiness(): Record<string, ReadinessCheck> {
      const live = current;
      if (live) return live.readiness;
      return Object.fromEntries(Object.keys(first.readiness).map((k) => [k, restartingCheck]));
    },
    async stop() {
      stopped = true;
      await recovery;
      await letGo(current);
      current = null;
    },
  };
}
