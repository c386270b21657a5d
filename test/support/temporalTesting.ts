import { EventEmitter } from 'node:events';
import { asyncLocalStorage, Context, type Info } from '@temporalio/activity';
import { Client, Connection } from '@temporalio/client';
import { ActivityCancellationDetails, CancelledFailure, noopMetricMeter, type Logger } from '@temporalio/common';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';

/*
 * The two parts of @temporalio/testing that the workflow and activity suites use, with the same
 * names and shapes. That package is not a dependency yet (it is not in node_modules); once
 * "@temporalio/testing": "1.24.0" is in devDependencies, the suites import these from it and this
 * file goes. Its time-skipping and local servers would be downloaded at run time, which is not
 * possible here: the suites use the dev server scripts/test.sh runs, with short durations in the
 * workflows' inputs.
 */

let runtimeInstalled = false;
/**
 * Errors only: the SDK's default logger prints every worker state change and every failed
 * attempt (which these suites cause on purpose), burying Jest's report. The runtime is per
 * process, and Jest may run several suites in one.
 */
export function quietRuntime(): void {
  if (runtimeInstalled) return;
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // Installed by an earlier suite in this process: keep it.
  }
  runtimeInstalled = true;
}

/** As `TestWorkflowEnvironment.createFromExistingServer`: a client and a worker connection to a running server. */
export class TestWorkflowEnvironment {
  readonly supportsTimeSkipping = false;

  private constructor(
    readonly connection: Connection,
    readonly nativeConnection: NativeConnection,
    readonly client: Client,
    readonly namespace: string,
    readonly address: string,
  ) {}

  static async createFromExistingServer(opts: { address?: string; namespace?: string } = {}): Promise<TestWorkflowEnvironment> {
    quietRuntime();
    const address = opts.address ?? 'localhost:7233';
    const namespace = opts.namespace ?? 'default';
    const nativeConnection = await NativeConnection.connect({ address });
    const connection = await Connection.connect({ address });
    return new TestWorkflowEnvironment(connection, nativeConnection, new Client({ connection, namespace }), namespace, address);
  }

  /** Closes both connections: an open native one keeps Jest from exiting. */
  async teardown(): Promise<void> {
    await this.connection.close().catch(() => undefined);
    await this.nativeConnection.close().catch(() => undefined);
  }

  /** No time skipping on a real server: real time passes. */
  sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
}

/** As @temporalio/testing's: what an activity sees when no worker runs it. */
export const defaultActivityInfo: Info = {
  attempt: 1,
  taskQueue: 'test',
  isLocal: false,
  taskToken: Buffer.from('test'),
  activityId: 'test',
  activityType: 'unknown',
  workflowType: 'test',
  base64TaskToken: Buffer.from('test').toString('base64'),
  heartbeatTimeoutMs: undefined,
  heartbeatDetails: undefined,
  activityNamespace: 'default',
  workflowNamespace: 'default',
  workflowExecution: { workflowId: 'test', runId: '00000000-0000-0000-0000-000000000000' },
  scheduledTimestampMs: 1,
  startToCloseTimeoutMs: 1000,
  scheduleToCloseTimeoutMs: 1000,
  currentAttemptScheduledTimestampMs: 1,
  priority: undefined,
  retryPolicy: undefined,
  namespace: 'test',
  activityRunId: undefined,
  inWorkflow: true,
};

const silent: Logger = { log() {}, trace() {}, debug() {}, info() {}, warn() {}, error() {} };

/**
 * As `MockActivityEnvironment`: runs an activity function inside an activity Context (its info,
 * heartbeats as 'heartbeat' events, cancellation), without a worker or a server.
 */
export class MockActivityEnvironment extends EventEmitter {
  readonly context: Context;
  readonly cancel: (reason?: string) => void;

  constructor(info?: Partial<Info>, opts: { logger?: Logger } = {}) {
    super();
    const controller = new AbortController();
    let reject!: (err: unknown) => void;
    const cancelled = new Promise<never>((_, r) => (reject = r));
    // Nobody may await it: an unobserved rejection would fail the suite.
    cancelled.catch(() => undefined);
    const details = { details: undefined as ActivityCancellationDetails | undefined };
    this.context = new Context(
      { ...defaultActivityInfo, ...info },
      cancelled,
      controller.signal,
      (d?: unknown) => this.emit('heartbeat', d),
      undefined,
      opts.logger ?? silent,
      noopMetricMeter,
      details,
    );
    this.cancel = (reason = 'CANCELLED') => {
      details.details = new ActivityCancellationDetails({ cancelRequested: true });
      reject(new CancelledFailure(reason));
      controller.abort();
    };
  }

  run<P extends unknown[], R>(fn: (...args: P) => Promise<R>, ...args: P): Promise<R> {
    return asyncLocalStorage.run(this.context, () => fn(...args));
  }
}
