import { randomUUID } from 'node:crypto';
import { IdFilter } from './idFilter';

describe('IdFilter', () => {
  it('never says no for an id it was given, across the parts it grows', () => {
    const filter = new IdFilter(1000);
    const ids = Array.from({ length: 20_000 }, () => randomUUID());
    for (const id of ids) filter.add(id);
    expect(filter.count).toBe(20_000);
    expect(ids.filter((id) => !filter.mightHave(id))).toEqual([]);
  });

  it('says maybe for about one id in a hundred it was never given, random or sequential', () => {
    const filter = new IdFilter(1000);
    for (let i = 0; i < 50_000; i++) filter.add(randomUUID());
    const strangers = Array.from({ length: 20_000 }, () => randomUUID());
    const random = strangers.filter((id) => filter.mightHave(id)).length / strangers.length;
    // Ids that share all but their last characters (a counter in a key) spread as well.
    const sequential = new IdFilter(1000);
    for (let i = 0; i < 50_000; i++) sequential.add(`command-${i}`);
    let maybes = 0;
    for (let i = 50_000; i < 70_000; i++) if (sequential.mightHave(`command-${i}`)) maybes++;
    expect(random).toBeLessThan(0.02);
    expect(maybes / 20_000).toBeLessThan(0.02);
  });

  it('costs a few bytes an id', () => {
    const filter = new IdFilter(64 * 1024);
    for (let i = 0; i < 500_000; i++) filter.add(`id-${i}`);
    // Parts double, so up to twice what the ids need is allotted ahead.
    expect(filter.bytes).toBeLessThan((500_000 * 16 * 2) / 8);
  });
});
