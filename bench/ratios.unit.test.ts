import { percent, rawBody, sharesOfRaw } from './ratios';

describe('sharesOfRaw', () => {
  const raw = [
    { clients: 1, writesPerSec: 2000 },
    { clients: 8, writesPerSec: 5000 },
    { clients: 32, writesPerSec: 0 },
  ];

  it('divides by raw at the same concurrency', () => {
    const [a, b] = sharesOfRaw(
      [
        { what: 'boards', clients: 1, perSec: 150 },
        { what: 'boards', clients: 8, perSec: 500 },
      ],
      raw,
    );
    expect(a).toEqual({ what: 'boards', clients: 1, perSec: 150, rawPerSec: 2000, share: 0.075 });
    expect(b!.share).toBe(0.1);
  });

  it('says "no raw at N" rather than borrowing another concurrency', () => {
    const [s] = sharesOfRaw([{ what: 'approvals', clients: 24, perSec: 20 }], raw);
    expect(s).toMatchObject({ rawPerSec: null, share: null, note: 'no raw at 24' });
  });

  it('gives no share when raw measured nothing', () => {
    const [s] = sharesOfRaw([{ what: 'users', clients: 32, perSec: 800 }], raw);
    expect(s).toMatchObject({ rawPerSec: 0, share: null, note: 'raw measured no INSERT' });
  });

  it('rounds to four decimals and prints percents', () => {
    const [s] = sharesOfRaw(
      [{ what: 'x', clients: 1, perSec: 1 }],
      [{ clients: 1, writesPerSec: 3 }],
    );
    expect(s!.share).toBe(0.3333);
    expect(percent(s!.share)).toBe('33.3%');
    expect(percent(null)).toBe('?');
  });
});

describe('rawBody', () => {
  it('is valid JSON of exactly the size asked for', () => {
    for (const i of [0, 7, 123_456, 10 ** 13 + 5]) {
      const body = rawBody(i);
      expect(body).toHaveLength(200);
      expect(JSON.parse(body)).toMatchObject({ title: `Task ${i}` });
    }
    expect(rawBody(1, 300)).toHaveLength(300);
  });
});
