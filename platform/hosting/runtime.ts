import type Router from '@koa/router';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { StanEventLog } from '../eventlog/stanEventLog';
import type { ReadinessCheck } from '../http/health';
import type { LeaseProvider } from '../lease';
import { PostgresLeases } from '../postgres/lease';
import { createPool, isReachable } from '../postgres/pool';

/** What every role of a process shares: settings, the database pool, leases, log connections. */
export interface Runtime {
  config: Config;
  pool: Pool;
  leases: LeaseProvider;
  /** Each role gets its own log session; singleton roles use a fixed client id. */
  connectLog(clientId: string, connectTimeoutMs?: number): Promise<StanEventLog>;
  /** Something a role cannot recover from in place: the process must restart. */
  fatal(role: string, err: Error): void;
}

export interface RoleHandle {
  name: string;
  readiness: Record<string, ReadinessCheck>;
  /** API routes, mounted under /api/v1 behind authentication. */
  routes?: Router[];
  /** Routes under /api/v1 that authenticate otherwise (a provider's signed webhook). */
  publicRoutes?: Router[];
  stop(): Promise<void>;
}

export type RoleFactory = (rt: Runtime) => Promise<RoleHandle>;

export function createRuntime(config: Config, fatal: Runtime['fatal']): Runtime {
  const pool = createPool(config.databaseUrl, 20);
  return {
    config,
    pool,
    leases: new PostgresLeases(config.databaseUrl),
    fatal,
    connectLog: (clientId, connectTimeoutMs) =>
      StanEventLog.connect({
        connectTimeoutMs,
        url: config.stan.url,
        clusterId: config.stan.clusterId,
        clientId: `${config.stan.channelPrefix}${clientId}`,
        prefix: config.stan.channelPrefix,
        leases: new PostgresLeases(config.databaseUrl),
      }),
  };
}

export const postgresCheck = (pool: Pool): ReadinessCheck => () => isReachable(pool);
