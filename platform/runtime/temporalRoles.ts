import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { logger } from '../logger';
import type { EffectLedger } from '../effects/port';
import { mailerFrom } from '../mail/mailerFrom';
import { postgresEffectLedger } from '../postgres/effectLedger';
import { repoPath } from '../paths';
import { acquireNativeConnection, temporalReachable } from '../temporal/connection';
import { asError } from '../errors';
import { DispatcherHost, type ProcessRoute } from '../hosts/dispatcher';
import { OutcomeWaiter } from '../outcomes/outcomes';
import { postgresCheck, type RoleFactory, type Runtime as Rt } from './runtime';
import { ReconnectingPublisher } from '../eventlog/reconnectingPublisher';
import { report } from '../metrics/registry';
import { tracingEnabled } from '../tracing';
import {
  clientTracing,
  tracedBundle,
  WORKFLOW_TRACING_MODULE,
  workerTracing,
} from '../tracing/temporal';

const suffix = () => Math.random().toString(36).slice(2, 8);

/**
 * What the worker hands to the activities it runs: its connections and adapters. Which activities
 * those are, and what they start, is the caller's (main.ts) to say; platform knows no process.
 */
export interface WorkerInfra {
  log: ReconnectingPublisher;
  outcomes: OutcomeWaiter;
  db: Rt['pool'];
  mailer: ReturnType<typeof mailerFrom>;
  /** What the steps did to the world (mails, payment intents, refunds), so a retry skips it. */
  effects: EffectLedger;
  appUrl: string;
  /** A client on the worker's own connection, for activities that start processes. */
  client: Client;
  taskQueue: string;
}

/**
 * Production runs the bundle `npm run build` prepared; elsewhere the worker bundles at start. A
 * traced worker runs the bundle that holds the OpenTelemetry workflow interceptors: the interceptors
 * of a bundle are fixed when it is made, and an untraced worker should make no span at all.
 */
export const workflowSource = (
  traced = tracingEnabled(),
):
  | { workflowBundle: { codePath: string } }
  | { workflowsPath: string; interceptors?: { workflowModules: string[] } } => {
  const plain = repoPath('dist', 'workflow-bundle.js');
  const bundle = traced ? tracedBundle(plain) : plain;
  if (existsSync(bundle)) return { workflowBundle: { codePath: bundle } };
  const workflowsPath = join(__dirname, '..', '..', 'workflows');
  return traced
    ? { workflowsPath, interceptors: { workflowModules: [WORKFLOW_TRACING_MODULE] } }
    : { workflowsPath };
};

/** The Temporal worker: runs the workflows, and the activities that touch the world. */
export const workerRole =
  (activities: (infra: WorkerInfra, rt: Rt) => object): RoleFactory =>
  async (rt) => {
    const name = 'workflow-worker';
    const { temporal } = rt.config;
    // Activities outlive a lost log connection: they fail at once, Temporal retries them, and a
    // new session is opened in the background meanwhile.
    const log = new ReconnectingPublisher(() =>
      rt.connectLog(`${name}-${rt.config.instanceId}-${suffix()}`, 5000),
    ).start();
    const shared = await rt.acquireOutcomes();
    const outcomes = shared.waiter;
    const temporalConnection = await acquireNativeConnection(
      temporal.address,
      temporal.metricsAddress,
    );
    const { connection } = temporalConnection;
    // On the worker's connection: processes its activities start are handed back to it eagerly.
    const client = new Client({ connection, namespace: temporal.namespace, ...clientTracing() });
    const source = workflowSource();
    const tracing = workerTracing();
    const worker = await Worker.create({
      connection,
      namespace: temporal.namespace,
      taskQueue: temporal.taskQueue,
      ...source,
      ...tracing,
      interceptors: {
        ...tracing.interceptors,
        ...('interceptors' in source ? source.interceptors : {}),
      },
      activities: activities(
        {
          log,
          outcomes,
          db: rt.pool,
          mailer: mailerFrom(rt.config),
          effects: postgresEffectLedger(rt.pool),
          appUrl: rt.config.mail.appUrl,
          client,
          taskQueue: temporal.taskQueue,
        },
        rt,
      ),
      // In-flight activities finish on shutdown rather than being cancelled at once.
      shutdownGraceTime: '10 seconds',
      // A worker that died holds its workflows' next tasks on its own queue until this passes:
      // keep it short so another worker takes over quickly.
      stickyQueueScheduleToStartTimeout: '3 seconds',
      // New workflows' first tasks come on the shared queue: poll it as often as the sticky one
      // (the SDK's 0.2 left a send's first task waiting over a second under load; bench notes).
      nonStickyToStickyPollRatio: 1,
      // A workflow task holds its slot while its local activities run (the log, the component,
      // the projector): more slots than the SDK's 40, and pollers to match.
      maxConcurrentWorkflowTaskExecutions: 100,
      maxConcurrentWorkflowTaskPolls: 20,
    });
    const running = worker.run().catch((err: unknown) => rt.fatal(name, asError(err)));
    temporalConnection.workerQueues.add(temporal.taskQueue);
    return {
      name,
      // The log is not a condition: activities reconnect to it on their own.
      readiness: {
        postgres: postgresCheck(rt.pool),
        temporal: () => worker.getState() === 'RUNNING',
      },
      async stop() {
        temporalConnection.workerQueues.delete(temporal.taskQueue);
        if (worker.getState() === 'RUNNING') worker.shutdown();
        await running;
        await temporalConnection.release();
        await shared.release();
        await log.close();
      },
    };
  };

/** The dispatcher: process commands from the log to Temporal. */
export const dispatcherRole =
  (routes: (rt: Rt) => Record<string, Record<string, ProcessRoute>>): RoleFactory =>
  async (rt) => {
    const name = 'dispatcher';
    const log = await rt.connectLog(`${name}-${rt.config.instanceId}-${suffix()}`);
    log.onConnectionLost((err) => rt.fatal(name, err));
    // Looks outcomes up and records them; it never waits for one, so it needs no listener.
    const outcomes = new OutcomeWaiter(rt.pool, rt.config.databaseUrl);
    const temporalConnection = await acquireNativeConnection(
      rt.config.temporal.address,
      rt.config.temporal.metricsAddress,
    );
    const { connection } = temporalConnection;
    const client = new Client({
      connection,
      namespace: rt.config.temporal.namespace,
      ...clientTracing(),
    });
    const { taskQueue } = rt.config.temporal;
    // Eager only with a worker of this queue on the same connection (same process).
    const eager = () => temporalConnection.workerQueues.has(taskQueue);
    const host = new DispatcherHost(
      log,
      { client, db: rt.pool, taskQueue, eager, outcomes },
      routes(rt),
      rt.config.dispatcher,
    );
    const started = host.start().catch((err: unknown) => rt.fatal(name, asError(err)));
    const unreport = report(() => {
      const { stats, load } = host;
      return {
        dispatcherInFlight: [
          { labels: { state: 'running' }, value: load.running },
          { labels: { state: 'queued' }, value: load.queued },
        ],
        dispatcherCommands: [
          { labels: { result: 'dispatched' }, value: stats.dispatched },
          { labels: { result: 'refused' }, value: stats.refused },
        ],
        dispatcherFailures: [{ labels: {}, value: stats.failures }],
        dispatcherRetries: [{ labels: {}, value: stats.retries }],
        parkedEntries: Object.entries(host.parkedOpen).map(([category, value]) => ({
          labels: { consumer: `${category}-dispatcher`, role: name },
          value,
        })),
      };
    });
    return {
      name,
      readiness: {
        log: () => log.isConnected(),
        postgres: postgresCheck(rt.pool),
        temporal: () => temporalReachable(connection),
        dispatcher: () => host.isActive,
        parked: () => ({ ok: true, detail: host.parkedOpen }),
      },
      async stop() {
        unreport();
        await host.stop();
        await started;
        await temporalConnection.release();
        await log.close();
        logger.info({ role: name, ...host.stats }, 'stopped');
      },
    };
  };
