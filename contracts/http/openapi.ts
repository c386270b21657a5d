import type { TSchema } from '@sinclair/typebox';
import { FORMAT_PROBLEMS, Id } from '../formats';
import { estimationApi } from './estimation';
import { identityApi } from './identity';
import {
  answersOf,
  API_PREFIX,
  COMMON_FAILURES,
  Empty,
  ErrorBody,
  Pending,
  PENDING_ANSWER,
  pathParams,
  requestHeadersOf,
  templateOf,
  type Answer,
  type ApiSection,
  type Operation,
  type RequestHeader,
  type ResponseHeader,
} from './operation';
import { paymentsApi, paymentWebhookApi } from './payments';
import { projectsApi } from './projects';
import { systemApi } from './system';
import { teamsApi } from './teams';

/** The whole API, section by section, in the order the document lists them. */
export const API_SECTIONS: readonly ApiSection[] = [
  identityApi,
  projectsApi,
  teamsApi,
  estimationApi,
  paymentsApi,
  paymentWebhookApi,
  systemApi,
];

const DESCRIPTION = `The REST API of Devpie Client. Every request and answer body is JSON (\`Content-Type: application/json\`), keys in camelCase, times ISO 8601 in UTC, money in integer minor units.

- **Errors** are a non-2xx status with its standard reason phrase and \`{"error": "..."}\`.
- **Reading your writes:** a write answers once its outcome is visible in the views (200/201 with the resource, or the refusal as 403/404/409/410/422). When that takes longer than the server's write wait, it answers 202 with a \`Location\` where the outcome can be read (\`GET /commands/{id}\`).
- **Concurrency:** resources with a version answer with an \`ETag\`; send it back as \`If-Match\` and a write over a newer version is refused with 409.
- **Retries:** an \`Idempotency-Key\` names a write; retried with the same key and request it is carried out once and answers as the first time, with another request it is refused with 422.
- **Visibility:** what the caller may not see does not exist for them (404); what they see but may not do is 403.

String formats beyond JSON Schema's own, as the API checks them: ${Object.entries(FORMAT_PROBLEMS)
  .map(([format, rule]) => `\`${format}\` ${rule}`)
  .join('; ')}.`;

const REQUEST_HEADERS: Record<RequestHeader, { name: string; doc: object }> = {
  'If-Match': {
    name: 'IfMatch',
    doc: {
      name: 'If-Match',
      in: 'header',
      required: false,
      description:
        'The ETag the caller last read (`"3"`, or `W/"3"`): the write is refused with 409 when the resource has moved on. Absent or `*`: no check.',
      schema: { type: 'string', maxLength: 40 },
    },
  },
  'Idempotency-Key': {
    name: 'IdempotencyKey',
    doc: {
      name: 'Idempotency-Key',
      in: 'header',
      required: false,
      description:
        'Names this write, for the caller: a retry with the same key and request is carried out once and answers as the first did; the same key with another request is 422. 1 to 200 visible ASCII characters.',
      schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$' },
    },
  },
  'Stripe-Signature': {
    name: 'StripeSignature',
    doc: {
      name: 'Stripe-Signature',
      in: 'header',
      required: true,
      description: 'Stripe’s signature over the exact body, with the endpoint’s signing secret.',
      schema: { type: 'string' },
    },
  },
};

const RESPONSE_HEADERS: Record<ResponseHeader, { description: string; schema: object }> = {
  ETag: {
    description: 'The resource’s version, to send back as If-Match.',
    schema: { type: 'string', examples: ['"3"'] },
  },
  Location: {
    description: 'Where the outcome can be read: `GET /api/v1/commands/{id}`.',
    schema: { type: 'string' },
  },
  'Retry-After': {
    description: 'Seconds to wait before trying again.',
    schema: { type: 'string' },
  },
  Allow: { description: 'The methods the path takes.', schema: { type: 'string' } },
};

/**
 * The schema as JSON, with every named schema it holds (by identity: the same TypeBox object)
 * replaced by a reference to its one copy under `components/schemas`.
 */
function emit(value: unknown, names: Map<object, string>, self?: object): unknown {
  if (Array.isArray(value)) return value.map((v) => emit(v, names));
  if (typeof value !== 'object' || value === null) return value;
  const name = names.get(value);
  if (name !== undefined && value !== self) return { $ref: `#/components/schemas/${name}` };
  // Object.entries leaves TypeBox's symbol keys behind: what remains is plain JSON Schema.
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, emit(v, names)]));
}

/** The schemas the document names: the sections' and the answers every route shares. */
function namedSchemas(): Map<object, string> {
  const names = new Map<object, string>();
  const taken = new Map<string, object>();
  const named: Array<[string, TSchema]> = [
    ['Error', ErrorBody],
    ['Pending', Pending],
    ['Empty', Empty],
    ...API_SECTIONS.flatMap((s) => Object.entries(s.schemas)),
  ];
  for (const [name, schema] of named) {
    const other = taken.get(name);
    if (other !== undefined && other !== schema) throw new Error(`two schemas named ${name}`);
    if (names.has(schema) && names.get(schema) !== name)
      throw new Error(`${name} is also named ${names.get(schema) ?? ''}`);
    taken.set(name, schema);
    names.set(schema, name);
  }
  return names;
}

/** The answer by reference when it is one every route shares, else as it is. */
function responseOf(answer: Answer, names: Map<object, string>): unknown {
  const shared = Object.values(COMMON_FAILURES).find((f) => f.answer === answer);
  if (shared) return { $ref: `#/components/responses/${shared.name}` };
  if (answer === PENDING_ANSWER) return { $ref: '#/components/responses/Pending' };
  return plainResponse(answer, names);
}

function plainResponse(answer: Answer, names: Map<object, string>): object {
  const headers = Object.entries(answer.headers ?? {}).map(([header, always]): [string, object] => {
    const doc = RESPONSE_HEADERS[header as ResponseHeader];
    return [header, { ...doc, required: always }];
  });
  const content = answer.body
    ? { 'application/json': { schema: emit(answer.body, names) } }
    : answer.contentTypes
      ? Object.fromEntries(answer.contentTypes.map((t) => [t, {}]))
      : undefined;
  return {
    description: answer.description,
    ...(headers.length ? { headers: Object.fromEntries(headers) } : {}),
    ...(content ? { content } : {}),
  };
}

function operationOf(
  id: string,
  op: Operation,
  section: ApiSection,
  names: Map<object, string>,
): object {
  const parameters: object[] = pathParams(op.path).map((param) => {
    const doc = section.params[param];
    if (!doc) throw new Error(`${id}: the ${section.tag} section does not say what :${param} is`);
    return {
      name: param,
      in: 'path',
      required: true,
      description: doc.description,
      schema: emit(doc.schema ?? Id, names),
    };
  });
  for (const header of requestHeadersOf(op))
    parameters.push({ $ref: `#/components/parameters/${REQUEST_HEADERS[header].name}` });
  const body = op.body
    ? {
        required: op.bodyOptional !== true,
        content: { 'application/json': { schema: emit(op.body, names) } },
      }
    : op.rawBody
      ? {
          required: true,
          description: op.rawBody.description,
          content: { 'application/json': { schema: emit(op.rawBody.schema, names) } },
        }
      : undefined;
  const answers = Object.entries(answersOf(op)).sort(([a], [b]) => Number(a) - Number(b));
  return {
    operationId: id,
    tags: [section.tag],
    summary: op.summary,
    ...(op.description ? { description: op.description } : {}),
    ...(op.public ? { security: [] } : {}),
    ...(parameters.length ? { parameters } : {}),
    ...(body ? { requestBody: body } : {}),
    responses: Object.fromEntries(answers.map(([status, a]) => [status, responseOf(a, names)])),
  };
}

/** The OpenAPI 3.1 document of the whole API, from the route tables the routers are built from. */
export function openApiDocument(): Record<string, unknown> {
  const names = namedSchemas();
  const paths: Record<string, Record<string, unknown>> = {};
  const ids = new Set<string>();
  for (const section of API_SECTIONS) {
    for (const [id, op] of Object.entries(section.operations)) {
      if (ids.has(id)) throw new Error(`two operations named ${id}`);
      ids.add(id);
      const template = templateOf(op.path);
      const item = (paths[template] ??= op.root
        ? { servers: [{ url: '/', description: 'Each process, on its own port.' }] }
        : {});
      if (op.method in item) throw new Error(`${op.method} ${template} is described twice`);
      item[op.method] = operationOf(id, op, section, names);
    }
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Devpie Client API', version: 'v1', description: DESCRIPTION },
    servers: [{ url: API_PREFIX }],
    security: [{ bearer: [] }],
    tags: API_SECTIONS.map((s) => ({ name: s.tag, description: s.description })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description:
            'An Auth0 access token (RS256; issuer and audience checked, `exp` required). The caller is its `sub`; access that hangs on an address takes the email only when `email_verified`.',
        },
      },
      schemas: Object.fromEntries(
        [...names].map(([schema, name]) => [name, emit(schema, names, schema)]),
      ),
      responses: {
        ...Object.fromEntries(
          Object.values(COMMON_FAILURES).map((f) => [f.name, plainResponse(f.answer, names)]),
        ),
        Pending: plainResponse(PENDING_ANSWER, names),
      },
      parameters: Object.fromEntries(Object.values(REQUEST_HEADERS).map((h) => [h.name, h.doc])),
    },
  };
}
