import { STATUS_CODES } from 'node:http';
import type { Middleware } from 'koa';
import { logger } from '../logger';
import { isTransient } from '../postgres/errors';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
  }
}

export const DATABASE_UNAVAILABLE = 'the database is unavailable, try again';

/** Failures closer together than this are one outage, said once. */
const OUTAGE_QUIET_MS = 10_000;
let lastDatabaseFailure = 0;

/**
 * The database cannot be reached (the server restarts, a connection was cut, no connection came
 * within the pool's timeout): the caller's retry will do, so it is a 503 with when to try again,
 * not a 500. Every request fails alike during an outage: one warning says so, not a stack each.
 */
function databaseUnavailable(err: unknown, path: string): void {
  const now = Date.now();
  if (now - lastDatabaseFailure > OUTAGE_QUIET_MS)
    logger.warn({ err: (err as Error).message, path }, 'database unavailable; answering 503');
  lastDatabaseFailure = now;
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
    // An error that carries its own status has been said already (LogUnavailable is a 503 too).
    if (typeof (err as { status?: unknown } | null)?.status !== 'number' && isTransient(err)) {
      databaseUnavailable(err, ctx.path);
      ctx.status = 503;
      ctx.set('Retry-After', '1');
      ctx.body = { error: DATABASE_UNAVAILABLE };
      return;
    }
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
