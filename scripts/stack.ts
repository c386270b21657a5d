/**
 * What scripts/dev-stack.sh asks of Node (it runs before the build, through @swc-node/register):
 *
 *   temporal <namespace>...        makes the namespaces and their search attributes exist
 *   postgres <url>                 makes the URL's database exist; exits 3 when nothing listens
 *   embedded-postgres <dir> <port> runs the embedded PostgreSQL in the foreground until a signal
 *   jetstream <url>                whether a NATS server with JetStream answers there ($JS.API.INFO):
 *                                  exits 3 when nothing listens, 4 when it runs without JetStream
 */
import { Client } from 'pg';
import { jetstreamManager } from '@nats-io/jetstream';
import {
  explainConnectionError,
  redactUrl,
  withDefaultUser,
} from '../platform/postgres/connectionHelp';
import { connectNats } from '../platform/eventlog/jetstreamConnection';
import { startEmbeddedPostgres } from '../platform/postgres/embedded';
import { connectTemporal } from '../platform/temporal/connection';
import { ensureNamespaces } from '../platform/temporal/namespaces';
import { SEARCH_ATTRIBUTES } from '../workflows/searchAttributes';

const say = (line: string) => process.stderr.write(`[dev-stack] ${line}\n`);

/** Exit code for "nothing listens there": the caller may start the embedded server and retry. */
const NOTHING_LISTENS = 3;

async function temporal(namespaces: string[]): Promise<void> {
  const address = process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233';
  const { connection } = await connectTemporal(
    { address, namespace: 'default', taskQueue: 'none' },
    60_000,
  );
  try {
    for (const r of await ensureNamespaces(connection, namespaces, SEARCH_ATTRIBUTES)) {
      if (r.created) say(`Temporal: created namespace ${r.namespace}`);
      if (r.addedSearchAttributes.length > 0)
        say(`Temporal: ${r.namespace} search attributes ${r.addedSearchAttributes.join(', ')}`);
    }
  } finally {
    await connection.close();
  }
}

async function postgres(givenUrl: string, setting: string): Promise<number> {
  const url = withDefaultUser(givenUrl);
  const target = new URL(url);
  const database = decodeURIComponent(target.pathname.slice(1));
  target.pathname = '/postgres';
  const admin = new Client({ connectionString: target.href, connectionTimeoutMillis: 10_000 });
  try {
    await admin.connect();
  } catch (err) {
    await admin.end().catch(() => undefined);
    if ((err as { code?: unknown }).code === 'ECONNREFUSED') return NOTHING_LISTENS;
    say(explainConnectionError(err, url, setting) ?? String(err));
    return 1;
  }
  try {
    const { rowCount } = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [
      database,
    ]);
    if (rowCount === 0) {
      await admin.query(`CREATE DATABASE ${admin.escapeIdentifier(database)}`);
      say(`created database ${database} (${redactUrl(url)})`);
    }
  } catch (err) {
    // Another start made it meanwhile (42P04), or the user may not create databases.
    if ((err as { code?: unknown }).code !== '42P04') {
      say(explainConnectionError(err, url, setting) ?? `PostgreSQL: ${String(err)}`);
      return 1;
    }
  } finally {
    await admin.end();
  }
  return 0;
}

/** Exit code for "a NATS server, but without JetStream". */
const NO_JETSTREAM = 4;

async function jetstream(url: string): Promise<number> {
  let nc: Awaited<ReturnType<typeof connectNats>>;
  try {
    nc = await connectNats({ servers: url, timeout: 2000, maxReconnectAttempts: 0 });
  } catch {
    return NOTHING_LISTENS;
  }
  try {
    const info = await (await jetstreamManager(nc, { timeout: 2000 })).getAccountInfo();
    say(`JetStream answers on ${url} (${String(info.streams)} streams)`);
    return 0;
  } catch (err) {
    say(`${url} runs NATS without JetStream (${err instanceof Error ? err.message : String(err)})`);
    return NO_JETSTREAM;
  } finally {
    await nc.close();
  }
}

async function embedded(dataDir: string, port: number): Promise<void> {
  const server = await startEmbeddedPostgres({
    dataDir,
    port,
    log: (line) => process.stdout.write(`${line}\n`),
  });
  process.stdout.write(`embedded PostgreSQL ready on ${server.url} (data ${dataDir})\n`);
  // embedded-postgres stops its servers when the process is told to end (async-exit-hook).
  await new Promise<never>(() => undefined);
}

async function main([command, ...args]: string[]): Promise<number> {
  if (command === 'temporal' && args.length > 0) {
    await temporal(args);
    return 0;
  }
  if (command === 'postgres' && args[0]) return postgres(args[0], args[1] ?? 'DATABASE_URL');
  if (command === 'embedded-postgres' && args[0] && args[1]) {
    await embedded(args[0], Number(args[1]));
    return 0;
  }
  if (command === 'jetstream' && args[0]) return jetstream(args[0]);
  process.stderr.write(
    'usage: stack.ts temporal <namespace>... | postgres <url> [setting] | embedded-postgres <dir> <port> | jetstream <url>\n',
  );
  return 2;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    say(err instanceof Error ? err.message : String(err));
    process.exit(1);
  },
);
