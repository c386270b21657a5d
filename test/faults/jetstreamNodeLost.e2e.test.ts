import { formatReports } from './report';
import { SCENARIOS } from './scenarios';
import { jetstreamNodeLost, type JetStreamVictim } from './scenarios/jetstreamNodeLost';
import { natsServerBinaryPresent, NATS_SERVER_BINARY } from '../support/natsServer';

jest.setTimeout(180_000);

/**
 * Issue 16: the log runs as a 3-node JetStream cluster, its streams on all three nodes, and a
 * node is killed under a write load through two instances of every role: the one leading the
 * busiest stream (where the load appends), then the one leading the busiest consumer (where the
 * projector reads). Nothing acknowledged is lost or doubled, no process exits, writes resume,
 * every group it led elects a new leader and the node, started again, catches up. Always on
 * JetStream, whichever log the run chose (NATS Streaming's cluster is logLeaderLost's).
 */
describe('a node of the clustered JetStream log is killed', () => {
  if (!natsServerBinaryPresent())
    throw new Error(`${NATS_SERVER_BINARY} is missing: run scripts/dev-stack.sh tools`);

  const cases: Array<[string, JetStreamVictim, string]> = [
    ['the busiest stream', 'stream-leader', 'jetstream-node-lost'],
    ['the busiest consumer', 'consumer-leader', 'jetstream-consumer-node-lost'],
  ];
  it.each(cases)(
    'the node leading %s: loses and doubles nothing, and writes resume',
    async (_, victim, name) => {
      const r = await jetstreamNodeLost({ victim });
      process.stdout.write(`\n${formatReports([r])}`);
      const check = SCENARIOS.find((s) => s.name === name)!.check;
      expect(check(r)).toEqual([]);
      expect(r.groupsLed.length).toBeGreaterThan(0);
      expect(r.found).toBe(r.acknowledged);
      expect(r.acknowledged).toBe(r.sent);
    },
  );
});
