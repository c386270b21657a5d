import { natsDurationMs, natsSizeAtMost, parseNatsConf, quantityBytes } from './natsConf';

describe('reading nats.conf', () => {
  it('reads keys, blocks, arrays and URLs, whichever separator and comment style', () => {
    const conf = parseNatsConf(
      [
        '# a comment',
        'server_name: $POD_NAME',
        'port = 4222 // another',
        'jetstream { store_dir: "/data/js", sync_interval: always }',
        'cluster {',
        '  routes: [',
        '    nats://a.b:6222',
        '    nats://c.d:6222, nats://e.f:6222',
        '  ]',
        '}',
      ].join('\n'),
    );
    expect(conf).toEqual({
      server_name: '$POD_NAME',
      port: '4222',
      jetstream: { store_dir: '/data/js', sync_interval: 'always' },
      cluster: { routes: ['nats://a.b:6222', 'nats://c.d:6222', 'nats://e.f:6222'] },
    });
  });

  it.each([
    ['a repeated key', 'port: 1\nport: 2'],
    ['an include', 'include other.conf'],
    ['an unclosed block', 'cluster {\n port: 1'],
    ['an unterminated string', 'name: "x'],
  ])('refuses %s', (_, text) => {
    expect(() => parseNatsConf(text)).toThrow();
  });

  it('reads durations and sizes as nats-server does, sizes at their largest', () => {
    expect(natsDurationMs('30s')).toBe(30_000);
    expect(natsDurationMs('2m')).toBe(120_000);
    expect(natsSizeAtMost('45G')).toBe(45 * 1024 ** 3);
    expect(natsSizeAtMost('1GB')).toBe(1024 ** 3);
    expect(quantityBytes('50Gi')).toBe(50 * 1024 ** 3);
    expect(quantityBytes('50G')).toBe(50 * 1000 ** 3);
    expect(() => natsDurationMs('soon')).toThrow();
  });
});
