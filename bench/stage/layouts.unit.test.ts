import { layoutList } from '../settings';
import { abbaOrder, summarizeLayouts, type LayoutWorkload } from './layouts';

const w = (layout: string, clients: number, writesPerSec: number, p50: number): LayoutWorkload => ({
  layout,
  start: 1,
  processes: [],
  clients,
  writesPerSec,
  latencyMs: { n: 10, p50, p90: p50 * 2, p99: p50 * 4, max: p50 * 5, mean: p50 },
  ok: 10,
  errors: 0,
  statuses: {},
  cpuCores: {},
  idleCores: {},
  machineCpuMsPerWrite: 1000 / writesPerSec,
  systemCpuMsPerWrite: 500 / writesPerSec,
  ownCpuMsPerWrite: null,
  disturbed: false,
});

describe('layouts stage', () => {
  it('alternates the layouts so each is as often first as second', () => {
    expect(abbaOrder(['all', 'split'], 2)).toEqual(['all', 'split', 'split', 'all']);
    expect(abbaOrder(['all', 'split'], 3)).toEqual([
      'all',
      'split',
      'split',
      'all',
      'all',
      'split',
    ]);
  });

  it('averages each layout over its starts and gives split over all per client count', () => {
    const { summary, comparison } = summarizeLayouts(
      [
        w('all', 1, 100, 8),
        w('split', 1, 120, 6),
        w('split', 1, 140, 6),
        w('all', 1, 100, 8),
        w('all', 8, 200, 20),
      ],
      ['all', 'split'],
      [1, 8],
    );
    expect(summary.find((s) => s.layout === 'split' && s.clients === 1)).toMatchObject({
      starts: 2,
      writesPerSec: 130,
      p50Ms: 6,
      p99Ms: 24,
      ownCpuMsPerWrite: null,
    });
    // 8 clients ran under `all` only: no ratio for it.
    expect(comparison).toEqual([
      {
        clients: 1,
        layouts: ['all', 'split'],
        writesPerSec: 1.3,
        p50Ms: 0.75,
        p99Ms: 0.75,
        machineCpuMsPerWrite: 0.77,
        ownCpuMsPerWrite: null,
      },
    ]);
  });
});

describe('BENCH_LAYOUTS', () => {
  it('takes named layouts by commas, and layouts of ones own by spaces or semicolons', () => {
    expect(layoutList('all,split')).toEqual(['all', 'split']);
    expect(layoutList('all split apps,components,projectors+reactors,processes')).toEqual([
      'all',
      'split',
      'apps,components,projectors+reactors,processes',
    ]);
    expect(layoutList('all;apps,components+projectors+reactors,processes')).toEqual([
      'all',
      'apps,components+projectors+reactors,processes',
    ]);
  });
});
