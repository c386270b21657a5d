import { testEventLog } from '../support/env';
import {
  NATS_SERVER_BINARY,
  natsServerBinaryPresent,
  startPrivateJetStream,
} from '../support/natsServer';
import { STAN_BINARY, stanBinaryPresent, startPrivateStan } from '../support/stanServer';

/**
 * The log server a scenario owns, of the kind the run chose (EVENT_LOG): a NATS Streaming
 * server, or a single JetStream server (nats-server -js). Either is killed and started again on
 * its store the same way, so one scenario measures both logs.
 */
export interface PrivateLog {
  /** What the roles need to find it (besides EVENT_LOG, which the test system sets). */
  env: Record<string, string>;
  /** kill -9: nothing is flushed or said goodbye to. */
  kill: () => Promise<void>;
  /** Starts it again on the same port and store. */
  start: () => Promise<void>;
  /** Stops it and removes its store. */
  remove: () => Promise<void>;
}

export async function startPrivateLog(name: string): Promise<PrivateLog> {
  if (testEventLog() === 'jetstream') {
    const js = await startPrivateJetStream();
    return { env: { NATS_URL: js.url }, kill: js.kill, start: js.start, remove: js.remove };
  }
  const stan = await startPrivateStan(name);
  return {
    env: { STAN_URL: stan.url, STAN_CLUSTER_ID: stan.clusterId },
    kill: stan.kill,
    start: stan.start,
    remove: stan.remove,
  };
}

/** Why this run cannot start its private log server (its binary is not built), or null. */
export function privateLogMissing(): string | null {
  const [present, binary] =
    testEventLog() === 'jetstream'
      ? [natsServerBinaryPresent(), NATS_SERVER_BINARY]
      : [stanBinaryPresent(), STAN_BINARY];
  return present ? null : `${binary} is missing: run scripts/dev-stack.sh tools`;
}
