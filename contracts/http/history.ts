import { Type } from '@sinclair/typebox';
import { Instant, Sub, Text } from '../formats';

/** What happened to a record a team keeps and its client reads (an estimate, an invoice). */
export const History = Type.Array(
  Type.Object(
    {
      type: Text({ maxLength: 100, description: 'The event’s type.' }),
      at: Instant,
      by: Type.Union([Sub, Type.Null()], {
        description:
          'Who did it: their Auth0 subject; `team` for a team member, as a client sees it; null for the process.',
      }),
    },
    { additionalProperties: false },
  ),
);
