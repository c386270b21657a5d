import * as stan from 'node-nats-streaming';
import { logger } from '../logger';

export interface StanSettings {
  /** One server, or every node of a cluster separated by commas; the first is tried first. */
  url: string;
  clusterId: string;
  clientId: string;
  /** Give up connecting after this long; the supervisor (or `npm start`) tries again. */
  connectTimeoutMs?: number;
}

const sanitize = (id: string) => id.replace(/[^A-Za-z0-9_-]/g, '_').slice(0, 200);

/** The servers of a comma-separated `url`: the first to try, and the others of the cluster. */
export function stanServers(url: string): { first: string; others: string[] } {
  const [first = '', ...others] = url
    .split(',')
    .map((u) => u.trim())
    .filter((u) => u !== '');
  return { first, others };
}

/**
 * Connects, retrying while the server is not up yet. A client id that is still registered by a
 * process that died is freed by the server's check within half a second, so retries cover it.
 */
export async function connectStan(settings: StanSettings): Promise<stan.Stan> {
  const deadline = Date.now() + (settings.connectTimeoutMs ?? 30_000);
  const clientId = sanitize(settings.clientId);
  const { first, others } = stanServers(settings.url);
  for (let attempt = 1; ; attempt++) {
    try {
      return await new Promise<stan.Stan>((resolve, reject) => {
        const sc = stan.connect(settings.clusterId, clientId, {
          url: first,
          // The other nodes of a cluster: a session whose node goes reconnects to one of them and
          // carries on (the cluster keeps the session), instead of waiting for that node.
          ...(others.length > 0 ? { servers: others } : {}),
          // A server that is still opening its store does not answer at once: ask again soon.
          connectTimeout: 1000,
          ackTimeout: 10_000,
          // A dropped socket is noticed at once ('disconnect'); the session itself is given 10 s,
          // so it outlives a server restarted on its store, and subscriptions resume in place.
          stanPingInterval: 2000,
          stanMaxPingOut: 5,
          maxReconnectAttempts: -1,
          reconnectTimeWait: 250,
        });
        const onError = (err: Error) => {
          sc.removeAllListeners();
          try {
            sc.close();
          } catch {
            /* a connection that never opened has nothing to close */
          }
          reject(err);
        };
        sc.once('error', onError);
        sc.once('connect', () => {
          sc.removeListener('error', onError);
          resolve(sc);
        });
      });
    } catch (err) {
      if (Date.now() > deadline) throw err;
      if (attempt === 1 || attempt % 10 === 0) {
        logger.warn({ err: (err as Error).message, clientId }, 'waiting for NATS Streaming');
      }
      // Short steps: a server back from a restart is found within a quarter second.
      await new Promise((r) => setTimeout(r, Math.min(250, 50 * attempt)));
    }
  }
}
