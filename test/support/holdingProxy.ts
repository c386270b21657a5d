import { connect, createServer, type Server, type Socket } from 'node:net';

/**
 * A loopback TCP proxy that can hold back what the server says to its clients, without closing
 * anything: a client then hears nothing (not even that its session was ended) until `release()`,
 * as behind a congested or half-open network path.
 */
export interface HoldingProxy {
  port: number;
  hold(): void;
  /** Delivers what was held, in order, and lets traffic through again. */
  release(): void;
  close(): Promise<void>;
}

export async function startHoldingProxy(targetPort: number): Promise<HoldingProxy> {
  let holding = false;
  const sockets = new Set<Socket>();
  const held: Array<() => void> = [];
  const server: Server = createServer((client) => {
    const upstream = connect(targetPort, '127.0.0.1');
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => undefined);
    }
    client.pipe(upstream);
    const toClient = (say: () => void) => (holding ? held.push(say) : say());
    upstream.on('data', (d: Buffer) => toClient(() => client.write(d)));
    upstream.on('close', () => toClient(() => client.end()));
    client.on('close', () => upstream.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as { port: number };
  return {
    port,
    hold: () => (holding = true),
    release() {
      holding = false;
      for (const say of held.splice(0)) say();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}
