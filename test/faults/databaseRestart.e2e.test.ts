import { formatReports } from './report';
import { databaseRestart } from './scenarios/databaseRestart';
import { postgresBinary } from '../support/privatePostgres';
import { onTestLog } from '../support/env';
import { privateLogMissing } from './privateLog';

jest.setTimeout(180_000);

/**
 * Issue 11 §2: a Postgres server of the test's own is stopped under a write load and started
 * again 3 s later. The process rides it out; writes meanwhile answer 503 with Retry-After, at
 * once; afterwards every acknowledged write is in the views exactly once and readiness is back.
 */
describe(onTestLog('the Postgres server restarts under load'), () => {
  const missing = privateLogMissing();
  if (missing) throw new Error(missing);
  if (!postgresBinary('initdb') || !postgresBinary('pg_ctl'))
    throw new Error(
      'initdb or pg_ctl not found (looked in /usr/local/bin, /usr/lib/postgresql/*/bin, /usr/bin): install the PostgreSQL server',
    );

  it('answers 503 meanwhile and recovers in place', async () => {
    const r = await databaseRestart();
    process.stdout.write(`\n${formatReports([r])}`);
    expect({ lost: r.lost, doubled: r.doubled, exited: r.processExited }).toEqual({
      lost: 0,
      doubled: 0,
      exited: false,
    });
    expect(r.acknowledged).toBeGreaterThan(0);
    expect(r.found).toBe(r.acknowledged);
    expect(Object.keys(r.duringOutage.statuses).filter((s) => s !== '503')).toEqual([]);
    expect(r.duringOutage.withoutRetryAfter).toBe(0);
    expect(r.readyAgainAfterMs).not.toBeNull();
    expect(r.recoverMs).not.toBeNull();
  });
});
