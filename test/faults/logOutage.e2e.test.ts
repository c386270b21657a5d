import { formatReports } from './report';
import { logOutage } from './scenarios/logOutage';
import { onTestLog } from '../support/env';
import { privateLogMissing } from './privateLog';

jest.setTimeout(180_000);

/**
 * Issue 11 §1: the log goes away for five seconds under a write load. Nothing acknowledged is
 * lost or doubled, writes answer 503 with Retry-After at once meanwhile, readiness follows the
 * log both ways within 2 s, and the process rides it out.
 */
describe(onTestLog('the log server is killed and comes back on its store'), () => {
  const missing = privateLogMissing();
  if (missing) throw new Error(missing);

  it('answers honestly meanwhile and recovers in place', async () => {
    const r = await logOutage();
    process.stdout.write(`\n${formatReports([r])}`);
    expect({ lost: r.lost, doubled: r.doubled, exited: r.processExited }).toEqual({
      lost: 0,
      doubled: 0,
      exited: false,
    });
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.found).toBe(r.acknowledged);
    // Every answer while the log was down said so, quickly, with when to try again.
    expect(Object.keys(r.duringOutage.statuses).filter((s) => s !== '503')).toEqual([]);
    expect(r.duringOutage.withoutRetryAfter).toBe(0);
    expect(r.duringOutage.slowestMs).toBeLessThan(1_500);
    expect(r.notReadyAfterMs).not.toBeNull();
    expect(r.notReadyAfterMs!).toBeLessThanOrEqual(2_000);
    expect(r.readyAgainAfterMs).not.toBeNull();
    expect(r.recoverMs).not.toBeNull();
  });
});
