// First, for its effect: with an OTLP endpoint configured, tracing starts before pg, Koa and http load.
import './platform/tracing/start';
import { appRole, componentRole, projectorRole, reactorRole } from './platform/runtime/roles';
import { createRuntime, type RoleFactory, type RoleHandle } from './platform/runtime/runtime';
import { supervise, type SupervisedRole } from './platform/runtime/supervisor';
import { expandRoles, GROUPS } from './platform/runtime/layout';
import { report } from './platform/metrics/registry';
import { assertAuthConfigured, DEFAULT_DATABASE_URL, loadConfig } from './platform/config';
import { closeServer, createHttpApp, listen } from './platform/http/server';
import { logger } from './platform/logger';
import { progressBar, rebuild } from './platform/hosts/rebuild';
import { migrate } from './platform/postgres/migrate';
import { createPool } from './platform/postgres/pool';
import { explainConnectionError, withDefaultUser } from './platform/postgres/connectionHelp';
import { parkedEntries } from './platform/postgres/parkedEntries';
import { contracts } from './contracts/registry';
import { MIGRATIONS } from './projectors/migrations';
import { asError } from './platform/errors';
import { shutdownTracing } from './platform/tracing';
import type { Projection } from './platform/hosts/projectorHost';
import { formatReport, migrateLog } from './platform/eventlog/migrateLog';
import { stanServers } from './platform/eventlog/stanConnection';

export { MIGRATIONS };
import { identityComponent } from './components/identity';
import { projectsComponent } from './components/projects';
import { PROJECTIONS, outcomeQuorum } from './projectors/catalog';
import { teamsComponent } from './components/teams';
import { invitationMailer } from './reactors/teams/invitationMailer';
import { projectSharer } from './reactors/projects/projectSharer';
import { postgresEffectLedger } from './platform/postgres/effectLedger';
import { mailerFrom } from './platform/mail/mailerFrom';
import { estimationComponent } from './components/estimation';
import { paymentsComponent } from './components/payments';
import { APPS } from './apps/catalog';
import { openApiDocument } from './contracts/http/openapi';
import { dispatcherRole, workerRole } from './platform/runtime/temporalRoles';
import { createActivities } from './activities';
import { estimationRoutes as estimationProcesses } from './dispatcher/estimation';
import { paymentRoutes as paymentProcesses, startInvoicePayment } from './dispatcher/payments';
import { providerFrom } from './platform/payments/providerFrom';

/** The catalog is keyed by any name; the roles below name only contexts it has. */
function projectionsOf(context: string): Projection[] {
  const projections = PROJECTIONS[context];
  if (!projections) throw new Error(`projectors/catalog has no projections for ${context}`);
  return projections;
}

/** Every role this backend runs, by the name its process is started with. */
export const ROLES: Record<string, RoleFactory> = {
  'identity-projector': projectorRole('identity', projectionsOf('identity'), outcomeQuorum),
  'identity-component': componentRole(identityComponent),
  'identity-app': appRole('identity', APPS.identity.routes),
  'projects-projector': projectorRole('projects', projectionsOf('projects'), outcomeQuorum),
  'projects-component': componentRole(projectsComponent),
  'projects-app': appRole('projects', APPS.projects.routes),
  'projects-reactor': reactorRole('projects', (_rt, { commands }) => projectSharer(commands)),
  'teams-projector': projectorRole('teams', projectionsOf('teams'), outcomeQuorum),
  'teams-component': componentRole(teamsComponent),
  'teams-app': appRole('teams', APPS.teams.routes),
  'teams-reactor': reactorRole('teams', (rt) =>
    invitationMailer(mailerFrom(rt.config), postgresEffectLedger(rt.pool), rt.config.mail.appUrl),
  ),
  'estimation-projector': projectorRole('estimation', projectionsOf('estimation'), outcomeQuorum),
  'estimation-component': componentRole(estimationComponent),
  'estimation-app': appRole('estimation', APPS.estimation.routes),
  'payments-projector': projectorRole('payments', projectionsOf('payments'), outcomeQuorum),
  'payments-component': componentRole(paymentsComponent),
  'payments-app': appRole('payments', APPS.payments.routes, APPS.payments.publicRoutes),
  dispatcher: dispatcherRole((rt) => ({
    estimate: estimationProcesses({
      invoiceDueInMs: rt.config.processes.invoiceDueInMs,
      invoiceReminderEveryMs: rt.config.processes.invoiceReminderEveryMs,
    }),
    invoice: paymentProcesses,
  })),
  'workflow-worker': workerRole(({ client, taskQueue, ...infra }, rt) =>
    createActivities({
      ...infra,
      provider: providerFrom(rt.config),
      startPayment: (input) => startInvoicePayment(client, taskQueue, input),
    }),
  ),
};

const USAGE = `usage: node dist/main.js <role|group>[ <role|group>...] | all | migrate | rebuild <context> | parked list|retry <category> | migrate-log --from stan --to jetstream | roles
roles: ${Object.keys(ROLES).join(', ')}
groups: ${Object.keys(GROUPS).join(', ')}`;

async function main(args: string[]): Promise<void> {
  const config = loadConfig();
  if (args.length === 0) throw new Error(USAGE);
  if (args[0] === 'migrate') {
    await migrate(config.databaseUrl, MIGRATIONS);
    logger.info('migrations applied');
    return;
  }
  if (args[0] === 'rebuild') return rebuildViews(config, args[1]);
  if (args[0] === 'parked') return parked(config, args[1], args[2]);
  if (args[0] === 'migrate-log') return moveLog(config, args.slice(1));
  if (args[0] === 'roles') {
    process.stdout.write(`${JSON.stringify(Object.keys(ROLES))}\n`);
    return;
  }
  const all = args[0] === 'all';
  let names: string[];
  try {
    names = expandRoles(args, Object.keys(ROLES));
  } catch (err) {
    throw new Error(`${asError(err).message}\n${USAGE}`);
  }
  const factories = Object.entries(ROLES).filter(([n]) => names.includes(n));
  if (names.some((n) => n.endsWith('-app'))) assertAuthConfigured(config);
  if (all) await migrate(config.databaseUrl, MIGRATIONS);

  let stopping = false;
  // Only what cannot restart in place gets here (an app, whose routes hold its connections).
  const fatal = (role: string, err: Error) => {
    if (stopping) return;
    logger.fatal({ role, err: err.message }, 'role cannot go on; exiting so it restarts clean');
    process.exit(1);
  };
  const rt = createRuntime(config, fatal);
  const roles: RoleHandle[] = [];
  const supervised: SupervisedRole[] = [];
  for (const [n, factory] of factories) {
    if (n.endsWith('-app')) roles.push(await factory(rt));
    else {
      const role = await supervise(n, factory, rt);
      supervised.push(role);
      roles.push(role);
    }
  }
  report(() => ({
    roleRestarts: supervised.map((r) => ({ labels: { role: r.name }, value: r.restarts })),
  }));

  // Asked on every request: a role that restarts in place shows its current incarnation's checks.
  const readiness = () =>
    Object.fromEntries(
      roles.flatMap((r) => Object.entries(r.readiness).map(([k, c]) => [`${r.name}.${k}`, c])),
    );
  const serving = roles.some((r) => r.routes);
  const app = createHttpApp(
    config,
    roles.flatMap((r) => r.routes ?? []),
    readiness,
    roles.flatMap((r) => r.publicRoutes ?? []),
    // An app serves the whole API's document and reference page, whichever context it is.
    serving ? openApiDocument() : undefined,
  );
  const server = await listen(app, config.port);
  logger.info({ roles: names, port: config.port }, 'started');
  if (serving) {
    process.stdout.write(
      `\nDevpie Client API  http://localhost:${config.port}/api/v1 (reference: /api/v1/docs)\nTemporal UI        ${config.temporal.uiUrl}\n\n`,
    );
  }

  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down');
    const force = setTimeout(() => {
      logger.error('shutdown took too long; exiting');
      process.exit(1);
    }, config.shutdownTimeoutMs);
    force.unref();
    await closeServer(server);
    // Apps first (no new commands), then writers, then projectors drain what was written.
    // Apps first (no new commands); the worker drains its activities while the writers still run.
    const order = ['-app', 'dispatcher', 'workflow-worker', '-component', '-projector', '-reactor'];
    for (const suffix of order) {
      await Promise.all(
        roles
          .filter((r) => r.name.endsWith(suffix) || r.name === suffix)
          .map((r) => r.stop().catch((err: unknown) => logger.error({ err }, 'stop failed'))),
      );
    }
    await rt.pool.end();
    // The last spans (this shutdown's own among them) are sent before the process goes.
    await shutdownTracing();
    logger.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  // Started by a parent over IPC (npm start's launcher, the bench): should the parent die
  // without stopping us, we stop too, or we would hold our leases against the next start.
  if (process.send) process.on('disconnect', () => void shutdown('parent gone'));
}

async function rebuildViews(
  config: ReturnType<typeof loadConfig>,
  context: string | undefined,
): Promise<void> {
  const projections = context ? PROJECTIONS[context] : undefined;
  if (!projections)
    throw new Error(
      `usage: npm run rebuild -- <context>\ncontexts: ${Object.keys(PROJECTIONS).join(', ')}`,
    );
  await migrate(config.databaseUrl, MIGRATIONS);
  const rt = createRuntime(config, (role, err) => {
    throw err;
  });
  const tty = process.stderr.isTTY;
  let last = 0;
  const result = await rebuild(
    rt,
    projections,
    (p) => {
      if (tty) process.stderr.write(`\r${progressBar(p)}`);
      else if (Date.now() - last > 2000 || p.position >= p.target) {
        last = Date.now();
        process.stderr.write(`${progressBar(p)}\n`);
      }
    },
    outcomeQuorum,
  );
  if (tty) process.stderr.write('\n');
  const seconds = result.elapsedMs / 1000;
  process.stdout.write(
    `rebuilt ${context}: ${result.entries} entries, ${result.events} events in ${seconds.toFixed(1)} s ` +
      `(${Math.round(result.events / Math.max(seconds, 0.001))} events/s); views swapped in\n`,
  );
  await rt.pool.end();
}

/** `--name value` pairs; anything else is refused, so a typo never copies the wrong way. */
export function migrateLogDirection(args: string[]): { from: string; to: string } {
  const usage = 'usage: node dist/main.js migrate-log --from stan --to jetstream';
  const got: Record<string, string> = {};
  for (let i = 0; i < args.length; i += 2) {
    const [name, value] = [args[i], args[i + 1]];
    if ((name !== '--from' && name !== '--to') || value === undefined) throw new Error(usage);
    got[name.slice(2)] = value;
  }
  const { from, to } = got;
  if (!from || !to) throw new Error(usage);
  if (from !== 'stan' || to !== 'jetstream')
    throw new Error(
      `migrate-log copies from stan to jetstream only, not from ${from} to ${to}\n${usage}`,
    );
  return { from, to };
}

/**
 * Copies the NATS Streaming log into JetStream (the cutover in docs/operations.md): STAN_URL,
 * STAN_CLUSTER_ID, NATS_URL and STAN_CHANNEL_PREFIX as the roles read them; STAN_MONITOR_URL is
 * where the server lists its channels (port 8222 of the first STAN server unless told).
 */
async function moveLog(config: ReturnType<typeof loadConfig>, args: string[]): Promise<void> {
  migrateLogDirection(args);
  const host = new URL(stanServers(config.stan.url).first.replace(/^nats:/, 'http:')).hostname;
  const monitorUrl = process.env.STAN_MONITOR_URL ?? `http://${host}:8222`;
  const report = await migrateLog({
    stan: { url: config.stan.url, clusterId: config.stan.clusterId, monitorUrl },
    nats: config.nats,
    prefix: config.stan.channelPrefix,
    onChannel: (row) =>
      process.stderr.write(`${row.channel}: ${row.copied} copied${row.ok ? '' : ' (not done)'}\n`),
  });
  process.stdout.write(formatReport(report));
  if (!report.ok) process.exitCode = 1;
}

/**
 * Operators' view of what consumers parked: `list` prints the open entries of a category, `retry`
 * asks the running consumers to apply them again (after a fix is deployed) and reports how that went.
 */
async function parked(
  config: ReturnType<typeof loadConfig>,
  action: string | undefined,
  category: string | undefined,
): Promise<void> {
  const usage = `usage: node dist/main.js parked list|retry <category>\ncategories: ${Object.keys(contracts).join(', ')}`;
  if (!category || !contracts[category] || (action !== 'list' && action !== 'retry'))
    throw new Error(usage);
  await migrate(config.databaseUrl, MIGRATIONS);
  const pool = createPool(config.databaseUrl, 1);
  try {
    if (action === 'retry') {
      const requested = await parkedEntries.requestRetry(pool, category);
      process.stdout.write(
        `asked the consumers to apply ${requested} parked ${category} entries again\n`,
      );
      // The running consumers pick the request up within a second or two; wait for their verdict.
      const deadline = Date.now() + 30_000;
      while (
        Date.now() < deadline &&
        (await parkedEntries.list(pool, category)).some((r) => r.retryRequested)
      )
        await new Promise((r) => setTimeout(r, 250));
    }
    const open = await parkedEntries.list(pool, category);
    for (const r of open) {
      process.stdout.write(
        `${JSON.stringify({ consumer: r.consumer, position: r.position, streamId: r.streamId, reason: r.reason, parkedAt: r.parkedAt, attempts: r.attempts, waitingForConsumer: r.retryRequested })}\n`,
      );
    }
    process.stdout.write(`${open.length} parked ${category} entries open\n`);
  } finally {
    await pool.end();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).catch((reason: unknown) => {
    const err = asError(reason);
    // A server that refuses us is the commonest first-run failure: one line naming the fix.
    const databaseUrl = withDefaultUser(process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL);
    const message = explainConnectionError(reason, databaseUrl) ?? err.message;
    logger.fatal({ err: err.message }, 'failed to start');
    process.stderr.write(`${message}\n`);
    process.exit(1);
  });
}
