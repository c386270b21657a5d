// npm run contracts: writes contracts/schemas/** from the TypeBox definitions.
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { renderSchemas } from '../contracts/emit';
import { repoPath } from '../platform/paths';

const root = repoPath('contracts', 'schemas');
rmSync(root, { recursive: true, force: true });
const files = renderSchemas();
for (const [path, text] of Object.entries(files)) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}
process.stdout.write(`wrote ${Object.keys(files).length} schemas under contracts/schemas\n`);
