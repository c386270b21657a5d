import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { Client } from 'pg';
import { freePort } from '../../test/support/ports';
import { repoPath } from '../paths';
import { explainConnectionError, withDefaultUser } from './connectionHelp';

jest.setTimeout(60_000);

const run = promisify(execFile);
const ADMIN_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/devpie_test';

const refusal = async (url: string) => {
  const client = new Client({ connectionString: url, connectionTimeoutMillis: 5000 });
  return client.connect().then(
    async () => {
      await client.end();
      throw new Error(`${url} accepted the connection`);
    },
    (err: unknown) => err,
  );
};

describe('a real PostgreSQL that refuses', () => {
  it('names a database that does not exist, and how to fix it', async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = '/devpie_missing_db';
    const line = explainConnectionError(await refusal(url.href), url.href);
    expect(line).toMatch(
      /^PostgreSQL: database "devpie_missing_db" does not exist \(DATABASE_URL=/,
    );
    expect(line).toContain('createdb devpie_missing_db');
  });

  it('names a port where nothing listens', async () => {
    const url = `postgres://postgres@127.0.0.1:${await freePort()}/devpie`;
    expect(explainConnectionError(await refusal(url), url)).toMatch(
      /^PostgreSQL: nothing accepts connections at 127\.0\.0\.1:\d+ .*start PostgreSQL there/,
    );
  });

  it('is one line on stderr when the backend starts against it', async () => {
    const url = new URL(ADMIN_URL);
    url.pathname = '/devpie_missing_db';
    const failed = await run(process.execPath, [repoPath('dist', 'main.js'), 'migrate'], {
      env: { ...process.env, DATABASE_URL: url.href, LOG_LEVEL: 'silent' },
    }).then(
      () => null,
      (err: unknown) => err as { code: number; stderr: string },
    );
    expect(failed?.code).toBe(1);
    expect(failed?.stderr.trim().split('\n')).toEqual([
      expect.stringMatching(/^PostgreSQL: database "devpie_missing_db" does not exist/),
    ]);
  });

  it('takes a URL without a user when neither PGUSER nor USER is set', async () => {
    const url = new URL(ADMIN_URL);
    url.username = '';
    const noUser = { ...process.env, PGUSER: undefined, USER: undefined };
    const client = new Client({ connectionString: withDefaultUser(url.href, noUser) });
    await client.connect();
    try {
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      expect(rows[0]?.user).toBe('postgres');
    } finally {
      await client.end();
    }
  });
});
