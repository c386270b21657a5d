import type Router from '@koa/router';
import type { CommandSender } from '../outcomes/commandSender';
import { commandSender } from '../outcomes/commandSender';
import { ComponentHost, type ComponentDefinition } from '../hosts/componentHost';
import { SharedComponentHost } from '../hosts/sharedComponentHost';
import { ANNOUNCE_WITHIN_MS, ProjectorHost, type Projection } from '../hosts/projectorHost';
import { postgresCheck, type RoleFactory, type RoleHandle, type Runtime } from './runtime';
import type { LogSession } from '../eventlog/port';
import { ReactorHost, type Reaction } from '../hosts/reactorHost';
import { commandStatusRouter } from '../http/commands';
import { ReconnectingPublisher, type CommandPublisher } from '../eventlog/reconnectingPublisher';
import { asError } from '../errors';
import { logger } from '../logger';
import type { Config } from '../config';
import { createPool } from '../postgres/pool';
import { postgresIdempotencyKeys } from '../postgres/idempotencyKeys';
import { report } from '../metrics/registry';
import { PostgresSnapshotStore } from '../postgres/snapshotStore';

/** Client ids must be unique per connection; what must survive a restart is keyed otherwise. */
const suffix = () => Math.random().toString(36).slice(2, 8);

/**
 * A component as its own role: the category's single writer, standing by while another holds it;
 * or, with COMPONENT_WRITERS=shared on JetStream, one of several instances deciding at once.
 */
export const componentRole =
  (def: ComponentDefinition): RoleFactory =>
  async (rt) => {
    const name = `${def.context}-component`;
    const log = await rt.connectLog(
      `${def.category}-component-${rt.config.instanceId}-${suffix()}`,
    );
    log.onConnectionLost((err) => rt.fatal(name, err));
    const { writers, ...component } = rt.config.component;
    const taking = {
      maxInFlight: rt.config.commandMaxInFlight,
      ackWaitMs: rt.config.commandAckWaitMs,
    };
    if (writers === 'shared') {
      const shared = new SharedComponentHost(log, def, { ...taking, ...component });
      // Holds no lease: reported as holding one while it takes commands, so "no writer" alerts.
      return componentHandle(rt, name, def, log, shared, () => shared.readiness === true);
    }
    // Its own connections: a flush or a burst of loads must not queue behind the API's reads.
    const pool = createPool(rt.config.databaseUrl, 3);
    const host = new ComponentHost(log, def, {
      ...taking,
      snapshots: new PostgresSnapshotStore(pool, rt.config.stan.channelPrefix),
      ...component,
      onFatal: (err) => rt.fatal(name, err),
    });
    return componentHandle(
      rt,
      name,
      def,
      log,
      host,
      () => {
        const r = host.readiness;
        // Catching up is holding the lease: the health router reads the detail the same way.
        return r === true || (typeof r === 'object' && r.detail.startsWith('catching up'));
      },
      () => pool.end(),
    );
  };

/** What a component role is, either host: started, reported, and stopped in order. */
function componentHandle(
  rt: Runtime,
  role: string,
  d: ComponentDefinition,
  session: LogSession,
  h: ComponentHost | SharedComponentHost,
  writing: () => boolean,
  after?: () => Promise<void>,
): RoleHandle {
  const started = h.start().catch((err: unknown) => rt.fatal(role, asError(err)));
  const unreport = report(() => ({
    writerLeaseHeld: [{ labels: { category: d.category }, value: writing() ? 1 : 0 }],
  }));
  return {
    name: role,
    readiness: { log: () => session.isConnected(), writer: () => h.readiness },
    async stop() {
      unreport();
      await h.stop();
      await started;
      await session.close();
      await after?.();
      logger.info({ role, ...h.stats }, 'stopped');
    },
  };
}

/** A context's projectors: one host per projection, each with its own checkpoint and lease. */
export const projectorRole =
  (
    context: string,
    projections: Projection[],
    outcomeQuorum: (category: string) => number = () => 1,
  ): RoleFactory =>
  async (rt) => {
    const name = `${context}-projector`;
    const log = await rt.connectLog(`${name}-${rt.config.instanceId}-${suffix()}`);
    log.onConnectionLost((err) => rt.fatal(name, err));
    // Its own connections: a projector's commit must not queue behind the API's reads.
    const pool = createPool(rt.config.databaseUrl, 1 + projections.length);
    const hosts = projections.map(
      (projection) =>
        new ProjectorHost(log, pool, rt.leases, projection, {
          batchSize: rt.config.projectorBatchSize,
          outcomeQuorum: outcomeQuorum(projection.category),
          // Requests may be told to wait longer than the default window covers.
          announceWithinMs: Math.max(ANNOUNCE_WITHIN_MS, 2 * rt.config.writeWaitMs),
          onFatal: (err) => rt.fatal(name, err),
        }),
    );
    const started = Promise.all(hosts.map((h) => h.start())).catch((err: unknown) =>
      rt.fatal(name, asError(err)),
    );
    const unreport = report(() => {
      const each = hosts.map((h) => ({ h, labels: { projector: h.name, category: h.category } }));
      return {
        projectorLagEntries: each.map(({ h, labels }) => ({ labels, value: h.lag.entries })),
        projectorLagSeconds: each.map(({ h, labels }) => ({ labels, value: h.lag.seconds })),
        projectorPosition: each.map(({ h, labels }) => ({ labels, value: h.position })),
        projectorEntries: each.map(({ h, labels }) => ({ labels, value: h.stats.entries })),
        projectorEvents: each.map(({ h, labels }) => ({ labels, value: h.stats.events })),
        projectorRetries: each.map(({ h, labels }) => ({ labels, value: h.stats.retries })),
        parkedEntries: each.map(({ h }) => ({
          labels: { consumer: h.name, role: name },
          value: h.parkedOpen,
        })),
      };
    });
    return {
      name,
      readiness: {
        log: () => log.isConnected(),
        postgres: postgresCheck(pool),
        // Each projection's own word: following, retrying a batch while Postgres is away, waiting.
        projector: () => {
          const waiting = hosts.flatMap((h) => {
            const r = h.readiness;
            return r === true ? [] : [`${h.name}: ${r.detail}`];
          });
          return waiting.length === 0 ? true : { ok: false, detail: waiting.join('; ') };
        },
        // Parked entries do not make the role unready (the rest of the log flows); operators see them here.
        parked: () => ({
          ok: true,
          detail: Object.fromEntries(hosts.map((h) => [h.name, h.parkedOpen])),
        }),
      },
      async stop() {
        unreport();
        await Promise.all(hosts.map((h) => h.stop()));
        await started;
        await log.close();
        await pool.end();
        for (const h of hosts)
          logger.info({ role: name, projector: h.name, ...h.stats }, 'stopped');
      },
    };
  };

export interface AppDeps {
  pool: import('pg').Pool;
  commands: CommandSender;
  config: Config;
  log: CommandPublisher;
}

/** An app: REST in, commands out, answers from the views once the outcome is visible. */
export const appRole =
  (
    context: string,
    routes: (deps: AppDeps) => Router[],
    publicRoutes: (deps: AppDeps) => Router[] = () => [],
  ): RoleFactory =>
  async (rt) => {
    const name = `${context}-app`;
    // An app outlives its log sessions: while the log is away its writes answer 503 at once and
    // its reads go on; a new session (new client id) is opened in the background.
    const log = new ReconnectingPublisher(() =>
      rt.connectLog(`${name}-${rt.config.instanceId}-${suffix()}`),
    ).start();
    const outcomes = await rt.acquireOutcomes();
    const waiter = outcomes.waiter;
    const commands = commandSender(
      log,
      waiter,
      rt.config.writeWaitMs,
      postgresIdempotencyKeys(rt.pool),
    );
    return {
      name,
      routes: [
        ...routes({ pool: rt.pool, commands, config: rt.config, log }),
        commandStatusRouter(waiter),
      ],
      publicRoutes: publicRoutes({ pool: rt.pool, commands, config: rt.config, log }),
      readiness: {
        log: () => log.isConnected(),
        postgres: postgresCheck(rt.pool),
        outcomes: () => waiter.isListening,
      },
      async stop() {
        await outcomes.release();
        await log.close();
      },
    };
  };

/** What a reaction may use besides the runtime: commands to send, and their outcomes to wait for. */
export interface ReactorDeps {
  commands: CommandSender;
}

/** A reaction as its own role: side effects that follow a category's events. */
export const reactorRole =
  (context: string, reaction: (rt: Runtime, deps: ReactorDeps) => Reaction): RoleFactory =>
  async (rt) => {
    const name = `${context}-reactor`;
    const log = await rt.connectLog(`${name}-${rt.config.instanceId}-${suffix()}`);
    log.onConnectionLost((err) => rt.fatal(name, err));
    const outcomes = await rt.acquireOutcomes();
    const commands = commandSender(log, outcomes.waiter, rt.config.writeWaitMs);
    const react = reaction(rt, { commands });
    const host = new ReactorHost(log, rt.pool, react);
    const started = host.start().catch((err: unknown) => rt.fatal(name, asError(err)));
    const unreport = report(() => {
      const labels = { reaction: react.name };
      return {
        reactorRetries: [{ labels, value: host.stats.retries }],
        reactorHandled: [{ labels, value: host.stats.handled }],
        parkedEntries: [{ labels: { consumer: react.name, role: name }, value: host.parkedOpen }],
      };
    });
    return {
      name,
      readiness: {
        log: () => log.isConnected(),
        outcomes: () => outcomes.waiter.isListening,
        reactor: () => host.isActive,
        parked: () => ({ ok: true, detail: host.parkedOpen }),
      },
      async stop() {
        unreport();
        await host.stop();
        await started;
        await outcomes.release();
        await log.close();
        logger.info({ role: name, ...host.stats }, 'stopped');
      },
    };
  };
