import { Type, type Static } from '@sinclair/typebox';
import { Id, Text } from './formats';

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
    commandId: Id,
    commandType: Text({ maxLength: 100 }),
    code: RejectionCode,
    reason: Text({ maxLength: 4000 }),
  },
  { additionalProperties: false },
);
export type CommandRejected = Static<typeof CommandRejected>;

export const COMMAND_REJECTED = 'CommandRejected';
