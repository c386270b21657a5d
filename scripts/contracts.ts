// npm run contracts: writes contracts/schemas/** from the TypeBox definitions, and the REST API's
// OpenAPI document (contracts/openapi.json) with the types generated from it (contracts/openapi.d.ts).
// With --check it writes nothing: it fails when a committed file differs from what it would write,
// or when the OpenAPI document is not a valid one (swagger-parser).
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import SwaggerParser from '@apidevtools/swagger-parser';
import { renderSchemas } from '../contracts/emit';
import { openApiDocument } from '../contracts/http/openapi';
import { repoPath } from '../platform/paths';
import { renderOpenApiFiles } from './openapiFiles';

const SCHEMAS = repoPath('contracts', 'schemas');

async function rendered(): Promise<Record<string, string>> {
  const schemas = Object.entries(renderSchemas()).map(([path, text]): [string, string] => [
    relative(repoPath(), join(SCHEMAS, path)),
    text,
  ]);
  return { ...Object.fromEntries(schemas), ...(await renderOpenApiFiles()) };
}

const committedSchemas = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory()
      ? committedSchemas(join(dir, e.name))
      : [relative(repoPath(), join(dir, e.name))],
  );

async function check(): Promise<void> {
  const files = await rendered();
  const stale = Object.entries(files)
    .filter(
      ([path, text]) =>
        !existsSync(repoPath(path)) || readFileSync(repoPath(path), 'utf8') !== text,
    )
    .map(([path]) => path);
  const extra = committedSchemas(SCHEMAS).filter((path) => !(path in files));
  await SwaggerParser.validate(structuredClone(openApiDocument()) as never);
  if (stale.length + extra.length > 0) {
    process.stderr.write(
      `not current (run npm run contracts): ${[...stale, ...extra.map((p) => `${p} (no longer written)`)].join(', ')}\n`,
    );
    process.exit(1);
  }
  process.stdout.write(
    `${Object.keys(files).length} files current; the OpenAPI document is valid\n`,
  );
}

async function write(): Promise<void> {
  rmSync(SCHEMAS, { recursive: true, force: true });
  const files = await rendered();
  for (const [path, text] of Object.entries(files)) {
    mkdirSync(dirname(repoPath(path)), { recursive: true });
    writeFileSync(repoPath(path), text);
  }
  process.stdout.write(
    `wrote ${Object.keys(files).length} files: contracts/schemas/**, contracts/openapi.json, contracts/openapi.d.ts\n`,
  );
}

(process.argv.includes('--check') ? check() : write()).catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
