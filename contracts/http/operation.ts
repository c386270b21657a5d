import { Type, type TSchema } from '@sinclair/typebox';
import { Id } from '../formats';

/**
 * The REST API as data: each route once, with what it reads and every answer it gives. The apps
 * build their routers from these tables and check bodies with their schemas, the OpenAPI document
 * is rendered from them (`openapi.ts`), and the end-to-end tests hold every answer to them.
 */

/** Every failure's body, whatever the status. */
export const ErrorBody = Type.Object(
  { error: Type.String({ description: 'What went wrong, meant for people.' }) },
  { additionalProperties: false },
);

/** What a write answers when its outcome was not visible within `WRITE_WAIT_MS`. */
export const Pending = Type.Object(
  {
    status: Type.Literal('pending'),
    commandId: Id,
    statusUrl: Type.String({
      description: 'Where the outcome can be read (`GET`), as in the Location header.',
    }),
  },
  { additionalProperties: false },
);

/** What routes that take nothing take: an empty object, or no body at all. */
export const Empty = Type.Object({}, { additionalProperties: false });

export type ResponseHeader = 'ETag' | 'Location' | 'Retry-After' | 'Allow';
export type RequestHeader = 'If-Match' | 'Idempotency-Key' | 'Stripe-Signature';

export interface Answer {
  description: string;
  /** The JSON body's schema. */
  body?: TSchema;
  /** Content types of a body that is not JSON (the reference page and its files). */
  contentTypes?: readonly string[];
  /** Headers the answer carries: true when always, false when sometimes. */
  headers?: Partial<Record<ResponseHeader, boolean>>;
}

export interface CommandOptions {
  /** Checks `If-Match` against the aggregate's version (409 when stale). */
  versioned?: boolean;
  /** False for a route that answers 503 rather than 202 when the outcome is late. */
  pending?: boolean;
}

export interface Operation {
  method: 'get' | 'post' | 'patch' | 'delete';
  /** In the router's syntax (`/projects/:pid`); the document writes `{pid}`. */
  path: string;
  summary: string;
  description?: string;
  /** The JSON body, checked before the handler runs (400 naming the problem). */
  body?: TSchema;
  /** The body may be left out; the handler then reads `{}`. */
  bodyOptional?: boolean;
  /** A body the handler checks itself over its exact bytes (a signed webhook): documented only. */
  rawBody?: { description: string; schema: TSchema };
  /**
   * Sends a command: takes an Idempotency-Key, may answer 202 with where to read the outcome,
   * and answers the component's refusals (403, 404, 409, 422).
   */
  command?: CommandOptions;
  /** Failures particular to this route, with what they mean here. */
  errors?: Partial<Record<number, string>>;
  /** The answers of the route itself; the common failures are added (see `answersOf`). */
  responses: Record<number, Answer>;
  /** Called without a token (a signature or nothing guards it). */
  public?: boolean;
  /** Request headers it reads besides those `command` implies. */
  headers?: readonly RequestHeader[];
  /** Served by every process at its root, not under `/api/v1` (the probes). */
  root?: boolean;
}

/** A context's part of the API. */
export interface ApiSection {
  tag: string;
  description: string;
  /** What each path parameter names; a UUID unless a schema says otherwise. */
  params: Record<string, { description: string; schema?: TSchema }>;
  operations: Record<string, Operation>;
  /** Schemas shown once in the document and referred to wherever they occur. */
  schemas: Record<string, TSchema>;
}

/** The API's prefix; the probes answer outside it. */
export const API_PREFIX = '/api/v1';

const failure = (description: string): Answer => ({ description, body: ErrorBody });

/** The failures many routes share, said once (the document refers to them by name). */
export const COMMON_FAILURES: Record<number, { name: string; answer: Answer }> = {
  400: {
    name: 'BadRequest',
    answer: failure(
      'The body is not JSON or breaks its schema (the message names the field), or an Idempotency-Key or If-Match header is malformed.',
    ),
  },
  401: {
    name: 'Unauthorized',
    answer: failure(
      'No bearer token, or one that is expired, invalid or signed by an unknown key.',
    ),
  },
  403: {
    name: 'Forbidden',
    answer: failure(
      "The caller's role may not do this, the proof it needs is missing (a verified email), or the rules refused it.",
    ),
  },
  404: { name: 'NotFound', answer: failure('No such thing, or not the caller’s to see.') },
  409: {
    name: 'Conflict',
    answer: failure(
      'The state does not allow it: an If-Match version that is no longer current, something that already exists, a step already taken.',
    ),
  },
  410: { name: 'Gone', answer: failure('Too late: it has expired.') },
  413: { name: 'PayloadTooLarge', answer: failure('The body is larger than the limit.') },
  415: {
    name: 'UnsupportedMediaType',
    answer: failure('The body is not JSON (send Content-Type: application/json).'),
  },
  422: {
    name: 'Unprocessable',
    answer: failure(
      'Well-formed, but the rules refuse it (the message says why), or its Idempotency-Key named another request.',
    ),
  },
  431: {
    name: 'HeadersTooLarge',
    answer: failure('The request’s headers (its URL included) are larger than the server takes.'),
  },
  500: { name: 'InternalError', answer: failure('A failure of ours; the body says no more.') },
  503: {
    name: 'Unavailable',
    answer: {
      ...failure(
        'Unavailable for now: the signing keys cannot be fetched, the event log is away, or this aggregate is being repaired. Try again; Retry-After says when, where known.',
      ),
      headers: { 'Retry-After': false },
    },
  },
};

const common = (status: number): Answer => {
  const found = COMMON_FAILURES[status];
  if (!found) throw new Error(`no common failure ${status}`);
  return found.answer;
};

export const PENDING_ANSWER: Answer = {
  description:
    'Accepted for processing, but its outcome was not visible in time: read it at the Location (`GET /commands/{id}`).',
  body: Pending,
  headers: { Location: true },
};

const COMMAND_REFUSALS = [403, 404, 409, 422];

/**
 * Every answer a route gives: its own, its particular failures, and those that come with what
 * it is (a command, a body, a token), in that order of precedence.
 */
export function answersOf(op: Operation): Record<number, Answer> {
  const out: Record<number, Answer> = { ...op.responses };
  const add = (status: number, answer: Answer) => {
    out[status] ??= answer;
  };
  for (const [status, description] of Object.entries(op.errors ?? {}))
    if (description !== undefined) add(Number(status), failure(description));
  if (op.command) {
    if (op.command.pending !== false) add(202, PENDING_ANSWER);
    for (const status of [400, ...COMMAND_REFUSALS, 503]) add(status, common(status));
  }
  // A path id that names nothing (or nothing the caller may see, or is not an id at all).
  if (pathParams(op.path).length > 0) add(404, common(404));
  if (op.method === 'post' || op.method === 'patch')
    for (const status of [400, 413, 415]) add(status, common(status));
  if (!op.public) for (const status of [401, 503]) add(status, common(status));
  // Answered by the HTTP server itself, before any route: for every one alike.
  add(431, common(431));
  add(500, common(500));
  return out;
}

/** The request headers a route reads. */
export function requestHeadersOf(op: Operation): RequestHeader[] {
  const headers = new Set<RequestHeader>(op.headers ?? []);
  if (op.command?.versioned) headers.add('If-Match');
  if (op.command) headers.add('Idempotency-Key');
  return [...headers];
}

/** The names of a router path's parameters, in order: `/projects/:pid` → `pid`. */
export const pathParams = (path: string): string[] =>
  [...path.matchAll(/:(\w+)/g)].map((m) => m[1] ?? '');

/** The document's spelling of a router path: `/projects/:pid` → `/projects/{pid}`. */
export const templateOf = (path: string): string => path.replace(/:(\w+)/g, '{$1}');
