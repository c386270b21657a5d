import type { Middleware } from 'koa';

// The frontend sends these on every call (Strict-Transport-Security included); the last two are ours.
const ALLOWED_HEADERS =
  'Authorization, Accept, Content-Type, Cache-Control, Strict-Transport-Security, If-Match, Idempotency-Key';
const ALLOWED_METHODS = 'GET, POST, PATCH, DELETE, OPTIONS';
// What a cross-origin page may read back besides the safelisted headers: the version to send as
// If-Match, where a creation is, and when to try again after a 503.
const EXPOSED_HEADERS = 'ETag, Location, Retry-After';

export function cors(allowedOrigin: string): Middleware {
  return async (ctx, next) => {
    const origin = ctx.get('Origin');
    if (origin) {
      ctx.set('Access-Control-Allow-Origin', allowedOrigin === '*' ? '*' : allowedOrigin);
      ctx.set('Access-Control-Expose-Headers', EXPOSED_HEADERS);
      ctx.vary('Origin');
    }
    if (ctx.method === 'OPTIONS' && ctx.get('Access-Control-Request-Method')) {
      ctx.set('Access-Control-Allow-Methods', ALLOWED_METHODS);
      ctx.set('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      ctx.set('Access-Control-Max-Age', '600');
      ctx.status = 200;
      ctx.body = {};
      return;
    }
    await next();
  };
}
