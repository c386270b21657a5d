import { startPrivateLog } from '../privateLog';
import { eventually } from '../../support/env';
import { startTestSystem } from '../../support/system';
import type { FaultReport } from '../report';
import {
  boardToLoad,
  countStatuses,
  firstAckAfter,
  runWriteLoad,
  settledCount,
} from '../writeLoad';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * The active projects component is killed (kill -9) in the middle of a write load while a
 * standby waits for its lease: the time until writes are acknowledged again is the failover.
 */
export async function componentFailover(
  o: { total?: number; clients?: number } = {},
): Promise<FaultReport> {
  const log = await startPrivateLog('devpie-failover');
  const shared = process.env.COMPONENT_WRITERS === 'shared';
  const sys = await startTestSystem();
  const env = log.env;
  try {
    const front = await sys.start(
      [
        'identity-app',
        'identity-component',
        'identity-projector',
        'projects-app',
        'projects-projector',
      ],
      env,
    );
    const active = await sys.start(['projects-component'], env);
    await active.waitReady(60_000);
    const standby = await sys.start(['projects-component'], env);
    await front.waitReady(60_000);
    // Lease-free (COMPONENT_WRITERS=shared on JetStream) the second instance decides beside the
    // first from the start: the kill leaves it alone with the load, and what the first held
    // comes back to it.
    if (shared) await standby.waitReady(60_000);
    // Standing by for real before the kill (its process booted, its log session open), so what
    // is measured is the takeover, not the standby's start.
    else
      await eventually(
        async () => {
          const res = await fetch(`http://127.0.0.1:${standby.port}/readyz`).catch(() => null);
          const body = (await res?.json().catch(() => null)) as {
            details?: Record<string, unknown>;
          } | null;
          const writer = body?.details?.['projects-component.writer'];
          return typeof writer === 'string' && writer.startsWith('standing by');
        },
        60_000,
        'the standby to stand by',
      );
    const { owner, pid, columnId } = await boardToLoad(sys);

    let killedAt = 0;
    const load = runWriteLoad({
      api: () => sys.api(front.port),
      token: owner.token,
      projectId: pid,
      columnId,
      clients: o.clients ?? 4,
      total: o.total ?? 300,
      paceMs: 25,
    });
    const fault = (async () => {
      await sleep(1_500);
      killedAt = Date.now();
      await active.kill('SIGKILL');
    })();
    const [result] = await Promise.all([load, fault]);
    await standby.waitReady(30_000);
    const counted = await settledCount(sys.db.pool, pid, result);
    // A write sent after the kill can only be decided by the standby.
    const recovered = firstAckAfter(result, killedAt, 'sentAfter');
    return {
      fault: shared
        ? 'one of two lease-free component instances killed, the other decides on'
        : 'active component killed, standby takes over',
      sent: result.sent,
      acknowledged: result.acknowledged.length,
      ...counted,
      recoverMs: recovered === null ? null : recovered - killedAt,
      notes: {
        'slowest write (ms)': Math.max(0, ...result.attempts.map((a) => a.ms)),
        answers: JSON.stringify(countStatuses(result.attempts)),
      },
    };
  } finally {
    await sys.stop();
    await log.remove();
  }
}
