import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import { logger } from '../logger';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

/**
 * Every failure leaves as `{ error }` with the status's standard reason phrase (the frontend
 * reads the status line); nothing internal reaches the caller.
 */
export const errorHandler: Middleware = async (ctx, next) => {
  try {
    await next();
    if (ctx.status === 404 && ctx.body === undefined) throw new HttpError(404, 'Not Found');
  } catch (err) {
    const e = err as Error & {
      status?: number;
      expose?: boolean;
      statusCode?: number;
      headers?: Record<string, string>;
    };
    const ours = err instanceof HttpError ? err : null;
    const status = e.status ?? e.statusCode ?? 500;
    const message =
      (status < 500 && ours) || e.expose ? e.message : (STATUS_CODES[status] ?? 'Error');
    // Our own 5xx answers that say what is going on (keys unavailable, being repaired) are no surprise.
    if (status >= 500 && !e.expose) logger.error({ err: e, path: ctx.path }, 'request failed');
    ctx.status = status;
    if (ours) ctx.set(ours.headers);
    // An outage said as is comes with when to try again (LogUnavailable's Retry-After).
    else if (e.expose && e.headers && typeof e.headers === 'object') ctx.set(e.headers);
    ctx.body = { error: message };
  }
};

/** Why a request's token was refused. */
export type AuthFailure = 'no token' | 'expired' | 'invalid' | 'unknown key' | 'keys unavailable';

/**
 * Says why a token was refused without echoing the verifier's details (expected audience,
 * key-server addresses). A key server that cannot be reached is our outage, not a bad token:
 * 503, so the frontend does not log the user out.
 */
export function authFailure(reason: AuthFailure): HttpError {
  switch (reason) {
    case 'no token':
      return new HttpError(401, 'Unauthorized: no bearer token');
    case 'expired':
      return new HttpError(401, 'Unauthorized: token expired');
    case 'unknown key':
      return new HttpError(401, 'Unauthorized: unknown signing key');
    case 'keys unavailable':
      // Said as is, though a 5xx: the frontend reads it as "retry", not "log out".
      return Object.assign(new HttpError(503, 'signing keys unavailable, try again'), {
        expose: true,
      });
    case 'invalid':
      return new HttpError(401, 'Unauthorized: invalid token');
  }
}
