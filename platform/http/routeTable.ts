import Router from '@koa/router';
import type { Static, TSchema } from '@sinclair/typebox';
import type { Context } from 'koa';
import type { Operation } from '../../contracts/http/operation';
import { validate } from '../validation';
import { HttpError } from './errors';

/** The body a route's handler gets: checked against the route's schema, or nothing. */
export type BodyOf<O extends Operation> = O extends { body: infer B extends TSchema }
  ? Static<B>
  : undefined;

export type Handlers<T extends Record<string, Operation>> = {
  [K in keyof T]: (ctx: Context, body: BodyOf<T[K]>) => Promise<void> | void;
};

/**
 * A router built from a route table: each operation's method and path, its body checked against
 * its schema before the handler runs (400 naming the problem). What the document says a route
 * takes is what it takes, and a table and its handlers cannot leave one another behind.
 */
export function routerOf<T extends Record<string, Operation>>(
  table: T,
  handlers: Handlers<T>,
): Router {
  const router = new Router();
  for (const [name, op] of Object.entries(table)) {
    const handle = handlers[name as keyof T];
    router[op.method](op.path, async (ctx) => {
      await handle(ctx, bodyOf(ctx, op) as BodyOf<T[keyof T]>);
    });
  }
  return router;
}

function bodyOf(ctx: Context, op: Operation): unknown {
  if (!op.body) return undefined;
  if (op.bodyOptional && ctx.request.json === undefined) return {};
  const checked = validate(op.body, ctx.request.json);
  if (!checked.ok) throw new HttpError(400, checked.error);
  return checked.value;
}
