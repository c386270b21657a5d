/**
 * CPU profiles of a Node process (V8's sampling profiler through node:inspector), summarized:
 * where the main thread's busy time goes, by part of the code, by function (self), and by product
 * function including what it calls. Used inside the system under test (bench/probe.ts) and in the
 * bench process around the in-process rebuild.
 */
import { Session } from 'node:inspector';

export interface ProfileSummary {
  seconds: number;
  samples: number;
  /** Share of sampled time the main thread was not idle. */
  busyShare: number;
  /** Share of busy time per part of the code (self time): product dirs, node_modules packages, Node internals, GC. */
  byArea: Record<string, number>;
  /** Product functions by inclusive time (themselves and what they call), share of busy time. */
  inclusive: Array<{ fn: string; share: number }>;
  /** Functions by self time, share of busy time. */
  self: Array<{ fn: string; share: number }>;
}

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  children?: number[];
}

const distRoot = __dirname.replace(/[\\/]bench$/, '');

function area(url: string, fn: string): string {
  if (fn === '(idle)' || fn === '(program)' || fn === '(garbage collector)' || fn === '(root)')
    return fn;
  if (!url) return '(native)';
  const nm = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (nm) return `node_modules/${nm[1]}`;
  if (url.startsWith('node:')) return 'node internals';
  const path = url.replace(/^file:\/\//, '');
  if (path.startsWith(distRoot)) {
    const rel = path.slice(distRoot.length + 1).split('/');
    return rel.length > 2 ? `${rel[0]}/${rel[1]}` : rel[0]!;
  }
  return 'other';
}

/** Self and inclusive time per function from a V8 CPU profile, with the product's functions named by file. */
function summarizeProfile(profile: {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}): ProfileSummary {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const name = (n: ProfileNode) => {
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(distRoot + '/', '');
    return f.url
      ? `${f.functionName || '(anonymous)'} ${file}:${f.lineNumber + 1}`
      : f.functionName;
  };
  const self = new Map<string, number>();
  const incl = new Map<string, number>();
  const areas = new Map<string, number>();
  let busy = 0;
  let total = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    total += dt;
    const node = byId.get(profile.samples[i]!);
    if (!node) continue;
    const fn = node.callFrame.functionName;
    if (fn === '(idle)') continue;
    // The profiler's own work (starting, stopping) is not the system's.
    let profiler = false;
    for (let id: number | undefined = node.id; id !== undefined && !profiler; id = parent.get(id))
      profiler = byId.get(id)!.callFrame.url === 'node:inspector';
    if (profiler) continue;
    busy += dt;
    // A native frame is named with the JS function that called it, and the first caller outside Node itself.
    let selfName = name(node);
    if (!node.callFrame.url && !fn.startsWith('(')) {
      let up = parent.get(node.id);
      while (up !== undefined && !byId.get(up)!.callFrame.url) up = parent.get(up);
      if (up !== undefined) {
        selfName += ` ← ${name(byId.get(up)!)}`;
        while (up !== undefined && byId.get(up)!.callFrame.url.startsWith('node:'))
          up = parent.get(up);
        if (up !== undefined && byId.get(up)!.callFrame.url)
          selfName += ` ← ${name(byId.get(up)!)}`;
      }
    }
    self.set(selfName, (self.get(selfName) ?? 0) + dt);
    const a = area(node.callFrame.url, fn);
    areas.set(a, (areas.get(a) ?? 0) + dt);
    const seen = new Set<string>();
    for (let id: number | undefined = node.id; id !== undefined; id = parent.get(id)) {
      const n = byId.get(id)!;
      if (
        !n.callFrame.url.includes(distRoot) ||
        n.callFrame.url.includes('node_modules') ||
        n.callFrame.url.includes('/bench/')
      )
        continue;
      const k = name(n);
      if (seen.has(k)) continue;
      seen.add(k);
      incl.set(k, (incl.get(k) ?? 0) + dt);
    }
  }
  const share = (v: number) => Math.round((v / (busy || 1)) * 1000) / 1000;
  const top = (m: Map<string, number>, n: number) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, n)
      .map(([fn, v]) => ({ fn, share: share(v) }));
  return {
    seconds: Math.round((profile.endTime - profile.startTime) / 1000) / 1000,
    samples: profile.samples.length,
    busyShare: Math.round((busy / (total || 1)) * 1000) / 1000,
    byArea: Object.fromEntries(
      [...areas.entries()].sort((a, b) => b[1] - a[1]).map(([k, v]) => [k, share(v)]),
    ),
    inclusive: top(incl, 25),
    self: top(self, 25),
  };
}

let session: Session | null = null;
const post = <T>(method: string, params?: object): Promise<T> =>
  new Promise((resolve, reject) =>
    session!.post(method, params ?? {}, (err, res) => (err ? reject(err) : resolve(res as T))),
  );

export async function profileStart(): Promise<void> {
  session = new Session();
  session.connect();
  await post('Profiler.enable');
  await post('Profiler.setSamplingInterval', { interval: 500 });
  await post('Profiler.start');
}

export async function profileStop(): Promise<ProfileSummary | null> {
  if (!session) return null;
  const { profile } = await post<{ profile: Parameters<typeof summarizeProfile>[0] }>(
    'Profiler.stop',
  );
  await post('Profiler.disable');
  session.disconnect();
  session = null;
  return summarizeProfile(profile);
}
