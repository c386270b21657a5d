import { formatReports } from './report';
import { SCENARIOS } from './scenarios';
import { logLeaderLost } from './scenarios/logLeaderLost';
import { stanBinaryPresent, STAN_BINARY } from '../support/stanServer';

jest.setTimeout(180_000);

/**
 * Issue 11 §5: the log runs as a 3-node cluster and its leader is killed under a write load
 * through two instances of every role. Nothing acknowledged is lost or doubled, no process exits,
 * writes resume and every single writer and projector is held again.
 */
describe('the leader of the clustered log is killed', () => {
  if (!stanBinaryPresent())
    throw new Error(`${STAN_BINARY} is missing: run scripts/dev-stack.sh tools`);

  it('loses and doubles nothing, and writes resume', async () => {
    const r = await logLeaderLost();
    process.stdout.write(`\n${formatReports([r])}`);
    const check = SCENARIOS.find((s) => s.name === 'log-leader-lost')!.check;
    expect(check(r)).toEqual([]);
    expect(r.found).toBe(r.acknowledged);
    expect(r.acknowledged).toBe(r.sent);
  });
});
