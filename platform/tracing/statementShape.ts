/** A statement longer than this is cut in its span: a projector batch's can run to many kilobytes. */
const MAX_STATEMENT = 2_000;

/** String literals: standard ('it''s') and escape strings (E'a\\'b'), as pg's escapeLiteral writes them. */
const LITERALS = /E'(?:[^'\\]|''|\\[\s\S])*'|'(?:[^']|'')*'/g;

/**
 * What a span records of a statement: its text with every string literal as `?`, cut short. A
 * projector batch travels with its values written in (one round trip for many statements), and
 * those values are users' data (titles, comments, emails), which have no place in a trace; the
 * other statements carry their values as `$n` parameters, which pg's instrumentation leaves out.
 */
export function statementShape(text: string): string {
  const shape = text.includes("'") ? text.replace(LITERALS, '?') : text;
  return shape.length > MAX_STATEMENT ? `${shape.slice(0, MAX_STATEMENT)}…` : shape;
}
