import { freePort } from '../../test/support/ports';
import { TEST_STAN, uniq } from '../../test/support/env';
import { connectStan } from './stanConnection';

describe('connecting to a list of servers', () => {
  it('moves past a node that does not answer to the next one', async () => {
    const nobody = await freePort();
    const started = Date.now();
    const sc = await connectStan({
      url: `nats://127.0.0.1:${nobody},${TEST_STAN.url}`,
      clusterId: TEST_STAN.clusterId,
      clientId: `list-${uniq()}`,
      connectTimeoutMs: 10_000,
    });
    const tookMs = Date.now() - started;
    try {
      await new Promise<void>((resolve, reject) => {
        sc.publish(`t${uniq()}.list.check`, 'x', (err) => (err ? reject(err) : resolve()));
      });
    } finally {
      await new Promise<void>((resolve) => {
        sc.once('close', () => resolve());
        sc.close();
      });
    }
    process.stdout.write(`connected past a dead first node in ${tookMs} ms\n`);
  });
});
