import pg from 'pg';
import { inlined, literal } from './inlined';
import { isBlindWrite } from './writeBehind';

describe('inlined', () => {
  it('writes parameters in as pg would send them, quoted and untyped', () => {
    expect(
      inlined('SELECT $1::int, $2, $3::uuid[], $4::jsonb, $10', [
        3,
        "it's",
        ['a', 'b"c'],
        { x: 1 },
        5,
        6,
        7,
        8,
        9,
        null,
      ]),
    ).toBe(`SELECT '3'::int, 'it''s',  E'{"a","b\\\\"c"}'::uuid[], '{"x":1}'::jsonb, NULL`);
  });

  it('escapes backslashes and leaves quotes, identifiers, comments and dollar quotes alone', () => {
    expect(literal('a\\b')).toBe(" E'a\\\\b'");
    expect(literal(true)).toBe("'true'");
    expect(literal(Buffer.from([1, 255]))).toBe("'\\x01ff'");
    expect(inlined(`SELECT '$1', "$1", $1 -- $1\n, /* $1 */ $$ $1 $$, $q$ $1 $q$`, [2])).toBe(
      `SELECT '$1', "$1", '2' -- $1\n, /* $1 */ $$ $1 $$, $q$ $1 $q$`,
    );
  });

  it('refuses a statement that names a value it was not given', () => {
    expect(() => inlined('SELECT $2', [1])).toThrow(/\$2/);
  });
});

describe('isBlindWrite', () => {
  it('holds back writes that ask for nothing, never reads', () => {
    expect(isBlindWrite('INSERT INTO a VALUES (1)')).toBe(true);
    expect(isBlindWrite('  update a set x = 1')).toBe(true);
    expect(isBlindWrite('DELETE FROM a')).toBe(true);
    expect(isBlindWrite('WITH x AS (DELETE FROM a) SELECT 1')).toBe(true);
    expect(isBlindWrite('WITH x AS (INSERT INTO a SELECT 1) SELECT 1')).toBe(true);
    expect(isBlindWrite('INSERT INTO a VALUES (1) RETURNING id')).toBe(false);
    expect(isBlindWrite('SELECT updated_at FROM a')).toBe(false);
    expect(isBlindWrite('WITH x AS (SELECT updated_at FROM a) SELECT * FROM x')).toBe(false);
  });
});

describe('literal, against pg.escapeLiteral', () => {
  it('quotes exactly as pg does, on quotes, backslashes and both', () => {
    for (const text of [
      'plain',
      "it's",
      'a\\b',
      "a\\'b''c\\\\",
      '',
      "'",
      '\\',
      'ünï ✓ \u{1F600}',
      '{"a":"b\\"c"}',
    ])
      expect(literal(text)).toBe(pg.escapeLiteral(text));
  });
});
