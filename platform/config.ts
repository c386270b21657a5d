import { hostname } from 'node:os';
import { repoPath } from './paths';
import { withDefaultUser } from './postgres/connectionHelp';
import { stripeSettings, type StripeSettings } from './payments/settings';

/** Every setting the backend reads, with its default. README lists the same table. */
export interface Config {
  port: number;
  databaseUrl: string;
  /**
   * Which log holds the events: NATS Streaming (the default) or JetStream. The channel prefix
   * (STAN_CHANNEL_PREFIX) applies to either: JetStream's subjects and streams begin with it.
   */
  eventLog: EventLogKind;
  /** `url`: one server, or every node of a clustered log, comma-separated (the first is tried first). */
  stan: { url: string; clusterId: string; channelPrefix: string };
  /**
   * The JetStream server (EVENT_LOG=jetstream), or a cluster's nodes, comma-separated; and how
   * many of them keep each stream the adapter creates (1 on one server, 3 on a 3-node cluster, so
   * that losing a node loses no stream's leader for long). A stream found keeps its own setting.
   */
  nats: { url: string; streamReplicas: number };
  temporal: {
    address: string;
    namespace: string;
    uiUrl: string;
    taskQueue: string;
    /** `host:port` where the SDK's core serves its metrics (roles that talk to Temporal); '' for off. */
    metricsAddress: string;
  };
  processes: {
    estimateReminderBeforeMs: number;
    invoiceDueInMs: number;
    invoiceReminderEveryMs: number;
  };
  auth: {
    issuer: string;
    audience: string;
    jwksUri: string;
    /** Least time between two fetches of the JWKS for key ids it did not have. */
    jwksRefetchMs: number;
    devMode: boolean;
    devKeyFile: string;
  };
  writeWaitMs: number;
  bodyLimitBytes: number;
  corsOrigin: string;
  instanceId: string;
  commandMaxInFlight: number;
  /** How long a component may hold a command before the log offers it again. */
  commandAckWaitMs: number;
  /** How much of its category a component keeps in memory, and how often it flushes snapshots. */
  component: {
    /**
     * `lease`: one writer per category, the others standing by (either log). `shared`: every
     * instance decides the category's commands at once, the log checking each outcome
     * (JetStream only).
     */
    writers: ComponentWriters;
    cacheStreams: number;
    handledWindow: number;
    snapshotEveryMs: number;
    snapshotEveryStreams: number;
  };
  projectorBatchSize: number;
  /** The dispatcher's share-out of process commands (platform/hosts/dispatcher.ts). */
  dispatcher: { window: number; total: number; perUser: number; perStream: number };
  shutdownTimeoutMs: number;
  /** How long an invitation to a team can be accepted. */
  inviteTtlMs: number;
  mail: { smtpUrl: string; from: string; appUrl: string; captureDir: string };
  /** Null when Stripe is not configured: checkout and its webhook then answer 404. */
  stripe: StripeSettings | null;
}

export const EVENT_LOGS = ['stan', 'jetstream'] as const;
export type ComponentWriters = 'lease' | 'shared';

/** COMPONENT_WRITERS as a mode: `shared` needs a log that checks appends itself. */
export const componentWriters = (v: string | undefined, log: EventLogKind): ComponentWriters => {
  const mode = (v ?? '').trim() || 'lease';
  if (mode !== 'lease' && mode !== 'shared')
    throw new Error(`COMPONENT_WRITERS must be "lease" or "shared", got "${v ?? ''}"`);
  if (mode === 'shared' && log !== 'jetstream')
    throw new Error('COMPONENT_WRITERS=shared needs EVENT_LOG=jetstream');
  return mode;
};
export type EventLogKind = (typeof EVENT_LOGS)[number];

/** EVENT_LOG's value as a log's name: empty or unset is NATS Streaming. */
export const eventLogKind = (v: string | undefined): EventLogKind => {
  const kind = (v ?? '').trim().toLowerCase() || 'stan';
  const known = EVENT_LOGS.find((k) => k === kind);
  if (!known) throw new Error(`EVENT_LOG must be "stan" or "jetstream", got "${v ?? ''}"`);
  return known;
};

/** Also where `npm start` runs an embedded PostgreSQL when no server answers here. */
export const DEFAULT_DATABASE_URL = 'postgres://postgres@127.0.0.1:5432/devpie';

const int = (v: string | undefined, fallback: number): number => {
  if (v === undefined || v === '') return fallback;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new Error(`expected a whole number, got ${v}`);
  return n;
};

/** JetStream keeps a stream on 1 to 5 servers (an odd count: its RAFT group needs a majority). */
const streamReplicas = (v: string | undefined): number => {
  const n = int(v, 1);
  if (![1, 3, 5].includes(n))
    throw new Error(`NATS_STREAM_REPLICAS must be 1, 3 or 5, got ${String(v)}`);
  return n;
};

/** STAN_URL: a server, or a cluster's nodes separated by commas, spaces allowed around them. */
const serverList = (v: string): string => {
  const urls = v
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  if (urls.length === 0) throw new Error(`expected one or more server URLs, got "${v}"`);
  return urls.join(',');
};

export function loadConfig(env: NodeJS.ProcessEnv = process.env): Config {
  const port = int(env.PORT, 4000);
  const devMode = env.DEV_AUTH === 'true';
  const domain = env.AUTH0_DOMAIN;
  // Fixed, whatever the port: a token from `npm run dev-token` works with any local API.
  const devIssuer = 'https://dev-issuer.devpie.local/';
  const issuer = env.AUTH_ISSUER ?? (domain ? `https://${domain}/` : devMode ? devIssuer : '');
  const audience =
    env.AUTH_AUDIENCE ?? env.AUTH0_AUDIENCE ?? (devMode ? 'https://api.devpie.local' : '');
  const jwksUri = env.AUTH_JWKS_URI ?? (domain ? `https://${domain}/.well-known/jwks.json` : '');
  return {
    port,
    databaseUrl: withDefaultUser(env.DATABASE_URL ?? DEFAULT_DATABASE_URL, env),
    eventLog: eventLogKind(env.EVENT_LOG),
    stan: {
      url: serverList(env.STAN_URL ?? 'nats://127.0.0.1:4223'),
      clusterId: env.STAN_CLUSTER_ID ?? 'devpie-client',
      channelPrefix: env.STAN_CHANNEL_PREFIX ?? '',
    },
    nats: {
      url: serverList(env.NATS_URL ?? 'nats://127.0.0.1:4222'),
      streamReplicas: streamReplicas(env.NATS_STREAM_REPLICAS),
    },
    temporal: {
      address: env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
      namespace: env.TEMPORAL_NAMESPACE ?? 'devpie',
      uiUrl: env.TEMPORAL_UI_URL ?? 'http://127.0.0.1:8233',
      taskQueue: env.TEMPORAL_TASK_QUEUE ?? 'devpie',
      metricsAddress: env.TEMPORAL_METRICS_ADDRESS ?? '',
    },
    processes: {
      estimateReminderBeforeMs: int(env.ESTIMATE_REMINDER_BEFORE_MS, 24 * 3600 * 1000),
      invoiceDueInMs: int(env.INVOICE_DUE_IN_MS, 14 * 24 * 3600 * 1000),
      invoiceReminderEveryMs: int(env.INVOICE_REMINDER_EVERY_MS, 3 * 24 * 3600 * 1000),
    },
    auth: {
      issuer,
      audience,
      jwksUri,
      jwksRefetchMs: int(env.AUTH_JWKS_REFETCH_MS, 10_000),
      devMode,
      devKeyFile: env.DEV_AUTH_KEY_FILE ?? repoPath('.data', 'dev-issuer.pem'),
    },
    writeWaitMs: int(env.WRITE_WAIT_MS, 5000),
    bodyLimitBytes: int(env.BODY_LIMIT_BYTES, 64 * 1024),
    corsOrigin: env.CORS_ORIGIN ?? '*',
    instanceId: env.INSTANCE_ID ?? `${hostname()}-${process.pid}`,
    commandMaxInFlight: int(env.COMMAND_MAX_IN_FLIGHT, 256),
    commandAckWaitMs: int(env.COMMAND_ACK_WAIT_MS, 1000),
    component: {
      writers: componentWriters(env.COMPONENT_WRITERS, eventLogKind(env.EVENT_LOG)),
      cacheStreams: Math.max(1, int(env.COMPONENT_CACHE_STREAMS, 10_000)),
      handledWindow: int(env.COMPONENT_HANDLED_WINDOW, 100_000),
      snapshotEveryMs: Math.max(100, int(env.COMPONENT_SNAPSHOT_EVERY_MS, 5_000)),
      snapshotEveryStreams: Math.max(1, int(env.COMPONENT_SNAPSHOT_EVERY_STREAMS, 1_000)),
    },
    projectorBatchSize: int(env.PROJECTOR_BATCH_SIZE, 500),
    dispatcher: {
      window: int(env.DISPATCHER_WINDOW, 1024),
      total: int(env.DISPATCHER_CONCURRENCY, 128),
      perUser: int(env.DISPATCHER_PER_USER, 16),
      perStream: int(env.DISPATCHER_PER_STREAM, 1),
    },
    shutdownTimeoutMs: int(env.SHUTDOWN_TIMEOUT_MS, 20_000),
    inviteTtlMs: int(env.INVITE_TTL_MS, 5 * 24 * 3600 * 1000),
    mail: {
      smtpUrl: env.SMTP_URL ?? '',
      from: env.MAIL_FROM ?? 'Devpie Client <no-reply@devpie.local>',
      appUrl: env.APP_URL ?? 'http://localhost:3000',
      captureDir: env.MAIL_CAPTURE_DIR ?? repoPath('.data', 'mail'),
    },
    stripe: stripeSettings({
      secretKey: env.STRIPE_SECRET_KEY,
      webhookSecret: env.STRIPE_WEBHOOK_SECRET,
      apiBase: env.STRIPE_API_BASE,
    }),
  };
}

/** Refuses to start an API that would accept tokens nobody checks. */
export function assertAuthConfigured(config: Config): void {
  const { auth } = config;
  if (!auth.issuer || !auth.audience || (!auth.jwksUri && !auth.devMode)) {
    throw new Error(
      'auth is not configured: set AUTH0_DOMAIN and AUTH0_AUDIENCE (or AUTH_ISSUER, AUTH_JWKS_URI, AUTH_AUDIENCE), or DEV_AUTH=true for local development',
    );
  }
}
