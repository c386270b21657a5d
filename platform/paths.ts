import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The repository (or image) root, whether running from sources or from dist/. */
export function repoRoot(): string {
  let dir = __dirname;
  while (!existsSync(join(dir, 'package.json'))) {
    const up = dirname(dir);
    if (up === dir) throw new Error('package.json not found above ' + __dirname);
    dir = up;
  }
  return dir;
}

export const repoPath = (...parts: string[]): string => join(repoRoot(), ...parts);
