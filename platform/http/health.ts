import Router from '@koa/router';

/** Whether a dependency answers; a detail, when given, is shown to operators as it is. */
export type ReadinessCheck = () => Promise<boolean | Detail> | boolean | Detail;
export interface Detail {
  ok: boolean;
  detail: unknown;
}

export type ReadinessChecks =
  Record<string, ReadinessCheck> | (() => Record<string, ReadinessCheck>);

/** `/healthz`: the process answers. `/readyz`: every dependency this role needs answers too. */
export function healthRouter(checks: ReadinessChecks): Router {
  const router = new Router();
  router.get('/healthz', (ctx) => {
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    const results: Record<string, boolean> = {};
    const details: Record<string, unknown> = {};
    await Promise.all(
      Object.entries(typeof checks === 'function' ? checks() : checks).map(
        async ([name, check]) => {
          const result = await Promise.race([
            Promise.resolve()
              .then(check)
              .catch(() => false),
            new Promise<boolean>((r) => setTimeout(() => r(false), 2000)),
          ]);
          if (typeof result === 'boolean') results[name] = result;
          else {
            results[name] = result.ok;
            details[name] = result.detail;
          }
        },
      ),
    );
    const ready = Object.values(results).every(Boolean);
    const failing = Object.keys(results).filter((k) => !results[k]);
    // Only replays to finish: say so, so an operator does not go looking for an outage.
    const catchingUp =
      !ready &&
      failing.every((k) => typeof details[k] === 'string' && details[k].startsWith('catching up'));
    ctx.status = ready ? 200 : 503;
    ctx.body = {
      status: ready ? 'ready' : catchingUp ? 'catching up' : 'not ready',
      checks: results,
      ...(Object.keys(details).length ? { details } : {}),
    };
  });
  return router;
}
