/** A statement longer than this is cut in its span: a projector batch's can run to many kilobytes. */
const MAX_STATEMENT = 2_000;

/** String literals: standard ('it''s') and escape strings (E'a\\'b'), as pg's escapeLiteral writes them. */
const LITERALS = /E'(?:[^'\\]|''|\\[\s\S])*'|'(?:[^']|'')*'/g;

const cut = (shape: string): string =>
  shape.length > MAX_STATEMENT ? `${shape.slice(0, MAX_STATEMENT)}…` : shape;

/**
 * What a span records of a statement: its text with every string literal as `?`, cut short. A
 * projector batch travels with its values written in (one round trip for many statements), and
 * those values are users' data (titles, comments, emails), which have no place in a trace; the
 * other statements carry their values as `$n` parameters, which pg's instrumentation leaves out.
 * Literals are replaced only as far as the cut: the rest of a long batch is never scanned.
 */
export function statementShape(text: string): string {
  if (!text.includes("'")) return cut(text);
  let shape = '';
  let from = 0;
  LITERALS.lastIndex = 0;
  while (shape.length <= MAX_STATEMENT) {
    const literal = LITERALS.exec(text);
    if (!literal) return cut(shape + text.slice(from));
    shape += `${text.slice(from, literal.index)}?`;
    from = LITERALS.lastIndex;
  }
  return cut(shape);
}
