import { Client, Connection } from '@temporalio/client';

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

export async function temporalReachable(connection: Connection): Promise<boolean> {
  try {
    await connection.workflowService.getSystemInfo({});
    return true;
  } catch {
    return false;
  }
}
