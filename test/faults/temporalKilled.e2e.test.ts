import { formatReports } from './report';
import { temporalKilled } from './scenarios/temporalKilled';
import { onTestLog } from '../support/env';
import { privateLogMissing } from './privateLog';
import { temporalBinaryPresent, TEMPORAL_BINARY } from '../support/temporalServer';

jest.setTimeout(300_000);

/**
 * The "Temporal server and worker killed during approvals", shorter: 20 approvals on
 * servers of the test's own, the Temporal server killed for 5 s and then the worker process.
 * Every approval ends decided, with one invoice and one invoice email.
 */
describe(onTestLog('the Temporal server and the worker are killed during approvals'), () => {
  const missing = privateLogMissing();
  if (missing) throw new Error(missing);
  if (!temporalBinaryPresent())
    throw new Error(`${TEMPORAL_BINARY} is missing: run scripts/dev-stack.sh tools`);

  it('decides every approval once and emails each invoice once', async () => {
    const r = await temporalKilled({ approvals: 20 });
    process.stdout.write(`\n${formatReports([r])}`);
    // The faults hit the load: approvals were sent into both.
    expect(r.sentWhileTemporalDown).toBeGreaterThan(0);
    expect(r.sentAfterWorkerKill).toBeGreaterThan(0);
    expect(r.acknowledged).toBe(r.sent);
    expect({
      lost: r.lost,
      doubled: r.doubled,
      undecided: r.undecided,
      emailsNotOne: r.emailsNotOne,
      recordedTwice: r.recordedTwice,
      exited: r.exited,
    }).toEqual({
      lost: 0,
      doubled: 0,
      undecided: [],
      emailsNotOne: {},
      recordedTwice: [],
      exited: [],
    });
    expect(r.found).toBe(r.sent);
    expect(r.recoverMs).not.toBeNull();
  });
});
