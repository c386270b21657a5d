import type { Context, Middleware } from 'koa';
import { HttpError } from './errors';

declare module 'koa' {
  interface Request {
    json?: unknown;
    /** The body as received, for signatures computed over the exact bytes (webhooks). */
    rawBody?: string;
  }
}

/**
 * Reads a JSON body for writes. Over the limit it stops reading at once (413) rather than
 * buffering a megabyte of junk; anything that is not JSON is a 400.
 */
export function jsonBody(limitBytes: number): Middleware {
  return async (ctx, next) => {
    // Read once, whichever router got the request first.
    if (['POST', 'PATCH', 'PUT'].includes(ctx.method) && !('rawBody' in ctx.request)) ctx.request.json = await read(ctx, limitBytes);
    await next();
  };
}

async function read(ctx: Context, limit: number): Promise<unknown> {
  ctx.request.rawBody = '';
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) {
    ctx.set('Connection', 'close');
    throw new HttpError(413, `body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) {
        // Stop reading and close after answering, so the caller gets the 413 rather than a reset.
        ctx.set('Connection', 'close');
        throw new HttpError(413, `body is larger than ${limit} bytes`);
      }
      chunks.push(chunk);
    }
  } catch (err) {
    if (err instanceof HttpError) throw err;
    // The caller hung up before sending the whole body: their doing, not an error of ours to log.
    throw new HttpError(400, 'the request body was cut off');
  }
  const text = Buffer.concat(chunks).toString('utf8');
  ctx.request.rawBody = text;
  if (text.trim() === '') return undefined;
  if (!ctx.is('application/json') && !ctx.is('+json')) {
    throw new HttpError(415, 'body must be JSON (Content-Type: application/json)');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'body is not valid JSON');
  }
}
