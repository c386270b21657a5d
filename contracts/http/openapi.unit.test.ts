import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { promisify } from 'node:util';
import { repoPath } from '../../platform/paths';
import { openApiDocument } from './openapi';

const document = openApiDocument();
type Responses = Record<string, { $ref?: string; headers?: Record<string, unknown> }>;
interface Op {
  operationId: string;
  security?: unknown[];
  parameters?: Array<{ $ref?: string }>;
  responses: Responses;
}
const operations = Object.entries(
  document.paths as Record<string, Record<string, unknown>>,
).flatMap(([path, item]) =>
  Object.entries(item)
    .filter(([method]) => method !== 'servers')
    .map(([method, op]) => ({ path, method, op: op as Op })),
);

describe('the OpenAPI document', () => {
  it('is committed as generated (run `npm run contracts` when this fails)', () => {
    const committed: unknown = JSON.parse(
      readFileSync(repoPath('contracts', 'openapi.json'), 'utf8'),
    );
    expect(committed).toEqual(document);
  });

  // In a process of its own: swagger-parser and openapi-typescript are ES modules beneath,
  // which Jest's CommonJS runtime cannot load.
  it('is a valid OpenAPI 3.1 document, and its generated types are current', async () => {
    const { stdout } = await promisify(execFile)(
      process.execPath,
      ['-r', '@swc-node/register', repoPath('scripts', 'contracts.ts'), '--check'],
      { cwd: repoPath() },
    );
    expect(stdout).toMatch(/the OpenAPI document is valid/);
  }, 60_000);

  it('gives every route the failures it can meet, each as {error}', () => {
    for (const { method, path, op } of operations) {
      const where = `${method} ${path}`;
      const statuses = Object.keys(op.responses);
      expect({ where, has500: statuses.includes('500') }).toEqual({ where, has500: true });
      if (op.security === undefined)
        expect({ where, has401: statuses.includes('401') }).toEqual({ where, has401: true });
      if (op.parameters?.some((p) => p.$ref?.endsWith('/IdempotencyKey')))
        expect({ where, pending: op.responses['202'] !== undefined }).toEqual({
          where,
          pending: op.operationId !== 'checkout',
        });
    }
    const responses = (document.components as { responses: Record<string, unknown> }).responses;
    for (const [name, response] of Object.entries(responses)) {
      if (name === 'Pending') continue;
      expect({ name, response }).toMatchObject({
        name,
        response: {
          content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
        },
      });
    }
  });

  it('says which headers the API reads and sends', () => {
    const text = JSON.stringify(document);
    for (const header of ['If-Match', 'Idempotency-Key', 'ETag', 'Location', 'Retry-After'])
      expect({ header, named: text.includes(`"${header}"`) }).toEqual({ header, named: true });
  });
});
