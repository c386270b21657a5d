import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';

/**
 * Ports for the servers tests start are taken below the kernel's ephemeral range: a port from
 * there (what `listen(0)` hands out) can be taken, between our check and the child's listen, as
 * the local end of any outgoing connection the suite opens, and the child then cannot listen for
 * as long as that connection lives (CI saw a process crash-loop on a port that a connection held).
 * Each Jest worker walks its own slice, so two workers never hand out the same port either.
 */
const ephemeralLow = ((): number => {
  try {
    const low = Number(
      readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').split(/\s+/)[0],
    );
    return Number.isInteger(low) && low > 0 ? low : 32768;
  } catch {
    return 32768;
  }
})();
const RANGE_LOW = 20000;
const SLICES = 16;
const slice = (() => {
  const size = Math.floor((ephemeralLow - RANGE_LOW) / SLICES);
  const worker = (Number(process.env.JEST_WORKER_ID ?? 1) - 1) % SLICES;
  const low = RANGE_LOW + worker * size;
  return { low, size, next: Math.floor(Math.random() * size) };
})();

/** Whether nothing holds the port: bound on every address, as our servers listen. */
function bindable(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = createServer();
    s.once('error', () => resolve(false));
    s.listen(port, () => s.close(() => resolve(true)));
  });
}

/** The first port of a run of `n` in a row that nothing holds. */
export async function freePorts(n: number): Promise<number> {
  if (slice.size < 4 * n) throw new Error(`no room for test ports below ${ephemeralLow}`);
  for (let tried = 0; tried < slice.size; tried++) {
    if (slice.next + n > slice.size) slice.next = 0;
    const base = slice.low + slice.next;
    slice.next += n;
    const free = await Promise.all(Array.from({ length: n }, (_, i) => bindable(base + i)));
    if (free.every(Boolean)) return base;
  }
  throw new Error('no free test port');
}

export function freePort(): Promise<number> {
  return freePorts(1);
}
