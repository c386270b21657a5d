import { readdirSync, readFileSync } from 'node:fs';

/** CPU time (seconds) per process group, read from /proc: where the cores went during a workload. */
export interface CpuSnapshot {
  at: number;
  machineBusy: number;
  pids: Record<string, { group: string; secs: number }>;
}

const TICK = 100; // USER_HZ on Linux

function procTimes(pid: string): { comm: string; ticks: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    const close = stat.lastIndexOf(')');
    const comm = stat.slice(stat.indexOf('(') + 1, close);
    const fields = stat.slice(close + 2).split(' ');
    // fields[0] is state (field 3); utime and stime are fields 14 and 15.
    return { comm, ticks: Number(fields[11]) + Number(fields[12]) };
  } catch {
    return null;
  }
}

function machineBusy(): number {
  try {
    const line = readFileSync('/proc/stat', 'utf8')
      .split('\n')[0]!
      .trim()
      .split(/\s+/)
      .slice(1)
      .map(Number);
    const [user = 0, nice = 0, system = 0, , , irq = 0, softirq = 0, steal = 0] = line;
    return (user + nice + system + irq + softirq + steal) / TICK;
  } catch {
    return 0;
  }
}

/**
 * `named` maps pids we know (the system under test, this bench process) to a group; everything
 * else is grouped by command name: postgres, natsStreaming, natsServer (JetStream: the machine's
 * server, which others may use too, as they may use Postgres), temporalServer (the dev server,
 * which other runs and test suites on this machine may also use), other.
 */
export function cpuSnapshot(named: Record<string, string>): CpuSnapshot {
  const pids: Record<string, { group: string; secs: number }> = {};
  let list: string[] = [];
  try {
    list = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    /* not Linux: no per-process figures */
  }
  for (const pid of list) {
    const t = procTimes(pid);
    if (!t) continue;
    const group =
      named[pid] ??
      (t.comm === 'postgres'
        ? 'postgres'
        : t.comm.startsWith('nats-streaming')
          ? 'natsStreaming'
          : t.comm.startsWith('nats-server')
            ? 'natsServer'
            : t.comm === 'temporal'
              ? 'temporalServer'
              : 'other');
    pids[pid] = { group, secs: t.ticks / TICK };
  }
  return { at: Date.now(), machineBusy: machineBusy(), pids };
}

/**
 * Cores used per group between two snapshots (1.0 = one core fully busy), counted per process: a
 * process started in between counts from zero. What processes that ended in between used, and
 * kernel time nobody is charged for, shows as `unattributed`.
 */
export function coresUsed(a: CpuSnapshot, b: CpuSnapshot): Record<string, number> {
  const secs = (b.at - a.at) / 1000;
  const sums: Record<string, number> = {};
  for (const [pid, p] of Object.entries(b.pids)) {
    const before = a.pids[pid]?.secs ?? 0;
    sums[p.group] = (sums[p.group] ?? 0) + Math.max(0, p.secs - before);
  }
  const out: Record<string, number> = {};
  let attributed = 0;
  for (const [k, v] of Object.entries(sums)) {
    attributed += v;
    if (v > 0) out[k] = Math.round((v / secs) * 100) / 100;
  }
  const total = b.machineBusy - a.machineBusy;
  out.unattributed = Math.max(0, Math.round(((total - attributed) / secs) * 100) / 100);
  out.machineTotal = Math.round((total / secs) * 100) / 100;
  return out;
}

/**
 * Cores used between two snapshots by exactly these processes (one started in between counts
 * from zero): what a run's own processes used, which other users of a shared machine do not
 * inflate the way they inflate a group such as `postgres`.
 */
export function coresOf(a: CpuSnapshot, b: CpuSnapshot, pids: Iterable<string>): number {
  const secs = (b.at - a.at) / 1000;
  let used = 0;
  for (const pid of new Set(pids)) {
    const after = b.pids[pid]?.secs;
    if (after !== undefined) used += Math.max(0, after - (a.pids[pid]?.secs ?? 0));
  }
  return secs > 0 ? Math.round((used / secs) * 100) / 100 : 0;
}

/** The server listening on `port` whose binary's name begins with `binary`, by its command line. */
function serverPid(port: string, binary: string): string | null {
  let list: string[] = [];
  try {
    list = readdirSync('/proc').filter((d) => /^\d+$/.test(d));
  } catch {
    return null;
  }
  for (const pid of list) {
    try {
      const argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (!argv[0]?.split('/').pop()?.startsWith(binary)) continue;
      const i = argv.findIndex((x) => x === '-p' || x === '--port');
      if (i >= 0 && argv[i + 1] === port) return pid;
    } catch {
      /* gone meanwhile */
    }
  }
  return null;
}

/** The NATS Streaming server listening on `port` (the run's throwaway one), by its command line. */
export const stanServerPid = (port: string): string | null => serverPid(port, 'nats-streaming');

/** The JetStream server (nats-server) listening on `port`, by its command line. */
export const natsServerPid = (port: string): string | null => serverPid(port, 'nats-server');
