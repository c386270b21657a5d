import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { renderSchemas } from './emit';
import { repoPath } from '../platform/paths';

const root = repoPath('contracts', 'schemas');
const committed = (dir: string): string[] =>
  readdirSync(dir).flatMap((f) =>
    statSync(join(dir, f)).isDirectory() ? committed(join(dir, f)) : [relative(root, join(dir, f))],
  );

describe('JSON Schema files', () => {
  it('match the TypeBox contracts (run `npm run contracts` when this fails)', () => {
    const expected = renderSchemas();
    expect(committed(root).sort()).toEqual(Object.keys(expected).sort());
    for (const [path, text] of Object.entries(expected))
      expect(readFileSync(join(root, path), 'utf8')).toBe(text);
  });
});
