import '../contracts/formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';

export type Validated<T> = { ok: true; value: T } | { ok: false; error: string };

const compiled = new WeakMap<TSchema, TypeCheck<TSchema>>();

function checker<S extends TSchema>(schema: S): TypeCheck<S> {
  let check = compiled.get(schema);
  if (!check) {
    check = TypeCompiler.Compile(schema);
    compiled.set(schema, check);
  }
  return check as TypeCheck<S>;
}

/** Checks a value against its contract and names the first problem the way a caller can fix it. */
export function validate<S extends TSchema>(schema: S, value: unknown, what = 'body'): Validated<Static<S>> {
  const check = checker(schema);
  if (check.Check(value)) return { ok: true, value };
  const first = check.Errors(value).First();
  if (!first) return { ok: false, error: `${what} is invalid` };
  const where = first.path ? `${what}${first.path.replace(/\//g, '.')}` : what;
  if (first.message.startsWith('Unexpected property') || first.type === 42) {
    return { ok: false, error: `${where}: unknown field` };
  }
  if (first.value === undefined && first.path) return { ok: false, error: `${where} is required` };
  return { ok: false, error: `${where}: ${first.message.toLowerCase()}` };
}
