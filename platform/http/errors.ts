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
    const status = e.status ?? e.statusCode ?? 500;
    let message = status < 500 && (e instanceof HttpError || e.expose) ? e.message : (STATUS_CODES[status] ?? 'Error');
    if (status === 401) message = `Unauthorized: ${e.originalError?.message ?? e.message}`;
    if (status >= 500) logger.error({ err: e, path: ctx.path }, 'request failed');
    ctx.status = status;
    if (e instanceof HttpError) ctx.set(e.headers);
    ctx.body = { error: message };
  }
};
