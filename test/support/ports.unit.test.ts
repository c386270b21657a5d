import { readFileSync } from 'node:fs';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { freePort, freePorts } from './ports';

const ephemeralLow = Number(
  readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
);

const listen = (port: number): Promise<Server> =>
  new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(port, () => resolve(s));
  });
const close = (s: Server): Promise<void> => new Promise((r) => s.close(() => r()));

describe('test ports', () => {
  it('are taken below the ephemeral range, where no outgoing connection can hold one', async () => {
    // What went wrong before: a listen on the local port of a live outgoing connection fails.
    const server = await listen(0);
    const { port } = server.address() as { port: number };
    const out: Socket = await new Promise((r) => {
      const c = connect(port, '127.0.0.1', () => r(c));
    });
    expect(out.localPort!).toBeGreaterThanOrEqual(ephemeralLow);
    await expect(listen(out.localPort!)).rejects.toMatchObject({ code: 'EADDRINUSE' });
    out.destroy();
    await close(server);

    for (let i = 0; i < 50; i++) {
      const p = await freePort();
      expect(p).toBeGreaterThanOrEqual(20000);
      expect(p).toBeLessThan(ephemeralLow);
    }
  });

  it('hands out runs that can all be listened on, and never the same port twice in a row', async () => {
    const seen = new Set<number>();
    for (let i = 0; i < 20; i++) {
      const base = await freePorts(3);
      const servers = await Promise.all([0, 1, 2].map((k) => listen(base + k)));
      await Promise.all(servers.map(close));
      for (const k of [0, 1, 2]) {
        expect(seen.has(base + k)).toBe(false);
        seen.add(base + k);
      }
    }
  });

  it('passes over a port something listens on', async () => {
    const base = await freePorts(1);
    // Hold every port of the next stretch: whatever comes next is past them.
    const held = await Promise.all(
      Array.from({ length: 5 }, (_, k) => listen(base + 1 + k).catch(() => null)),
    );
    const next = await freePorts(1);
    for (const s of held) if (s) await close(s);
    expect(next).not.toBe(base);
    expect(next >= base + 1 && next <= base + 5).toBe(false);
  });
});
