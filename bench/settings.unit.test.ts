import { logList } from './settings';

describe('logList (BENCH_LOGS)', () => {
  it('keeps the order given, once each', () => {
    expect(logList('stan,jetstream')).toEqual(['stan', 'jetstream']);
    expect(logList(' JetStream , stan,jetstream')).toEqual(['jetstream', 'stan']);
    expect(logList('jetstream')).toEqual(['jetstream']);
  });

  it('refuses a log it does not know, or none', () => {
    expect(() => logList('stan,kafka')).toThrow(/BENCH_LOGS/);
    expect(() => logList(' , ')).toThrow(/BENCH_LOGS/);
  });
});
