import type { Context, Middleware } from 'koa';
import { HttpError } from './errors';

declare module 'koa' {
  interface Request {
    json?: unknown;
  }
}

/**
 * Reads a JSON body for writes. Over the limit it stops reading at once (413) rather than
 * buffering a megabyte of junk; anything that is not JSON is a 400.
 */
export function jsonBody(limitBytes: number): Middleware {
  return async (ctx, next) => {
    if (['POST', 'PATCH', 'PUT'].includes(ctx.method)) ctx.request.json = await read(ctx, limitBytes);
    await next();
  };
}

async function read(ctx: Context, limit: number): Promise<unknown> {
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) {
    ctx.set('Connection', 'close');
    throw new HttpError(413, `body is larger than ${limit} bytes`);
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of ctx.req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      // Stop reading and close after answering, so the caller gets the 413 rather than a reset.
      ctx.set('Connection', 'close');
      throw new HttpError(413, `body is larger than ${limit} bytes`);
    }
    chunks.push(chunk);
  }
  const text = Buffer.concat(chunks).toString('utf8');
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
