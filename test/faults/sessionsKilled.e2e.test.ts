import { formatReports } from './report';
import { sessionsKilled } from './scenarios/sessionsKilled';
import { onTestLog } from '../support/env';
import { privateLogMissing } from './privateLog';

jest.setTimeout(180_000);

/**
 * Issue 11 §2: every session of the system's database is ended four times under a write load
 * (leases, pools, the outcome listener). No process exits, nothing acknowledged is lost or
 * doubled, nothing answers 500, and writes flow again.
 */
describe(onTestLog("the database's sessions are killed under load"), () => {
  const missing = privateLogMissing();
  if (missing) throw new Error(missing);

  it('rides it out in place', async () => {
    const r = await sessionsKilled();
    process.stdout.write(`\n${formatReports([r])}`);
    expect({ lost: r.lost, doubled: r.doubled, exited: r.processExited }).toEqual({
      lost: 0,
      doubled: 0,
      exited: false,
    });
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.found).toBe(r.acknowledged);
    expect(Object.keys(r.statuses).filter((s) => Number(s) >= 500 && s !== '503')).toEqual([]);
    expect(r.recoverMs).not.toBeNull();
    expect(r.readyAgainAfterMs).not.toBeNull();
  });
});
