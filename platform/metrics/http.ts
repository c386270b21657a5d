import Router from '@koa/router';
import type Koa from 'koa';
import { contentType, exposition, metrics, metricsEnabled } from './registry';

/** What a request that matched no route is counted under: its path could be anything. */
export const UNMATCHED = 'unmatched';

/**
 * The route a request is counted under: the path template of the route the router matched
 * (`/api/v1/projects/:pid`), never the path itself, whose ids would make a series per id.
 */
export function routeLabel(ctx: Koa.Context): string {
  // Every layer whose path matched, prefixes' middleware (authentication, the body parser) too:
  // the route is the last one with methods, even when a middleware refused before it ran.
  const matched = (ctx as { matched?: unknown }).matched;
  const layers = Array.isArray(matched)
    ? (matched as Array<{ path?: unknown; methods?: unknown }>)
    : [];
  const routes = layers.filter(
    (l): l is { path: string; methods: string[] } =>
      typeof l.path === 'string' && Array.isArray(l.methods) && l.methods.length > 0,
  );
  const route =
    [...routes].reverse().find((l) => l.methods.includes(ctx.method)) ?? routes[routes.length - 1];
  return route?.path ?? UNMATCHED;
}

/**
 * The duration of every request, by method, route and status. Outermost, so the status is the
 * one the client got, after the error handler made it.
 */
export const httpMetrics: Koa.Middleware = async (ctx, next) => {
  const end = metrics.httpDuration.startTimer();
  try {
    await next();
  } finally {
    end({ method: ctx.method, route: routeLabel(ctx), status: String(ctx.status) });
  }
};

/** GET /metrics, in Prometheus's text format, on every role's port beside /healthz and /readyz. */
export function metricsRouter(): Router {
  const router = new Router();
  router.get('/metrics', async (ctx) => {
    if (!metricsEnabled) {
      // Said plainly, so a scraper pointed at a process started with METRICS=off is not left guessing.
      ctx.status = 404;
      ctx.body = { error: 'metrics are off (METRICS=off)' };
      return;
    }
    ctx.body = await exposition();
    ctx.type = contentType;
  });
  return router;
}
