import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { processShared, type SharedLease } from '../processShared';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** A client for the dispatcher and tests; retries while the dev server is still starting. */
export async function connectTemporal(
  settings: TemporalSettings,
  timeoutMs = 30_000,
): Promise<{ client: Client; connection: Connection }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({
        address: settings.address,
        connectTimeout: 2000,
      });
      return { connection, client: new Client({ connection, namespace: settings.namespace }) };
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/**
 * A connection through the SDK's Rust core, for the roles (worker, dispatcher): its calls cost
 * the Node thread far less than the pure-JS gRPC client's. Waits for the server like connectTemporal.
 */
async function connectNative(address: string, timeoutMs = 30_000): Promise<NativeConnection> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await NativeConnection.connect({ address });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
}

let runtimeInstalled = false;
/**
 * The process handles signals itself (it also runs Koa): the SDK must not take them. With
 * `metricsAddress` (`host:port`), the SDK's core serves its own metrics (workflow and activity
 * tasks, polls, slots, its requests to the server) in Prometheus format at `/metrics` there: the
 * core keeps them in Rust, out of the process's prom-client registry. Names get `_total` on
 * counters and seconds as durations' unit, like ours (TEMPORAL_METRICS in platform/temporal/metrics.ts).
 */
function installRuntime(metricsAddress: string): void {
  if (runtimeInstalled) return;
  Runtime.install({
    shutdownSignals: [],
    ...(metricsAddress
      ? {
          telemetryOptions: {
            metrics: {
              prometheus: {
                bindAddress: metricsAddress,
                countersTotalSuffix: true,
                unitSuffix: true,
                useSecondsForDurations: true,
              },
            },
          },
        }
      : {}),
  });
  runtimeInstalled = true;
}

export interface SharedNativeConnection {
  connection: NativeConnection;
  /** The task queues a worker on this connection polls: a start for one of them can be eager. */
  workerQueues: Set<string>;
  /** The connection closes when its last role lets go. */
  release(): Promise<void>;
}

const connections = new Map<
  string,
  () => Promise<SharedLease<{ connection: NativeConnection; workerQueues: Set<string> }>>
>();

/**
 * One native connection per server for the roles of a process. When the dispatcher shares it
 * with the worker (`npm start` runs both in one process), the server can hand a new workflow's
 * first task to that worker in its answer to the start (eager start), instead of queueing it.
 */
export async function acquireNativeConnection(
  address: string,
  /** Where the SDK serves its metrics (TEMPORAL_METRICS_ADDRESS); '' for nowhere. The first call of the process decides. */
  metricsAddress = '',
): Promise<SharedNativeConnection> {
  installRuntime(metricsAddress);
  let acquire = connections.get(address);
  if (!acquire) {
    acquire = processShared(
      async () => ({ connection: await connectNative(address), workerQueues: new Set<string>() }),
      ({ connection }) => connection.close(),
    );
    connections.set(address, acquire);
  }
  const { value, release } = await acquire();
  return { ...value, release };
}

export async function temporalReachable(
  connection: Connection | NativeConnection,
): Promise<boolean> {
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  }
}
