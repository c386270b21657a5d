import type { Server } from 'node:http';

// The switch is read once, when the registry is loaded: this file loads its own copy with it set.
describe('METRICS=off', () => {
  let server: Server;
  let base: string;
  let closeServer: (s: Server) => Promise<void>;
  let registry: typeof import('./registry');

  beforeAll(async () => {
    const before = process.env.METRICS;
    process.env.METRICS = 'off';
    let http!: typeof import('../http/server');
    let config!: typeof import('../config');
    try {
      jest.isolateModules(() => {
        /* eslint-disable @typescript-eslint/no-require-imports */
        http = require('../http/server') as typeof import('../http/server');
        config = require('../config') as typeof import('../config');
        registry = require('./registry') as typeof import('./registry');
        /* eslint-enable @typescript-eslint/no-require-imports */
      });
    } finally {
      if (before === undefined) delete process.env.METRICS;
      else process.env.METRICS = before;
    }
    closeServer = http.closeServer;
    server = await http.listen(
      http.createHttpApp(config.loadConfig({}), [], () => ({})),
      0,
    );
    const address = server.address();
    if (typeof address !== 'object' || address === null) throw new Error('no address');
    base = `http://127.0.0.1:${address.port}`;
  });
  afterAll(() => closeServer(server));

  it('answers /metrics with 404 and a JSON error', async () => {
    const res = await fetch(`${base}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.json()).toEqual({ error: expect.stringContaining('METRICS=off') });
  });

  it('makes what the hosts record do nothing', () => {
    const { metrics } = registry;
    expect(() => {
      metrics.commandsAccepted.inc({ category: 'user', type: 'x' });
      metrics.writeToVisible.observe({ category: 'user', outcome: 'accepted' }, 0.1);
      metrics.httpDuration.startTimer()({ method: 'GET', route: '/', status: '200' });
    }).not.toThrow();
    expect(registry.metricsEnabled).toBe(false);
    expect(registry.registry.getSingleMetric('devpie_commands_accepted_total')).toBeUndefined();
    expect(
      registry.registry.getSingleMetric('devpie_nodejs_eventloop_lag_seconds'),
    ).toBeUndefined();
  });
});
