import { randomUUID } from 'node:crypto';
import { WorkflowUpdateFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { bundleWorkflowCode, Worker } from '@temporalio/worker';
import { repoPath } from '../../platform/paths';
import { ActivityDoubles } from './activityDoubles';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Runtime } from '@temporalio/worker';

/**
 * Errors only: the SDK's default logger prints every worker state change and every failed
 * attempt (which these suites cause on purpose), burying Jest's report. The runtime is per
 * process, and an earlier suite in it may have installed one already.
 */
function quietRuntime(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR'), shutdownSignals: [] });
  } catch {
    // Installed before: keep it.
  }
}

const silent = { info() {}, warn() {}, error() {}, debug() {}, trace() {}, log() {} } as never;

export interface WorkflowSuite {
  env: TestWorkflowEnvironment;
  taskQueue: string;
  doubles: ActivityDoubles;
  /** Another worker (same code, same doubles) on `taskQueue`, for as long as `until` runs. */
  workerUntil<T>(taskQueue: string, until: () => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/**
 * A worker for one suite on the dev server scripts/test.sh runs: the workflow code as it is in
 * the source tree (bundled once here, not the build's bundle, which may be older than the code
 * under test), every activity a double, and a task queue of its own so no other worker takes
 * its tasks.
 */
export async function workflowSuite(name: string): Promise<WorkflowSuite> {
  quietRuntime();
  const env = await TestWorkflowEnvironment.createFromExistingServer({
    address: process.env.TEMPORAL_ADDRESS ?? '127.0.0.1:7233',
    namespace: process.env.TEMPORAL_NAMESPACE ?? 'devpie-test',
  });
  const taskQueue = `${name}-${randomUUID()}`;
  const doubles = new ActivityDoubles();
  let bundle: Awaited<ReturnType<typeof bundleWorkflowCode>>;
  let worker: Worker;
  const create = (queue: string) =>
    Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace,
      taskQueue: queue,
      workflowBundle: bundle,
      activities: doubles.activities,
      // The doubles answer at once: nothing in flight needs time to finish at the end.
      shutdownGraceTime: '1 second',
    });
  try {
    bundle = await bundleWorkflowCode({
      workflowsPath: repoPath('workflows', 'index.ts'),
      logger: silent,
    });
    worker = await create(taskQueue);
  } catch (err) {
    // The suite never gets a suite to close: its connections would keep Jest from exiting.
    await env.teardown().catch(() => undefined);
    throw err;
  }
  const running = worker.run();
  return {
    env,
    taskQueue,
    doubles,
    async workerUntil(queue, until) {
      return (await create(queue)).runUntil(until);
    },
    async close() {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await running;
      await env.teardown();
    },
  };
}

export const inMs = (ms: number): string => new Date(Date.now() + ms).toISOString();

/** The failure an Update's validator (or handler) threw, as the caller, the dispatcher, receives it. */
export async function refusal(
  update: Promise<unknown>,
): Promise<{ type: string | undefined; message: string }> {
  const err = await update.then(
    (answer) => new Error(`the update was accepted: ${JSON.stringify(answer)}`),
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(WorkflowUpdateFailedError);
  const cause = (err as WorkflowUpdateFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return {
    type: (cause as ApplicationFailure).type ?? undefined,
    message: (cause as ApplicationFailure).message,
  };
}
