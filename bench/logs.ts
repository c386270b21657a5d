/**
 * The logs a run measures the system on (BENCH_LOGS): which one, and where its server is. The
 * helpers that write, read or replay a channel open it through the product's own choice
 * (connectEventLog), so they run on either log unchanged.
 */
import { jetstreamManager } from '@nats-io/jetstream';
import type { Config, EventLogKind } from '../platform/config';
import { connectEventLog } from '../platform/eventlog/connectEventLog';
import { connectNats, natsServers } from '../platform/eventlog/jetstreamConnection';
import type { LogSession } from '../platform/eventlog/port';
import type { LeaseProvider } from '../platform/lease';
import { natsServerPid, stanServerPid } from './cpu';
import { errorMessage, log } from './util';

/** A log and its servers; the channel prefix is chosen per use. */
export interface BenchLog {
  kind: EventLogKind;
  stan: { url: string; clusterId: string };
  nats: { url: string; streamReplicas: number };
}

export const benchLog = (config: Pick<Config, 'stan' | 'nats'>, kind: EventLogKind): BenchLog => ({
  kind,
  stan: { url: config.stan.url, clusterId: config.stan.clusterId },
  nats: { ...config.nats },
});

/** NATS Streaming at `stan`, for a caller that knows no other log (its JetStream server is never asked for). */
export const stanLog = (stan: { url: string; clusterId: string }): BenchLog => ({
  kind: 'stan',
  stan,
  nats: { url: '', streamReplicas: 1 },
});

/** A session on the log under `prefix`, as a role would open it. */
export const openLog = (
  l: BenchLog,
  o: { prefix: string; name: string; leases: LeaseProvider },
): Promise<LogSession> =>
  connectEventLog(
    { eventLog: l.kind, stan: { ...l.stan, channelPrefix: o.prefix }, nats: l.nats },
    { name: o.name, leases: o.leases },
  );

/**
 * What the system under test is told about its log. On JetStream the components run lease-free
 * (COMPONENT_WRITERS=shared): the mode that log is there for. Everything is set either way, so
 * an EVENT_LOG or COMPONENT_WRITERS in the bench's own environment never leaks into a side.
 */
export const logEnv = (l: BenchLog): NodeJS.ProcessEnv => ({
  EVENT_LOG: l.kind,
  STAN_URL: l.stan.url,
  STAN_CLUSTER_ID: l.stan.clusterId,
  NATS_URL: l.nats.url,
  NATS_STREAM_REPLICAS: String(l.nats.streamReplicas),
  COMPONENT_WRITERS: l.kind === 'jetstream' ? 'shared' : undefined,
});

/** The log's server process on this machine (the first server of its URL), to count its CPU as the run's own. */
export function logServerPid(l: BenchLog): string | null {
  const first = natsServers(l.kind === 'jetstream' ? l.nats.url : l.stan.url)[0];
  if (!first) return null;
  const { port } = new URL(first);
  return l.kind === 'jetstream' ? natsServerPid(port || '4222') : stanServerPid(port || '4222');
}

/** The JetStream server's version (the report names it), or null when it does not answer. */
export async function jetstreamVersion(url: string): Promise<string | null> {
  try {
    const nc = await connectNats({ servers: natsServers(url), name: 'bench-probe', timeout: 2000 });
    const version = nc.info?.version ?? null;
    await nc.close();
    return version;
  } catch {
    return null;
  }
}

/**
 * Deletes every stream whose subjects lie under `prefix` (a run's channels on a JetStream server
 * that outlives it: the machine's, or the dev stack's). Nothing to do on NATS Streaming, whose
 * server is the run's own and is thrown away with its store.
 */
export async function dropStreams(l: BenchLog, prefix: string): Promise<number> {
  if (l.kind !== 'jetstream') return 0;
  let dropped = 0;
  try {
    const nc = await connectNats({ servers: natsServers(l.nats.url), name: 'bench-cleanup' });
    try {
      const jsm = await jetstreamManager(nc);
      for await (const name of jsm.streams.names(`${prefix}>`)) {
        await jsm.streams.delete(name);
        dropped++;
      }
    } finally {
      await nc.close();
    }
  } catch (err) {
    log('could not delete the run streams', { prefix, error: errorMessage(err) });
  }
  return dropped;
}
