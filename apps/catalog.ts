import type Router from '@koa/router';
import type { AppDeps } from '../platform/runtime/roles';
import { providerFrom } from '../platform/payments/providerFrom';
import { estimationRoutes } from './estimation/routes';
import { identityRoutes } from './identity/routes';
import { paymentsRoutes, paymentWebhookRoutes } from './payments/routes';
import { projectsRoutes } from './projects/routes';
import { teamsRoutes } from './teams/routes';

export interface AppRoutes {
  /** Behind the bearer token. */
  routes(deps: AppDeps): Router[];
  /** Without it (a signed webhook). */
  publicRoutes?(deps: AppDeps): Router[];
}

/** The routers each context's app serves: what its role mounts, and what the document is held to. */
export const APPS = {
  identity: { routes: ({ pool, commands }) => [identityRoutes(pool, commands)] },
  projects: { routes: ({ pool, commands }) => [projectsRoutes(pool, commands)] },
  teams: {
    routes: ({ pool, commands, config }) => [
      teamsRoutes(pool, commands, {
        inviteTtlMs: config.inviteTtlMs,
        writeWaitMs: config.writeWaitMs,
      }),
    ],
  },
  estimation: {
    routes: ({ pool, commands, config }) => [
      estimationRoutes(pool, commands, {
        reminderBeforeMs: config.processes.estimateReminderBeforeMs,
      }),
    ],
  },
  payments: {
    routes: ({ pool, commands, config }) => [
      paymentsRoutes(pool, commands, config.stripe !== null),
    ],
    publicRoutes: ({ log, config }) => [paymentWebhookRoutes(log, providerFrom(config))],
  },
} satisfies Record<string, AppRoutes>;
