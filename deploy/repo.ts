// What the deployment checks need to know about the code: its roles, the settings it reads, its
// health endpoints and its migration folders, read from the sources themselves.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';

export const REPO = join(__dirname, '..');
export const repoFile = (...parts: string[]): string => join(REPO, ...parts);
export const read = (...parts: string[]): string => readFileSync(repoFile(...parts), 'utf8');

/** Capture group `n` of a match: one the pattern fills whenever that part of it matched. */
function group(m: RegExpMatchArray, n: number): string {
  const text = m[n];
  if (text === undefined) throw new Error(`"${m[0]}" matched without group ${n}`);
  return text;
}

/** The last line a run printed. Null, not '', when the process could not start, whatever the type says. */
const lastLine = (stdout: string | null): string => stdout?.trim().split('\n').pop() ?? '';

/** The folder of a directory entry: `parentPath`, which Node 20 has only from 20.12 on (`path` before). */
function folderOf(entry: { parentPath?: string; path?: string }): string {
  const folder = entry.parentPath ?? entry.path;
  if (folder === undefined) throw new Error('a directory entry without its folder');
  return folder;
}

/**
 * The roles `node dist/main.js roles` prints. Run from the sources (so the list is current even
 * before `npm run build`), falling back to dist/ when the sources cannot run.
 */
export function roles(): string[] {
  const attempts: string[][] = [['-r', '@swc-node/register', 'main.ts', 'roles']];
  if (existsSync(repoFile('dist', 'main.js'))) attempts.push(['dist/main.js', 'roles']);
  const errors: string[] = [];
  for (const args of attempts) {
    const run = spawnSync(process.execPath, args, {
      cwd: REPO,
      encoding: 'utf8',
      timeout: 60_000,
      env: { ...process.env, LOG_LEVEL: 'silent' },
    });
    const line = lastLine(run.stdout);
    try {
      const list = JSON.parse(line) as unknown;
      if (Array.isArray(list) && list.length > 0 && list.every((r) => typeof r === 'string'))
        return list;
    } catch {
      // reported below
    }
    errors.push(`node ${args.join(' ')}: ${run.stderr || run.stdout || run.error?.message}`);
  }
  throw new Error(`cannot list the roles:\n${errors.join('\n')}`);
}

/** Every file below a folder of the repository, as repository paths. */
export const filesUnder = (dir: string): string[] =>
  readdirSync(repoFile(dir), { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(REPO, join(folderOf(e), e.name)));

const sourceFiles = (dir: string): string[] =>
  filesUnder(dir).filter((f) => f.endsWith('.ts') && !/\.(test|contract)\.ts$/.test(f));

/** Folders of the code the roles run (tests, benchmarks and scripts excluded). */
const PRODUCT_DIRS = [
  'platform',
  'apps',
  'components',
  'projectors',
  'contracts',
  'workflows',
  'activities',
];

/** The sources of the code the roles run (main.ts and the product folders; tests left out). */
export const productSources = (): string[] => [
  ...PRODUCT_DIRS.filter((d) => existsSync(repoFile(d))).flatMap(sourceFiles),
  'main.ts',
];

/** Every environment variable the running code reads (platform/config.ts, and anywhere else it is read), by file. */
export function envVarsRead(): Map<string, string[]> {
  const found = new Map<string, string[]>();
  for (const file of productSources()) {
    const text = read(file);
    for (const m of text.matchAll(/\benv\.([A-Z][A-Z0-9_]*)|\benv\[['"]([A-Z][A-Z0-9_]*)['"]\]/g)) {
      const name = m[1] ?? group(m, 2);
      found.set(name, [...new Set([...(found.get(name) ?? []), file])]);
    }
  }
  return found;
}

/** The default of an integer setting in platform/config.ts: `int(env.NAME, 4000)`. */
export function configDefault(name: string): number {
  const m = new RegExp(`int\\(env\\.${name},\\s*([\\d_]+(?:\\s*\\*\\s*[\\d_]+)*)\\)`).exec(
    read('platform', 'config.ts'),
  );
  if (!m) throw new Error(`no integer default for ${name} in platform/config.ts`);
  return group(m, 1)
    .split('*')
    .reduce((a, f) => a * Number(f.trim().replace(/_/g, '')), 1);
}

/** The paths platform/http/health.ts serves. */
export function healthPaths(): string[] {
  return [...read('platform', 'http', 'health.ts').matchAll(/router\.get\(\s*'([^']+)'/g)].map(
    (m) => group(m, 1),
  );
}

/** Migration folders the code applies (`dir: '.../migrations'` in platform/ and projectors/). */
export function migrationDirs(): string[] {
  const dirs = new Set<string>();
  for (const file of [...sourceFiles('platform'), ...sourceFiles('projectors')]) {
    for (const m of read(file).matchAll(/\bdir:\s*'([^']*migrations)'/g)) dirs.add(group(m, 1));
  }
  return [...dirs].sort();
}

export interface AppRoute {
  /** The role that serves it: the routes of contracts/http/<context>.ts are `<context>-app`'s. */
  app: string;
  method: string;
  /** The full path, with the `/api/v1` prefix platform/http/server.ts mounts the routers under. */
  path: string;
}

/** The prefix platform/http/server.ts mounts the routers under. */
function routerPrefix(): string {
  const m = /new Router\(\{\s*prefix:\s*'([^']+)'/.exec(read('platform', 'http', 'server.ts'));
  if (!m) throw new Error('no router prefix in platform/http/server.ts');
  return group(m, 1);
}

/**
 * Every route the apps serve: the route table of each app's context (`method: 'get', path:
 * '/path'` in contracts/http/<context>.ts), which apps/<context>/routes.ts builds its router from.
 */
export function appRoutes(): AppRoute[] {
  const prefix = routerPrefix();
  return readdirSync(repoFile('apps'), { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(repoFile('contracts', 'http', `${e.name}.ts`)))
    .flatMap((e) =>
      [
        ...read('contracts', 'http', `${e.name}.ts`).matchAll(
          /\bmethod:\s*'(get|post|put|patch|delete)',\s*path:\s*'([^']+)'/g,
        ),
      ].map((m) => ({
        app: `${e.name}-app`,
        method: group(m, 1).toUpperCase(),
        path: `${prefix}${group(m, 2)}`,
      })),
    );
}

/** The routes every app serves besides its own (platform/http/commands.ts: `/commands/:id`). */
export function sharedRoutes(): string[] {
  const prefix = routerPrefix();
  // Command outcomes, the API document and its reference page: every app serves them.
  return ['commands.ts', 'docs.ts'].flatMap((file) =>
    [
      ...read('platform', 'http', file).matchAll(
        /\brouter\.(?:get|post|put|patch|delete)\(\s*'([^']+)'/g,
      ),
    ].map((m) => `${prefix}${group(m, 1)}`),
  );
}

/** The prebuilt workflow bundle: where scripts/bundleWorkflows.ts writes it and workflowSource() reads it. */
export function workflowBundle(): { written: string; read: string } {
  const at = (text: string) => {
    const m = /repoPath\(\s*'dist',\s*'([^']+\.js)'\s*\)/.exec(text);
    return m ? `dist/${group(m, 1)}` : '';
  };
  return {
    written: at(read('scripts', 'bundleWorkflows.ts')),
    read: at(read('platform', 'runtime', 'temporalRoles.ts')),
  };
}

/** The Temporal worker's shutdownGraceTime (platform/runtime/temporalRoles.ts), in ms. */
export function workerShutdownGraceMs(): number {
  const text = read('platform', 'runtime', 'temporalRoles.ts');
  const m =
    /shutdownGraceTime:\s*(?:'(\d+)\s*(ms|milliseconds?|s|seconds?|m|minutes?)'|([\d_]+))/.exec(
      text,
    );
  if (!m) throw new Error('no shutdownGraceTime in platform/runtime/temporalRoles.ts');
  if (m[3]) return Number(m[3].replace(/_/g, ''));
  const unit = group(m, 2);
  const ms =
    unit.startsWith('ms') || unit.startsWith('milli') ? 1 : unit.startsWith('m') ? 60_000 : 1000;
  return Number(m[1]) * ms;
}
