import type { TSchema } from '@sinclair/typebox';
import type { Context } from 'koa';
import { validate } from '../validation';
import { HttpError } from './errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/**
 * The request's JSON body, checked against its schema; 400 naming the problem otherwise. The type
 * a caller names must be one the schema proves.
 */
export function readBody<T>(
  ctx: Context,
  schema: TSchema & { static: NoInfer<T> },
  { optional = false } = {},
): T {
  if (optional && ctx.request.json === undefined) return {} as T;
  const checked = validate(schema, ctx.request.json);
  if (!checked.ok) throw new HttpError(400, checked.error);
  return checked.value;
}

/**
 * A path id, in the one spelling ids have in streams and views (lower case): `ABC…` and `abc…`
 * name the same thing, in reads, writes and checks alike. Anything that is not one names nothing
 * that exists (404).
 */
export function idParam(ctx: Context, name: string, what: string): string {
  // Koa's Context, which the handlers are typed with, does not declare the router's params.
  const params: unknown = ctx.params;
  const v =
    typeof params === 'object' && params !== null
      ? (params as Record<string, unknown>)[name]
      : undefined;
  if (typeof v !== 'string' || !UUID.test(v)) throw new HttpError(404, `no such ${what}`);
  return v.toLowerCase();
}
