import { randomBytes } from 'node:crypto';
import { Client, Pool } from 'pg';
import { eventLogKind, type EventLogKind } from '../../platform/config';
import type { LogSession } from '../../platform/eventlog/port';
import { explainConnectionError, withDefaultUser } from '../../platform/postgres/connectionHelp';
import { migrate } from '../../platform/postgres/migrate';
import { MIGRATIONS } from '../../projectors/migrations';

/** Servers that scripts/test.sh provisioned: a test cluster, never the developer's data. */
export const TEST_STAN = {
  url: process.env.STAN_URL ?? 'nats://127.0.0.1:4225',
  clusterId: process.env.STAN_CLUSTER_ID ?? 'devpie-test',
};
/** The test NATS Streaming server's monitoring endpoint (scripts/dev-stack.sh starts it on 8225). */
export const TEST_STAN_MONITOR = process.env.STAN_MONITOR_URL ?? 'http://127.0.0.1:8225';
/** The JetStream server scripts/dev-stack.sh chose (the machine's, or one of its own). */
export const TEST_NATS = { url: process.env.NATS_URL ?? 'nats://127.0.0.1:4222' };

/**
 * The log this run puts the roles on, and reads behind them: EVENT_LOG as the roles take it
 * (NATS Streaming unless told otherwise). The JetStream pass of the end-to-end suites sets it.
 */
export const testEventLog = (): EventLogKind => eventLogKind(process.env.EVENT_LOG);

/** The log's name as a test title says it, so a failure says which log it was on. */
export const onTestLog = (title: string): string =>
  `${title} (on ${testEventLog() === 'jetstream' ? 'JetStream' : 'NATS Streaming'})`;
const ADMIN_URL = withDefaultUser(
  process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/devpie_test',
);

export const uniq = (): string => randomBytes(4).toString('hex');

/** A channel prefix of its own, so suites never see each other's messages. */
export const testPrefix = (): string => `t${uniq()}.`;

export interface TestDatabase {
  url: string;
  pool: Pool;
  drop(): Promise<void>;
}

/** A fresh, migrated database for one suite; on another server than the shared one if given. */
export async function testDatabase(adminUrl = ADMIN_URL): Promise<TestDatabase> {
  const name = `devpie_t_${uniq()}`;
  const admin = new Client({ connectionString: adminUrl });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    // A refusal here fails every suite alike: say once, plainly, what to change.
    const explained = explainConnectionError(err, adminUrl, 'TEST_DATABASE_URL');
    throw explained ? new Error(explained, { cause: err }) : err;
  }
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const dropIt = async () => {
    const c = new Client({ connectionString: adminUrl });
    await c.connect();
    try {
      await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    } finally {
      await c.end();
    }
  };
  try {
    await migrate(url.href, MIGRATIONS);
  } catch (err) {
    // The suite never gets the database to drop: a setup that fails cleans up after itself.
    await dropIt().catch(() => undefined);
    throw err;
  }
  const pool = new Pool({ connectionString: url.href, max: 5 });
  pool.on('error', () => undefined); // a forced drop at the end may cut idle clients
  return {
    url: url.href,
    pool,
    async drop() {
      await pool.end();
      await dropIt();
    },
  };
}

export async function eventually<T>(
  probe: () => Promise<T | null | undefined | false>,
  timeoutMs = 10_000,
  what = 'condition',
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await probe();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * A log connection of the test's own: its channel prefix, its database for leases, on the log
 * this run chose (opened as the roles open theirs), so what it reads is what the roles wrote.
 */
export async function testLog(
  db: { url: string },
  prefix: string,
  name = 'test',
): Promise<LogSession> {
  const { connectEventLog } = await import('../../platform/eventlog/connectEventLog');
  const { PostgresLeases } = await import('../../platform/postgres/lease');
  return connectEventLog(
    {
      eventLog: testEventLog(),
      stan: { ...TEST_STAN, channelPrefix: prefix },
      nats: { ...TEST_NATS, streamReplicas: 1 },
    },
    { name: `${prefix}${name}-${uniq()}`, leases: new PostgresLeases(db.url, 50) },
  );
}

/**
 * A NATS Streaming connection whatever the run chose, for suites that reach past the port into
 * that adapter (a raw publish of a malformed or duplicated message): they test NATS Streaming.
 */
export async function testStanLog(
  db: { url: string },
  prefix: string,
  name = 'test',
): Promise<import('../../platform/eventlog/stanEventLog').StanEventLog> {
  const { StanEventLog } = await import('../../platform/eventlog/stanEventLog');
  const { PostgresLeases } = await import('../../platform/postgres/lease');
  return StanEventLog.connect({
    ...TEST_STAN,
    clientId: `${name}-${uniq()}`,
    prefix,
    leases: new PostgresLeases(db.url, 50),
  });
}
