import { connect as connectNode } from '@nats-io/transport-node';
import type { ConnectionOptions, NatsConnection } from '@nats-io/nats-core';
import { jetstreamManager } from '@nats-io/jetstream';
import { logger } from '../logger';
import { asError } from '../errors';

export interface JetStreamSettings {
  /** One server, or every node of a cluster separated by commas; the client tries them all. */
  url: string;
  /** The connection's name, as the server's monitoring shows it. */
  name: string;
  /** Give up connecting after this long; the supervisor (or `npm start`) tries again. */
  connectTimeoutMs?: number;
}

/**
 * The transport's declarations name their types through `@nats-io/nats-core/internal`, which the
 * project's module resolution (node10) cannot follow: the same types, from the package's root.
 */
export const connectNats = connectNode as unknown as (
  options: ConnectionOptions,
) => Promise<NatsConnection>;

export const natsServers = (url: string): string[] =>
  url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');

/**
 * Connects, retrying while the server is not up yet, and checks that JetStream answers (a plain
 * NATS server would take the publishes and store nothing). Once connected the client reconnects
 * by itself, for ever: there is no session to lose, as there is on NATS Streaming.
 */
export async function connectJetStream(settings: JetStreamSettings): Promise<NatsConnection> {
  const deadline = Date.now() + (settings.connectTimeoutMs ?? 30_000);
  for (let attempt = 1; ; attempt++) {
    let nc: NatsConnection | undefined;
    try {
      const opened = await connectNats({
        servers: natsServers(settings.url),
        name: settings.name,
        timeout: 1000,
        maxReconnectAttempts: -1,
        reconnectTimeWait: 250,
        // A dead server is noticed within seconds even when its socket stays open.
        pingInterval: 2000,
        maxPingOut: 3,
        // Otherwise every request and publish builds an Error up front, for its stack should it
        // fail: a sixth of a component's CPU per command, for a stack our own errors give anyway.
        noAsyncTraces: true,
      });
      nc = opened;
      // $JS.API.INFO: fails at once when the server runs without JetStream.
      await (await jetstreamManager(opened, { timeout: 2000 })).getAccountInfo();
      return opened;
    } catch (err) {
      await nc?.close().catch(() => undefined);
      if (Date.now() > deadline) throw asError(err);
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ err: asError(err).message, name: settings.name }, 'waiting for JetStream');
      }
      await new Promise((r) => setTimeout(r, Math.min(250, 50 * attempt)));
    }
  }
}
