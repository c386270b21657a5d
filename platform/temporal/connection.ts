import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
}

/** A client for the dispatcher and tests; retries while the dev server is still starting. */
export async function connectTemporal(settings: TemporalSettings, timeoutMs = 30_000): Promise<{ client: Client; connection: Connection }> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const connection = await Connection.connect({ address: settings.address, connectTimeout: 2000 });
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
export async function connectNative(address: string, timeoutMs = 30_000): Promise<NativeConnection> {
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

export async function temporalReachable(connection: Connection | NativeConnection): Promise<boolean> {
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  }
}
