import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join, normalize } from 'node:path';
import { repoPath } from '../platform/paths';

/**
 * The dependency rules of docs/architecture.md ("Rules that stay true"), checked on every import
 * of the product code (tests, bench, scripts and deploy checks may reach anywhere). A rule
 * broken here is a layout that no longer tells the truth.
 */

const root = repoPath();
const IMPORT =
  /(?:^|\n)\s*(?:import|export)[^'"`;]*?from\s*['"]([^'"]+)['"]|(?:^|\n)\s*import\s*['"]([^'"]+)['"]|\brequire\(\s*['"]([^'"]+)['"]\s*\)|\bimport\(\s*['"]([^'"]+)['"]\s*\)/g;

interface Edge {
  from: string;
  /** A repository path (`platform/http/errors`) or a package name (`@temporalio/workflow`). */
  to: string;
  local: boolean;
}

function productFiles(): string[] {
  const tracked = execFileSync('git', ['ls-files', '*.ts'], { cwd: root, encoding: 'utf8' })
    .split('\n')
    .filter(Boolean);
  return tracked.filter(
    (f) =>
      !/\.test\.ts$|\.fixture\.ts$|\.contract\.ts$/.test(f) &&
      !/^(test|bench|scripts|deploy)\//.test(f),
  );
}

function edgesOf(file: string): Edge[] {
  const text = readFileSync(join(root, file), 'utf8');
  const edges: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[1] ?? m[2] ?? m[3] ?? m[4]!;
    if (spec.startsWith('.'))
      edges.push({ from: file, to: normalize(join(dirname(file), spec)), local: true });
    else
      edges.push({
        from: file,
        to: spec.startsWith('node:')
          ? spec
          : spec
              .split('/')
              .slice(0, spec.startsWith('@') ? 2 : 1)
              .join('/'),
        local: false,
      });
  }
  return edges;
}

const role = (path: string): string => path.split('/')[0]!;
const all = productFiles().flatMap(edgesOf);
const from = (r: string) => all.filter((e) => role(e.from) === r);
const show = (edges: Edge[]) => edges.map((e) => `${e.from} -> ${e.to}`);

describe('the layout', () => {
  it('finds the product code it checks', () => {
    for (const r of [
      'apps',
      'components',
      'projectors',
      'reactors',
      'contracts',
      'dispatcher',
      'workflows',
      'activities',
      'platform',
    ]) {
      expect({ role: r, files: from(r).length > 0 }).toEqual({ role: r, files: true });
    }
  });

  it('contracts depend on nothing but TypeBox and Node', () => {
    const out = from('contracts').filter((e) =>
      e.local ? role(e.to) !== 'contracts' : !['@sinclair/typebox', 'node:crypto'].includes(e.to),
    );
    expect(show(out)).toEqual([]);
  });

  it('platform is below everything and knows no business: it imports no role above it', () => {
    const business = [
      'apps',
      'components',
      'projectors',
      'reactors',
      'dispatcher',
      'workflows',
      'activities',
    ];
    expect(show(from('platform').filter((e) => e.local && business.includes(role(e.to))))).toEqual(
      [],
    );
  });

  it('components are pure rules: contracts and the Decider type, no I/O library', () => {
    const out = from('components').filter((e) =>
      e.local
        ? !['components', 'contracts'].includes(role(e.to)) && e.to !== 'platform/decider'
        : e.to !== '@sinclair/typebox',
    );
    expect(show(out)).toEqual([]);
  });

  it('imports go down: apps -> projectors (queries only) -> components -> contracts', () => {
    const up = (r: string, above: string[]) =>
      from(r).filter((e) => e.local && above.includes(role(e.to)));
    const roles = ['apps', 'reactors', 'dispatcher', 'workflows', 'activities'];
    expect(show(up('projectors', roles))).toEqual([]);
    expect(show(up('components', [...roles, 'projectors']))).toEqual([]);
    // What an app reads of a projector is its queries, never the projection that writes the views.
    const projectionsFromApps = from('apps').filter(
      (e) => e.local && role(e.to) === 'projectors' && !/(Queries|View)$/.test(e.to),
    );
    expect(show(projectionsFromApps)).toEqual([]);
    expect(show(up('apps', ['dispatcher', 'workflows', 'activities', 'reactors']))).toEqual([]);
  });

  it('workflows import only @temporalio/workflow (and the common package it is built on), contracts and activity types', () => {
    const out = from('workflows').filter((e) =>
      e.local
        ? !['workflows', 'contracts'].includes(role(e.to)) && e.to !== 'activities/types'
        : !['@temporalio/workflow', '@temporalio/common'].includes(e.to),
    );
    expect(show(out)).toEqual([]);
  });
});
