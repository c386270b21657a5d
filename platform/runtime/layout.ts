/**
 * How `npm start` spreads the roles over processes. A process is named by roles and groups of
 * roles (`node dist/main.js apps`, `node dist/main.js components projectors reactors`); a layout
 * lists the processes, and together they must run every role exactly once.
 *
 * Node runs one event loop per process: with every role in one, the API, the deciders and the
 * projectors take turns on one core however many the machine has. Split, as Kubernetes runs
 * them, each process has a loop of its own.
 */

/** Groups a process can be named by, as predicates over role names. */
const isApp = (r: string) => r.endsWith('-app');

export const GROUPS: Record<string, (role: string) => boolean> = {
  apps: isApp,
  components: (r) => r.endsWith('-component'),
  projectors: (r) => r.endsWith('-projector'),
  reactors: (r) => r.endsWith('-reactor'),
  processes: (r) => r === 'dispatcher' || r === 'workflow-worker',
};

/**
 * Named layouts; any other value of DEVPIE_PROCESSES is read as one: processes separated by
 * commas, the roles and groups of one process joined by `+`.
 *
 * `split` keeps a component with its projector: a write hops component → log → projector, and
 * the two are the busiest consumers, but the API is what gains from a loop of its own.
 */
export const LAYOUTS: Record<string, string> = {
  all: 'all',
  split: 'apps,components+projectors+reactors,processes',
};

/** The roles a process runs, from its arguments: role names and group names, in role order. */
export function expandRoles(args: readonly string[], roles: readonly string[]): string[] {
  if (args.length === 1 && args[0] === 'all') return [...roles];
  const picked = new Set<string>();
  for (const a of args) {
    const group = GROUPS[a];
    if (group) roles.filter(group).forEach((r) => picked.add(r));
    else if (roles.includes(a)) picked.add(a);
    else throw new Error(`unknown role or group ${a}`);
  }
  return roles.filter((r) => picked.has(r));
}

export interface PlannedProcess {
  /** Its arguments joined by `+` (`all`, `apps`, `components+projectors+reactors`). */
  name: string;
  args: string[];
  /** Where it serves /healthz, /readyz, /metrics (and the API, for apps): the base port, then the next ones. */
  port: number;
}

/**
 * The processes of a layout (a name of LAYOUTS or a spec), on ports from `basePort` up. The
 * process with the apps comes first, so the API keeps the port it has under `all`.
 */
export function planProcesses(
  layout: string,
  roles: readonly string[],
  basePort: number,
): PlannedProcess[] {
  const spec = LAYOUTS[layout] ?? layout;
  const processes = spec
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => p.split('+').map((x) => x.trim()));
  if (processes.length === 0) throw new Error(`DEVPIE_PROCESSES: empty layout "${layout}"`);
  const runs = processes.map((args) => ({ args, roles: expandRoles(args, roles) }));
  const seen = new Map<string, string>();
  for (const p of runs)
    for (const r of p.roles) {
      const other = seen.get(r);
      // Two processes with one role would make two writers wait on one lease, or two listeners.
      if (other !== undefined)
        throw new Error(
          `DEVPIE_PROCESSES: ${r} is in both ${other} and ${p.args.join('+')} ("${layout}")`,
        );
      seen.set(r, p.args.join('+'));
    }
  const missing = roles.filter((r) => !seen.has(r));
  if (missing.length)
    throw new Error(
      `DEVPIE_PROCESSES: no process runs ${missing.join(', ')} ("${layout}"); layouts: ${Object.keys(LAYOUTS).join(', ')}, or e.g. ${LAYOUTS.split}`,
    );
  const apps = (p: { roles: string[] }) => p.roles.some(isApp);
  const ordered = [...runs.filter(apps), ...runs.filter((p) => !apps(p))];
  return ordered.map((p, i) => ({ name: p.args.join('+'), args: p.args, port: basePort + i }));
}
