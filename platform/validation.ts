import { FORMAT_PROBLEMS } from '../contracts/formats';
import type { Static, TSchema } from '@sinclair/typebox';
import { TypeCompiler, type TypeCheck } from '@sinclair/typebox/compiler';
import { ValueErrorType, type ValueError } from '@sinclair/typebox/errors';

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

/**
 * The error a caller can act on. A union (`email or null`, `https URL or empty`) reports only
 * "expected union value"; the branch that broke a format says what is actually wrong.
 */
function mostTelling(error: ValueError): ValueError {
  if (error.type !== ValueErrorType.Union) return error;
  for (const branch of error.errors) {
    for (const inner of branch)
      if (
        inner.type === ValueErrorType.StringFormat ||
        inner.type === ValueErrorType.StringMaxLength
      )
        return inner;
  }
  return error;
}

/** Checks a value against its contract and names the first problem the way a caller can fix it. */
export function validate<S extends TSchema>(
  schema: S,
  value: unknown,
  what = 'body',
): Validated<Static<S>> {
  const check = checker(schema);
  if (check.Check(value)) return { ok: true, value };
  const found = check.Errors(value).First();
  if (!found) return { ok: false, error: `${what} is invalid` };
  const first = mostTelling(found);
  const where = first.path ? `${what}${first.path.replace(/\//g, '.')}` : what;
  if (
    first.message.startsWith('Unexpected property') ||
    first.type === ValueErrorType.ObjectAdditionalProperties
  ) {
    return { ok: false, error: `${where}: unknown field` };
  }
  if (first.value === undefined && first.path) return { ok: false, error: `${where} is required` };
  const format = (first.schema as { format?: string }).format;
  if (first.type === ValueErrorType.StringFormat && format && FORMAT_PROBLEMS[format]) {
    return { ok: false, error: `${where} ${FORMAT_PROBLEMS[format]}` };
  }
  return { ok: false, error: `${where}: ${first.message.toLowerCase()}` };
}
