import openapiTS, { astToString, type OpenAPI3 } from 'openapi-typescript';
import { format, resolveConfig } from 'prettier';
import { openApiDocument } from '../contracts/http/openapi';
import { repoPath } from '../platform/paths';

const HEADER = `// The REST API's types, generated from contracts/openapi.json by \`npm run contracts\`
// (openapi-typescript): do not edit. With openapi-fetch:
//   createClient<paths>({ baseUrl: 'https://<host>/api/v1' })
`;

/**
 * The OpenAPI document and the TypeScript types generated from it, by their path in the
 * repository: `npm run contracts` writes them, a unit test holds the committed ones to them.
 */
export async function renderOpenApiFiles(): Promise<Record<string, string>> {
  const document = openApiDocument();
  const json = `${JSON.stringify(document, null, 2)}\n`;
  const types = `${HEADER}\n${astToString(await openapiTS(JSON.parse(json) as OpenAPI3))}`;
  const typesPath = repoPath('contracts', 'openapi.d.ts');
  const options = await resolveConfig(typesPath);
  return {
    'contracts/openapi.json': json,
    'contracts/openapi.d.ts': await format(types, { ...options, filepath: typesPath }),
  };
}
