import type Router from '@koa/router';
import type { Pool } from 'pg';
import type { Config } from '../config';
import { connectEventLog } from '../eventlog/connectEventLog';
import type { LogSession } from '../eventlog/port';
import type { ReadinessCheck } from '../http/health';
import type { LeaseProvider } from '../lease';
import { PostgresLeases } from '../postgres/lease';
import { createPool, isReachable } from '../postgres/pool';
import { processShared } from '../processShared';
import { OutcomeWaiter } from '../outcomes/outcomes';

/** What every role of a process shares: settings, the database pool, leases, log connections. */
export interface Runtime {
  config: Config;
  pool: Pool;
  leases: LeaseProvider;
  /** Each role gets its own log session, on the log the config names (EVENT_LOG). */
  connectLog(clientId: string, connectTimeoutMs?: number): Promise<LogSession>;
  /**
   * The process's one outcome listener, shared by its roles: each announcement reaches the
   * process once however many of its roles wait for outcomes (all of them, under `npm start`).
   */
  acquireOutcomes(): Promise<SharedOutcomes>;
  /** Something a role cannot recover from in place: the process must restart. */
  fatal(role: string, err: Error): void;
}

export interface SharedOutcomes {
  waiter: OutcomeWaiter;
  /** The listener stops when its last role lets go. */
  release(): Promise<void>;
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
  const outcomes = processShared(
    async () => {
      const waiter = new OutcomeWaiter(pool, config.databaseUrl);
      try {
        await waiter.start();
      } catch (err) {
        await waiter.stop();
        throw err;
      }
      return waiter;
    },
    (waiter) => waiter.stop(),
  );
  return {
    config,
    pool,
    async acquireOutcomes() {
      const { value, release } = await outcomes();
      return { waiter: value, release };
    },
    leases: new PostgresLeases(config.databaseUrl),
    fatal,
    connectLog: (clientId, connectTimeoutMs) =>
      connectEventLog(config, {
        name: `${config.stan.channelPrefix}${clientId}`,
        leases: new PostgresLeases(config.databaseUrl),
        connectTimeoutMs,
      }),
  };
}

export const postgresCheck =
  (pool: Pool): ReadinessCheck =>
  () =>
    isReachable(pool);
