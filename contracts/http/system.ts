import { Type } from '@sinclair/typebox';
import { Id, Int, MAX_SAFE, Text } from '../formats';
import { RejectionCode } from '../outcomes';
import type { ApiSection } from './operation';

/** What became of a command: the answer of `GET /commands/{id}`. */
export const CommandStatus = Type.Union([
  Type.Object(
    { commandId: Id, status: Type.Literal('pending') },
    { additionalProperties: false, description: 'Not decided yet, or not visible yet.' },
  ),
  Type.Object(
    {
      commandId: Id,
      status: Type.Literal('accepted'),
      streamId: Text({ maxLength: 300 }),
      version: Int(0, MAX_SAFE),
      result: Type.Optional(Type.Unknown()),
    },
    { additionalProperties: false },
  ),
  Type.Object(
    {
      commandId: Id,
      status: Type.Literal('rejected'),
      streamId: Text({ maxLength: 300 }),
      code: RejectionCode,
      reason: Type.String(),
    },
    { additionalProperties: false },
  ),
]);

const Readiness = Type.Object(
  {
    status: Type.Union([
      Type.Literal('ready'),
      Type.Literal('catching up'),
      Type.Literal('not ready'),
    ]),
    checks: Type.Record(Type.String(), Type.Boolean(), {
      description: 'Each dependency of each role the process runs, `<role>.<check>`.',
    }),
    details: Type.Optional(
      Type.Record(Type.String(), Type.Unknown(), {
        description: 'What operators are shown of a check (the writer lease, parked entries).',
      }),
    ),
  },
  { additionalProperties: false },
);

/** The routes every process or every app serves, whatever its context. */
export const systemApi = {
  tag: 'system',
  description:
    'Outcomes of commands, this reference, and the probes and metrics every process answers on its own port.',
  params: {
    id: { description: 'The command’s id, from a 202’s `commandId`.' },
    file: {
      description: 'A file of the reference page (the Swagger UI bundle, its style sheet, icons).',
      schema: Type.String({ pattern: '^[\\w.-]+$', maxLength: 100 }),
    },
  },
  schemas: { CommandStatus, Readiness },
  operations: {
    commandStatus: {
      method: 'get',
      path: '/commands/:id',
      summary: 'What became of a command the caller sent',
      errors: { 404: 'No such command of the caller’s.' },
      responses: { 200: { description: 'Its outcome, or pending.', body: CommandStatus } },
    },
    openApi: {
      method: 'get',
      path: '/openapi.json',
      summary: 'This document',
      public: true,
      responses: { 200: { description: 'OpenAPI 3.1.', body: Type.Object({}) } },
    },
    reference: {
      method: 'get',
      path: '/docs',
      summary: 'This document as a page to read and try (Swagger UI, served without any CDN)',
      public: true,
      responses: { 200: { description: 'The page.', contentTypes: ['text/html'] } },
    },
    referenceFile: {
      method: 'get',
      path: '/docs/:file',
      summary: 'The reference page’s own files',
      public: true,
      errors: { 404: 'No such file.' },
      responses: {
        200: {
          description: 'The file.',
          contentTypes: ['application/javascript', 'text/css', 'image/png'],
        },
      },
    },
    alive: {
      method: 'get',
      path: '/healthz',
      summary: 'The process answers (the liveness probe)',
      public: true,
      root: true,
      responses: {
        200: {
          description: 'Alive.',
          body: Type.Object({ status: Type.Literal('ok') }, { additionalProperties: false }),
        },
      },
    },
    ready: {
      method: 'get',
      path: '/readyz',
      summary: 'Every dependency of the process’s roles answers (the readiness probe)',
      public: true,
      root: true,
      responses: {
        200: { description: 'Ready.', body: Readiness },
        503: { description: 'Not ready: the failing checks are false.', body: Readiness },
      },
    },
    metrics: {
      method: 'get',
      path: '/metrics',
      summary:
        'The process’s metrics in Prometheus’s text format, for its scraper (docs/operations.md, “Metrics and alerts”)',
      public: true,
      root: true,
      responses: {
        200: {
          description: 'Every metric family of the process.',
          contentTypes: ['text/plain'],
        },
      },
    },
  },
} satisfies ApiSection;
