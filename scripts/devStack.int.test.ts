import { execFile } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { repoPath } from '../platform/paths';
import { freePort } from '../test/support/ports';
import { TEST_NATS, TEST_STAN } from '../test/support/env';

jest.setTimeout(300_000);

const run = promisify(execFile);
let root = '';
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'devpie-stack-'));
  // Run as root, the embedded server runs as the postgres user, who must reach its data folder.
  chmodSync(root, 0o755);
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

/** dev-stack.sh with its caches, links and data in a temporary folder, never the shared ones. */
const devStack = (command: string, env: Record<string, string> = {}) =>
  run('bash', [repoPath('scripts', 'dev-stack.sh'), ...command.split(' ')], {
    env: {
      ...process.env,
      DEVPIE_TOOLS_CACHE: join(root, 'cache'),
      DEVPIE_TOOLS_DIR: join(root, 'tools'),
      DEVPIE_DATA_DIR: join(root, 'data'),
      DEVPIE_GO: repoPath('scripts', 'fixtures', 'fake-go.sh'),
      ...env,
    },
  }).then(
    ({ stderr }) => ({ code: 0, stderr }),
    (err: unknown) => ({
      code: (err as { code: number }).code,
      stderr: (err as { stderr: string }).stderr,
    }),
  );

describe('the first build of the Go servers', () => {
  it('shows occasional plain lines off a terminal, and keeps the whole output in a log', async () => {
    const { code, stderr } = await devStack('tools', {
      DEVPIE_PROGRESS: 'plain',
      DEVPIE_PROGRESS_EVERY: '1',
    });
    expect(code).toBe(0);
    expect(stderr).not.toContain('go: downloading');
    // Each tool: "building", a progress line or two, "built".
    const lines = stderr.trim().split('\n');
    expect(lines.length).toBeLessThanOrEqual(20);
    expect(stderr).toMatch(
      /building nats-streaming-server 0\.25\.6: \d+s, step \d+: compiling example\.com\/mod7\/inner/,
    );
    const log = join(root, 'data', 'build-nats-streaming-server-0.25.6.log');
    expect(readFileSync(log, 'utf8').match(/go: downloading/g)).toHaveLength(40);
    expect(existsSync(join(root, 'tools', 'kustomize'))).toBe(true);
  });

  it('updates one line in place on a terminal', async () => {
    const { code, stderr } = await devStack('tools', { DEVPIE_PROGRESS: 'tty' });
    expect(code).toBe(0);
    const updates = stderr.split('\r\x1b[K').filter((s) => s.includes('step'));
    expect(updates.length).toBeGreaterThan(40);
    // The elapsed time moves while a step runs (the pause in the fake build).
    expect(stderr).toMatch(/: 1s, step \d+/);
    // Between the updates nothing scrolls: the only new lines are the messages before and after.
    expect(stderr.split('\n').filter((l) => l.includes('go: downloading'))).toHaveLength(0);
  });

  it('names its log when it fails', async () => {
    const { code, stderr } = await devStack('tools', {
      DEVPIE_PROGRESS: 'plain',
      FAKE_GO_FAIL: '1',
    });
    expect(code).toBe(1);
    const log = join(root, 'data', 'build-nats-streaming-server-0.25.6.log');
    expect(stderr).toContain(`failed after`);
    expect(stderr).toContain(`the full log: ${log}`);
    expect(stderr).toContain('compile: something broke');
    expect(readFileSync(log, 'utf8')).toContain('compile: something broke');
  });
});

describe('a machine where no PostgreSQL answers', () => {
  it('gets the embedded one, kept in the data folder and stopped with the stack', async () => {
    const port = await freePort();
    const env = { DEVPIE_PG_PORT: String(port), DATABASE_URL: '' };
    try {
      const up = await devStack('postgres', env);
      expect(up.stderr).toContain(`starting the embedded one (data ${join(root, 'data', 'pg')}`);
      expect(up.code).toBe(0);
      const client = new Client({
        connectionString: `postgres://postgres@127.0.0.1:${port}/devpie`,
      });
      await client.connect();
      await client.end();
      // Run again, it finds the server running and starts nothing.
      const again = await devStack('postgres', env);
      expect(again.code).toBe(0);
      expect(again.stderr).not.toContain('embedded');
    } finally {
      const down = await devStack('down', env);
      expect(down.stderr).toContain('stopped postgres');
    }
  });

  it('with DATABASE_URL set, says in one line what is wrong rather than start one', async () => {
    const port = await freePort();
    const { code, stderr } = await devStack('postgres', {
      DATABASE_URL: `postgres://postgres@127.0.0.1:${port}/devpie`,
    });
    expect(code).toBe(1);
    expect(stderr.trim().split('\n')).toEqual([
      `[dev-stack] PostgreSQL: nothing accepts connections for DATABASE_URL=postgres://postgres@127.0.0.1:${port}/devpie; start PostgreSQL there, or set DATABASE_URL to a server that runs`,
    ]);
  });
});

describe('JetStream for the second event log', () => {
  const urlFile = () => readFileSync(join(root, 'data', 'nats-url-test'), 'utf8').trim();

  it('uses the server that answers with JetStream, and says where for the tests', async () => {
    const { code, stderr } = await devStack('jetstream test', {
      DEVPIE_JETSTREAM_PROBE: TEST_NATS.url,
      NATS_URL: '',
    });
    expect(code).toBe(0);
    expect(stderr).toContain(`JetStream: the server on ${TEST_NATS.url}`);
    expect(urlFile()).toBe(TEST_NATS.url);
  });

  // A real server stands in for the one `go install` builds (the build itself is tested above).
  const natsServer = ['/usr/sbin/nats-server', '/usr/bin/nats-server'].find((p) => existsSync(p));
  (natsServer ? it : it.skip)(
    'starts its own on its own port, with a file store in .data, where NATS runs without JetStream',
    async () => {
      const port = await freePort();
      const cache = join(root, 'cache');
      await run('mkdir', ['-p', cache]);
      await run('ln', ['-s', natsServer!, join(cache, 'nats-server-2.14.10')]);
      // NATS Streaming's own NATS server answers, but has no JetStream.
      const env = { DEVPIE_JETSTREAM_PROBE: TEST_STAN.url, DEVPIE_JETSTREAM_PORT: String(port) };
      try {
        const up = await devStack('jetstream test', { ...env, NATS_URL: '' });
        expect(up.code).toBe(0);
        const url = `nats://127.0.0.1:${port}`;
        expect(up.stderr).toContain(
          `JetStream on ${url} (store ${join(root, 'data', 'jetstream-test')})`,
        );
        expect(urlFile()).toBe(url);
        // It answers as JetStream, and a second run finds it rather than start another.
        const again = await devStack('jetstream test', { ...env, NATS_URL: '' });
        expect(again.code).toBe(0);
        expect(again.stderr).toContain(`JetStream already on :${port}`);
        expect(existsSync(join(root, 'data', 'jetstream-test', 'jetstream'))).toBe(true);
      } finally {
        const down = await devStack('down', env);
        expect(down.stderr).toContain(`stopped nats-${port}`);
      }
    },
  );
});
