import { formatReports } from './report';
import { componentFailover } from './scenarios/componentFailover';
import { onTestLog } from '../support/env';
import { privateLogMissing } from './privateLog';

jest.setTimeout(180_000);

/** Issue 11 §3: a standby takes over from a killed writer; nothing acknowledged is lost or doubled. */
describe(onTestLog('the active component is killed under load'), () => {
  const missing = privateLogMissing();
  if (missing) throw new Error(missing);

  it('fails over to the standby, deciding nothing twice', async () => {
    const r = await componentFailover();
    process.stdout.write(`\n${formatReports([r])}`);
    expect({ lost: r.lost, doubled: r.doubled }).toEqual({ lost: 0, doubled: 0 });
    expect(r.found).toBe(r.acknowledged);
    expect(r.acknowledged).toBe(r.sent);
    expect(r.recoverMs).not.toBeNull();
  });
});
