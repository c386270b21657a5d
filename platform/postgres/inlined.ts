import pg from 'pg';

/**
 * pg's own conversion of a parameter to the text it sends (arrays as array literals, objects as
 * JSON, dates with their offset), so an inlined value means what the parameter meant.
 */
const { prepareValue } = (pg as unknown as { utils: { prepareValue: (v: unknown) => unknown } })
  .utils;

/**
 * A parameter as a literal. Quoted and untyped, as pg sends parameters (text, type left to the
 * server): `'3'` becomes whatever `$1` would have, an int, a bigint or a text.
 */
export function literal(value: unknown): string {
  const prepared = prepareValue(value);
  if (prepared === null || prepared === undefined) return 'NULL';
  if (Buffer.isBuffer(prepared)) return `'\\x${prepared.toString('hex')}'`;
  // prepareValue answers text, or a Buffer for bytes (above).
  return quoted(prepared as string);
}

/**
 * pg's escapeLiteral, to the character, without its loop: that one adds a character at a time, and
 * on a rebuild's batch (a megabyte of JSON) the garbage collector took a third of the process.
 */
function quoted(text: string): string {
  const doubled = text.replace(/'/g, "''");
  return text.includes('\\') ? ` E'${doubled.replace(/\\/g, '\\\\')}'` : `'${doubled}'`;
}

/** Where the scan of a statement may have something to do: quotes, comments, parameters. */
const SPECIAL = /['"\-/$]/g;

/**
 * The statement with its `$n` parameters written in as literals, so that several statements can
 * travel in one simple-protocol query: one round trip where the extended protocol takes one per
 * statement. `$n` inside quotes, quoted identifiers, comments and dollar quotes is left alone.
 */
export function inlined(text: string, values: readonly unknown[] = []): string {
  let out = '';
  let i = 0;
  const n = text.length;
  const copyUntil = (end: number) => {
    const stop = end < 0 ? n : end;
    out += text.slice(i, stop);
    i = stop;
  };
  while (i < n) {
    const c = text[i];
    const next = text[i + 1];
    if (c === "'" || c === '"') {
      // '' and "" inside are an escaped quote: the scan simply closes and reopens.
      copyUntil(text.indexOf(c, i + 1) + 1 || n);
    } else if (c === '-' && next === '-') {
      copyUntil(text.indexOf('\n', i));
    } else if (c === '/' && next === '*') {
      const end = text.indexOf('*/', i + 2);
      copyUntil(end < 0 ? n : end + 2);
    } else if (c === '$' && next !== undefined && /[0-9]/.test(next)) {
      const m = /^\$(\d+)/.exec(text.slice(i, i + 12));
      const index = Number(m?.[1] ?? 0);
      if (index < 1 || index > values.length)
        throw new Error(`statement names $${index}, but ${values.length} values were given`);
      out += literal(values[index - 1]);
      i += (m?.[0] ?? '').length;
    } else if (c === '$') {
      const tag = /^\$[A-Za-z_]*\$/.exec(text.slice(i));
      if (tag) {
        const end = text.indexOf(tag[0], i + tag[0].length);
        copyUntil(end < 0 ? n : end + tag[0].length);
      } else {
        out += '$';
        i++;
      }
    } else {
      // Ordinary text (or a lone - or /): copied up to the next character that may matter.
      SPECIAL.lastIndex = i + 1;
      copyUntil(SPECIAL.exec(text)?.index ?? n);
    }
  }
  return out;
}
