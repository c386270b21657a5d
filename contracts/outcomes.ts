import { Type, type Static } from '@sinclair/typebox';

/**
 * Why a command was refused. The log records refusals next to the events, so a redelivered
 * command is recognised as handled and the waiting request learns the reason.
 */
export const RejectionCode = Type.Union([
  Type.Literal('conflict'),
  Type.Literal('already_exists'),
  Type.Literal('not_found'),
  Type.Literal('invalid'),
  Type.Literal('forbidden'),
  /** Too late: e.g. an invitation past its expiration. */
  Type.Literal('expired'),
]);
export type RejectionCode = Static<typeof RejectionCode>;

export const CommandRejected = Type.Object(
  {
    commandId: Type.String({ format: 'uuid' }),
    commandType: Type.String(),
    code: RejectionCode,
    reason: Type.String(),
  },
  { additionalProperties: false },
);
export type CommandRejected = Static<typeof CommandRejected>;

export const COMMAND_REJECTED = 'CommandRejected';
