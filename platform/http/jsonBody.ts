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
 * Reads a JSON body for writes. Over the limit it stops keeping it at once (413) rather than
 * buffering a megabyte of junk; anything that is not JSON is a 400.
 */
export function jsonBody(limitBytes: number): Middleware {
  return async (ctx, next) => {
    // Read once, whichever router got the request first.
    if (['POST', 'PATCH', 'PUT'].includes(ctx.method) && !('rawBody' in ctx.request))
      ctx.request.json = await read(ctx, limitBytes);
    await next();
  };
}

/** Past this much, the rest of a body over the limit is cut off rather than read and dropped. */
const DRAIN_BYTES = 16 * 1024 * 1024;

/**
 * The 413 for a body over the limit, while the rest of it is read and dropped: closing at once
 * resets a client that is still sending, which then never reads the answer (EPIPE). A client
 * that sends more than DRAIN_BYTES is cut off.
 */
function tooLarge(ctx: Context, limit: number): HttpError {
  let dropped = 0;
  ctx.req.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > DRAIN_BYTES) ctx.req.socket.destroy();
  });
  ctx.req.resume();
  return new HttpError(413, `body is larger than ${limit} bytes`);
}

async function read(ctx: Context, limit: number): Promise<unknown> {
  ctx.request.rawBody = '';
  const declared = Number(ctx.get('Content-Length') || 0);
  if (declared > limit) throw tooLarge(ctx, limit);
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    // Leaving the loop must not destroy the request: its socket carries the 413.
    for await (const chunk of ctx.req.iterator({
      destroyOnReturn: false,
    }) as AsyncIterable<Buffer>) {
      size += chunk.length;
      if (size > limit) throw tooLarge(ctx, limit);
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
