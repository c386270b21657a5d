import { execFile, execFileSync } from 'node:child_process';
import { chownSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from './ports';

const run = promisify(execFile);

/** Where Debian (and this machine's /usr/local/bin links) keep the server's programs. */
export function postgresBinary(name: 'initdb' | 'pg_ctl'): string | null {
  const versions = existsSync('/usr/lib/postgresql')
    ? readdirSync('/usr/lib/postgresql').sort((a, b) => Number(b) - Number(a))
    : [];
  const candidates = [
    `/usr/local/bin/${name}`,
    ...versions.map((v) => `/usr/lib/postgresql/${v}/bin/${name}`),
    `/usr/bin/${name}`,
  ];
  return candidates.find((c) => existsSync(c)) ?? null;
}

/**
 * A PostgreSQL server of a test's own (initdb and pg_ctl, on a free port, its data in a temporary
 * folder), never the shared one: a fault test may stop and start it under load.
 */
export interface PrivatePostgres {
  port: number;
  /** The `postgres` database, as the admin connection of a test system. */
  url: string;
  dataDir: string;
  /** pg_ctl stop: `fast` ends every session at once and shuts down cleanly. */
  stop(mode?: 'fast' | 'immediate'): Promise<void>;
  /** Starts it again on the same data, and waits until it takes connections. */
  start(): Promise<void>;
  /** Stops it and removes its data. */
  remove(): Promise<void>;
  /** The server's log. */
  output(): string;
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const initdb = postgresBinary('initdb');
  const pgCtl = postgresBinary('pg_ctl');
  if (!initdb || !pgCtl)
    throw new Error(
      'initdb or pg_ctl not found (looked in /usr/local/bin, /usr/lib/postgresql/*/bin, /usr/bin): install the PostgreSQL server (Debian: apt-get install postgresql)',
    );
  const root = mkdtempSync(join(tmpdir(), 'devpie-pg-'));
  const dataDir = join(root, 'data');
  const logFile = join(root, 'server.log');
  // The server refuses to run as root: as root, it runs as the postgres user, who owns the folder.
  const asRoot = process.getuid?.() === 0;
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres']).toString());
    const gid = Number(execFileSync('id', ['-g', 'postgres']).toString());
    chownSync(root, uid, gid);
  }
  const as = (bin: string, args: string[]) =>
    asRoot ? run('runuser', ['-u', 'postgres', '--', bin, ...args]) : run(bin, args);
  const port = await freePort();
  await as(initdb, [
    ...['-D', dataDir, '-U', 'postgres', '-A', 'trust', '-E', 'UTF8', '--locale=C'],
    '--no-sync',
  ]);
  // Loopback only, its socket in its own folder; durability traded for speed (a test's data).
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-k ${root}`,
    '-c fsync=off',
    '-c full_page_writes=off',
  ].join(' ');
  const server: PrivatePostgres = {
    port,
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dataDir,
    output: () => (existsSync(logFile) ? readFileSync(logFile, 'utf8') : ''),
    async start() {
      await as(pgCtl, ['-D', dataDir, '-l', logFile, '-o', options, '-w', '-t', '60', 'start']);
    },
    async stop(mode = 'fast') {
      await as(pgCtl, ['-D', dataDir, '-m', mode, '-w', '-t', '60', 'stop']);
    },
    async remove() {
      await server.stop('immediate').catch(() => undefined);
      rmSync(root, { recursive: true, force: true });
    },
  };
  try {
    await server.start();
  } catch (err) {
    await server.remove();
    throw err;
  }
  return server;
}
