import type { Config } from '../config';
import type { LeaseProvider } from '../lease';
import { JetStreamEventLog } from './jetstreamEventLog';
import type { LogSession } from './port';
import { StanEventLog } from './stanEventLog';

/** What picks the log and finds its servers: the roles pass their config, tests theirs. */
export type EventLogSettings = Pick<Config, 'eventLog' | 'stan' | 'nats'>;

/**
 * One session on the log the settings name (EVENT_LOG). The only place that decides, so the
 * roles and the tests that read behind them always open the same kind of log.
 */
export function connectEventLog(
  settings: EventLogSettings,
  session: { name: string; leases: LeaseProvider; connectTimeoutMs?: number },
): Promise<LogSession> {
  const prefix = settings.stan.channelPrefix;
  return settings.eventLog === 'jetstream'
    ? JetStreamEventLog.connect({
        connectTimeoutMs: session.connectTimeoutMs,
        url: settings.nats.url,
        replicas: settings.nats.streamReplicas,
        name: session.name,
        prefix,
        leases: session.leases,
      })
    : StanEventLog.connect({
        connectTimeoutMs: session.connectTimeoutMs,
        url: settings.stan.url,
        clusterId: settings.stan.clusterId,
        clientId: session.name,
        prefix,
        leases: session.leases,
      });
}
