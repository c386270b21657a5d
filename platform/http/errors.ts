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
    const e = err as Error & { status?: number; expose?: boolean; statusCode?: number; originalError?: Error };
    const ours = err instanceof HttpError ? err : null;
    let status = e.status ?? e.statusCode ?? 500;
    let message = status < 500 && (ours || e.expose) ? e.message : (STATUS_CODES[status] ?? 'Error');
    if (status === 401 && !ours) ({ status, message } = authFailure(e.originalError));
    if (status >= 500) logger.error({ err: e.originalError ?? e, path: ctx.path }, 'request failed');
    ctx.status = status;
    if (ours) ctx.set(ours.headers);
    ctx.body = { error: message };
  }
};

/**
 * Says why a token was refused without echoing the verifier's details (expected audience,
 * key-server addresses). A key server that cannot be reached is our outage, not a bad token:
 * 503, so the frontend does not log the user out.
 */
function authFailure(cause: Error | undefined): { status: number; message: string } {
  switch (cause?.name) {
    case undefined:
      return { status: 401, message: 'Unauthorized: no bearer token' };
    case 'TokenExpiredError':
      return { status: 401, message: 'Unauthorized: token expired' };
    case 'JwksError':
    case 'JwksRateLimitError':
      logger.error({ err: cause.message }, 'cannot read the signing keys');
      return { status: 503, message: 'signing keys unavailable, try again' };
    default:
      return { status: 401, message: 'Unauthorized: invalid token' };
  }
}
