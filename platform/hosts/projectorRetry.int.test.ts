import type { StanEventLog } from '../eventlog/stanEventLog';
import type { NewEvent } from '../eventlog/port';
import { PostgresLeases } from '../postgres/lease';
import { createPool } from '../postgres/pool';
import { newId } from '../ids';
import { ProjectorHost } from './projectorHost';
import { identityProjection } from '../../projectors/identity';
import { startTcpProxy } from '../../test/support/tcpProxy';
import {
  eventually,
  testDatabase,
  testStanLog,
  testPrefix,
  uniq,
  type TestDatabase,
} from '../../test/support/env';

jest.setTimeout(60_000);

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

let db: TestDatabase;
let log: StanEventLog;
beforeAll(async () => {
  db = await testDatabase();
  log = await testStanLog(db, testPrefix(), 'retry');
});
afterAll(async () => {
  await log.close();
  await db.drop();
});

const userAdded = (): NewEvent => {
  const id = newId();
  const command = newId();
  return {
    id: newId(),
    type: 'UserAdded',
    data: {
      id,
      auth0Id: `auth0|${id}`,
      email: `${uniq()}@example.com`,
      emailVerified: false,
      firstName: 'R',
      lastName: 'S',
      picture: '',
      locale: '',
    },
    metadata: {
      traceId: 't',
      correlationId: command,
      causationId: command,
      userId: 'auth0|r',
      timestamp: new Date().toISOString(),
    },
  };
};

const count = async (sql: string) =>
  (await db.pool.query<{ n: number }>(sql)).rows[0]?.n ?? Number.NaN;

/** Appends `n` users, a few at a time, and resolves with the channel's last position. */
async function appendUsers(n: number, paceMs: number): Promise<number> {
  const writer = await log.openWriter('user', () => undefined);
  for (let i = 0; i < n; i += 10) {
    await Promise.all(
      Array.from({ length: Math.min(10, n - i) }, () =>
        writer.append(`user-${newId()}`, [userAdded()], 0),
      ),
    );
    await sleep(paceMs);
  }
  await writer.close();
  let end = 0;
  await log.read('user', 'event', 1, (d) => (end = d.position));
  return end;
}

/**
 * Issue 11: a projector's batch that meets a cut connection is tried again on a new one, as it
 * is; the role does not restart and nothing is applied twice or skipped.
 */
describe('a projector whose Postgres connections are cut', () => {
  it('retries its batches on new connections while its sessions are killed, applying each event once', async () => {
    const pool = createPool(`${db.url}?application_name=projector-under-fire`, 2);
    const fatal: Error[] = [];
    const host = new ProjectorHost(log, pool, new PostgresLeases(db.url, 50), identityProjection, {
      batchSize: 10,
      onFatal: (err) => fatal.push(err),
    });
    await host.start();
    let writing = true;
    let kills = 0;
    const killing = (async () => {
      while (writing || (host.stats.retries === 0 && kills < 500)) {
        const { rowCount } = await db.pool.query(
          `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
            WHERE datname = current_database() AND application_name = 'projector-under-fire'`,
        );
        kills += rowCount ?? 0;
        await sleep(20 + Math.random() * 40);
      }
    })();
    const before = await count('SELECT count(*)::int AS n FROM identity.users');
    const end = await appendUsers(300, 30);
    writing = false;
    await killing;
    await host.waitFor(end);
    expect(fatal).toEqual([]);
    expect((await count('SELECT count(*)::int AS n FROM identity.users')) - before).toBe(300);
    expect(await count('SELECT count(*)::int AS n FROM identity.processed_events')).toBe(
      before + 300,
    );
    expect(
      await count(
        `SELECT count(*)::int AS n FROM platform.command_outcomes WHERE status = 'accepted'`,
      ),
    ).toBe(before + 300);
    process.stdout.write(
      `projector under fire: ${kills} sessions killed, ${host.stats.retries} batch retries, ${host.stats.batches} batches\n`,
    );
    expect(host.stats.retries).toBeGreaterThan(0);
    await host.stop();
    await pool.end();
  });

  it('says it is not ready while Postgres is away, and catches up when it is back', async () => {
    const port = Number(new URL(db.url).port || 5432);
    const proxy = await startTcpProxy(port, 'postgres');
    const behind = new URL(db.url);
    behind.port = String(proxy.port);
    const pool = createPool(behind.href, 2);
    const fatal: Error[] = [];
    // The lease's own connection goes direct: only the views' connections are cut here.
    const host = new ProjectorHost(log, pool, new PostgresLeases(db.url, 50), identityProjection, {
      onFatal: (err) => fatal.push(err),
    });
    await host.start();
    try {
      const before = await count('SELECT count(*)::int AS n FROM identity.users');
      await proxy.cut();
      const end = await appendUsers(20, 0);
      const detail = await eventually(
        async () => {
          const r = host.readiness;
          return r === true ? null : r.detail;
        },
        10_000,
        'the projector to say it cannot commit',
      );
      expect(detail).toMatch(/retrying a batch/);
      await sleep(2_000);
      await proxy.restore();
      await host.waitFor(end);
      expect(host.readiness).toBe(true);
      expect(fatal).toEqual([]);
      expect((await count('SELECT count(*)::int AS n FROM identity.users')) - before).toBe(20);
    } finally {
      await host.stop();
      await pool.end();
      await proxy.close();
    }
  });
});
