import { verifiedTokens } from './verifiedTokens';

const at = 1_800_000_000_000;
const entry = (exp: number, key = 'k1') => ({ claims: { sub: 'u', exp }, kid: 'kid', key });

describe('verifiedTokens', () => {
  it('gives back a kept token until its exp, then forgets it', () => {
    const tokens = verifiedTokens<string>();
    tokens.keep('t', entry(at / 1000 + 10), at);
    expect(tokens.get('t', at + 9_999)).toMatchObject({ kid: 'kid', key: 'k1' });
    expect(tokens.get('t', at + 10_000)).toBeUndefined();
    expect(tokens.get('t', at)).toBeUndefined();
  });

  it('keeps nothing already expired or without a numeric exp', () => {
    const tokens = verifiedTokens<string>();
    tokens.keep('old', entry(at / 1000), at);
    tokens.keep('none', { claims: { sub: 'u' }, kid: undefined, key: 'k' }, at);
    tokens.keep('text', { claims: { exp: String(at / 1000 + 60) }, kid: undefined, key: 'k' }, at);
    expect(['old', 'none', 'text'].map((t) => tokens.get(t, at))).toEqual([
      undefined,
      undefined,
      undefined,
    ]);
  });

  it('holds at most its bound, dropping the oldest first', () => {
    const tokens = verifiedTokens<string>(3);
    for (const t of ['a', 'b', 'c', 'd']) tokens.keep(t, entry(at / 1000 + 60), at);
    expect(['a', 'b', 'c', 'd'].map((t) => tokens.get(t, at) !== undefined)).toEqual([
      false,
      true,
      true,
      true,
    ]);
  });

  it('hands out claims no request can change for the next', () => {
    const tokens = verifiedTokens<string>();
    tokens.keep('t', entry(at / 1000 + 60), at);
    const claims = tokens.get('t', at)?.claims as { sub: string };
    expect(() => {
      'use strict';
      claims.sub = 'someone else';
    }).toThrow(TypeError);
    expect((tokens.get('t', at)?.claims as { sub: string }).sub).toBe('u');
  });
});
