import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { paths } from '../../contracts/openapi';
import { assertConforms } from './conformance';
import { startRoles, type RoleProcess } from './processes';
import { startTestIssuer, type TestIssuer } from './jwks';
import type { EventLogKind } from '../../platform/config';
import { streamName } from '../../platform/eventlog/jetstreamNames';
import {
  TEST_NATS,
  testDatabase,
  testEventLog,
  testLog,
  testPrefix,
  type TestDatabase,
} from './env';
import { deleteJetStreams, jetStreamEntries } from './jetstream';

/** The whole backend as separate role processes (or one `all`), on its own database and channels. */
/** The roles an approval goes through, but the worker: run apart, it can be killed on its own. */
export const EVERYTHING_BUT_THE_WORKER = [
  'identity-projector',
  'identity-component',
  'identity-app',
  'projects-projector',
  'projects-component',
  'projects-app',
  'estimation-projector',
  'estimation-component',
  'estimation-app',
  'payments-projector',
  'payments-component',
  'payments-app',
  'dispatcher',
];

export interface TestSystem {
  db: TestDatabase;
  issuer: TestIssuer;
  prefix: string;
  /** The log its roles run on (EVENT_LOG of the run). */
  eventLog: EventLogKind;
  env: Record<string, string>;
  processes: RoleProcess[];
  start(roles: string[], extraEnv?: Record<string, string>): Promise<RoleProcess>;
  /** Every answer is held to the OpenAPI document: one that drifts from it throws. */
  api(port?: number): Api;
  /** The typed client the frontend can use (openapi-fetch over contracts/openapi.d.ts), held to the document too. */
  client(token: string, port?: number): ApiClient;
  stop(): Promise<void>;
}

export type ApiClient = Client<paths>;

/** Holds every answer the typed client gets to the OpenAPI document. */
const conforming: Middleware = {
  async onResponse({ request, response }) {
    const text = await response.clone().text();
    let body: unknown = text;
    try {
      body = JSON.parse(text);
    } catch {
      /* judged as text */
    }
    assertConforms({
      method: request.method,
      path: new URL(request.url).pathname,
      status: response.status,
      headers: response.headers,
      body,
    });
    return undefined;
  },
};

export interface Api {
  call(
    method: string,
    path: string,
    opts?: { token?: string; body?: unknown; raw?: string; headers?: Record<string, string> },
  ): Promise<{ status: number; statusText: string; headers: Headers; body: any }>;
}

/** A test system running every role in one process (as `npm start` does), ready to be called. */
export async function startWholeSystem(
  extraEnv: Record<string, string> = {},
  readyMs = 60_000,
): Promise<TestSystem> {
  const sys = await startTestSystem();
  try {
    await (await sys.start(['all'], extraEnv)).waitReady(readyMs);
  } catch (err) {
    // The suite never gets the system to stop: without this its issuer keeps Jest from exiting.
    await sys.stop();
    throw err;
  }
  return sys;
}

/** `adminUrl`: the Postgres server to make its database on, when not the shared test server. */
export async function startTestSystem(options: { adminUrl?: string } = {}): Promise<TestSystem> {
  const db = await testDatabase(options.adminUrl);
  let issuer: TestIssuer;
  try {
    issuer = await startTestIssuer();
  } catch (err) {
    // The suite never gets a system to stop: what this made so far is closed here.
    await db.drop().catch(() => undefined);
    throw err;
  }
  const prefix = testPrefix();
  const eventLog = testEventLog();
  const env = {
    DATABASE_URL: db.url,
    EVENT_LOG: eventLog,
    NATS_URL: TEST_NATS.url,
    STAN_CHANNEL_PREFIX: prefix,
    AUTH_ISSUER: issuer.issuer,
    AUTH_AUDIENCE: issuer.audience,
    AUTH_JWKS_URI: issuer.jwksUri,
    WRITE_WAIT_MS: '8000',
    // Suites share the Temporal namespace: a task queue of their own keeps one suite's workflows
    // off another suite's worker (which would run them against its own database and log).
    TEMPORAL_TASK_QUEUE: `devpie-${prefix.replace(/\W/g, '')}`,
  };
  const processes: RoleProcess[] = [];
  const portOf = (port?: number) => port ?? processes.find((p) => p.child.exitCode === null)?.port;
  const system: TestSystem = {
    db,
    issuer,
    prefix,
    eventLog,
    env,
    processes,
    async start(roles, extraEnv = {}) {
      const p = await startRoles(roles, { ...env, ...extraEnv });
      processes.push(p);
      return p;
    },
    api(port) {
      const target = portOf(port);
      return {
        async call(method, path, opts = {}) {
          const headers: Record<string, string> = { Accept: 'application/json', ...opts.headers };
          if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
          let body: string | undefined = opts.raw;
          if (opts.body !== undefined) {
            body = JSON.stringify(opts.body);
            headers['Content-Type'] ??= 'application/json';
          }
          const res = await fetch(`http://127.0.0.1:${target}/api/v1${path}`, {
            method,
            headers,
            body,
          });
          const text = await res.text();
          let parsed: unknown = text;
          try {
            parsed = JSON.parse(text);
          } catch {
            /* left as text: the test will say so */
          }
          assertConforms({
            method,
            path: `/api/v1${path}`,
            status: res.status,
            headers: res.headers,
            body: parsed,
          });
          return {
            status: res.status,
            statusText: res.statusText,
            headers: res.headers,
            body: parsed,
          };
        },
      };
    },
    client(token, port) {
      const client = createClient<paths>({
        baseUrl: `http://127.0.0.1:${portOf(port)}/api/v1`,
        headers: { Authorization: `Bearer ${token}` },
      });
      client.use(conforming);
      return client;
    },
    async stop() {
      // Each part is closed even when another fails to, so none is left to hold Jest open.
      const results = await Promise.allSettled([
        ...processes.map((p) => p.kill('SIGTERM')),
        issuer.close(),
      ]);
      // JetStream keeps what it stores until told: the streams under the prefix go once no role
      // is left to make them again.
      results.push(
        ...(await Promise.allSettled([
          db.drop(),
          ...(eventLog === 'jetstream' ? [deleteJetStreams(prefix)] : []),
        ])),
      );
      const failed = results.find((r) => r.status === 'rejected');
      if (failed) throw failed.reason;
    },
  };
  return system;
}

/**
 * Entries other than fences in a category's events, where this run's log keeps them: on JetStream
 * asked of the server itself (its stream under the system's prefix), on NATS Streaming read from
 * its channel. None means the roles wrote elsewhere, as they would if they fell back to another log.
 */
export async function eventsInChosenLog(sys: TestSystem, category: string): Promise<number> {
  if (process.env.COMPONENT_WRITERS === 'shared') {
    // Lease-free components take no writer lease: one taken means the roles did not run so.
    const { rows } = await sys.db.pool.query<{ name: string }>(
      'SELECT name FROM platform.leases WHERE name = $1',
      [`writer:${sys.prefix}${category}`],
    );
    if (rows.length > 0) throw new Error(`the ${category} component took a writer lease`);
  }
  if (sys.eventLog === 'jetstream')
    return (await jetStreamEntries(sys.prefix))[streamName(sys.prefix, category, 'event')] ?? 0;
  const log = await testLog(sys.db, sys.prefix, 'written');
  try {
    let entries = 0;
    await log.read(category, 'event', 1, (d) => {
      if (!(JSON.parse(d.body) as { fence?: unknown }).fence) entries++;
    });
    return entries;
  } finally {
    await log.close();
  }
}

export const profile = (sub: string, email = `${sub.replace(/\W/g, '')}@example.com`) => ({
  auth0Id: sub,
  email,
  emailVerified: true,
  firstName: 'Test',
  lastName: 'User',
  picture: 'https://example.com/p.png',
  locale: 'en',
});
