import { coresOf, type CpuSnapshot } from './cpu';

const snap = (at: number, secs: Record<string, number>): CpuSnapshot => ({
  at,
  machineBusy: 0,
  pids: Object.fromEntries(Object.entries(secs).map(([pid, s]) => [pid, { group: 'x', secs: s }])),
});

describe('coresOf', () => {
  it('sums only the named processes, a new one from zero, a gone one not at all', () => {
    const a = snap(0, { '1': 10, '2': 5, '3': 7, '9': 100 });
    const b = snap(2000, { '1': 11, '2': 5.5, '4': 0.5, '9': 101.8 });
    // 1: 1 s, 2: 0.5 s, 4 (new): 0.5 s, 3 (gone): nothing; 9 is not ours. 2 s over 2 s.
    expect(coresOf(a, b, ['1', '2', '3', '4', '2'])).toBe(1);
  });
});
