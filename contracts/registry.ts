import type { TSchema } from '@sinclair/typebox';
import { USER_CATEGORY, userCommands, userEvents } from './identity';
import { PROJECT_CATEGORY, projectCommands, projectEvents } from './projects';
import { TEAM_CATEGORY, teamCommands, teamEvents } from './teams';
import {
  ESTIMATE_CATEGORY,
  estimateCommands,
  estimateEvents,
  estimateProcessCommands,
} from './estimation';
import {
  INVOICE_CATEGORY,
  invoiceCommands,
  invoiceEvents,
  invoiceProcessCommands,
} from './payments';
import { COMMAND_REJECTED, CommandRejected } from './outcomes';

export interface CategoryContracts {
  /** The bounded context that owns the category; its folder name in every role. */
  context: string;
  commands: Record<string, TSchema>;
  events: Record<string, TSchema>;
  /** Commands for the category's Temporal processes, carried to them by the dispatcher. */
  process?: Record<string, TSchema>;
}

/** Every message each category's channels carry, by type name. */
export const contracts: Record<string, CategoryContracts> = {
  [USER_CATEGORY]: { context: 'identity', commands: userCommands, events: userEvents },
  [PROJECT_CATEGORY]: { context: 'projects', commands: projectCommands, events: projectEvents },
  [TEAM_CATEGORY]: { context: 'teams', commands: teamCommands, events: teamEvents },
  [ESTIMATE_CATEGORY]: {
    context: 'estimation',
    commands: estimateCommands,
    events: estimateEvents,
    process: estimateProcessCommands,
  },
  [INVOICE_CATEGORY]: {
    context: 'payments',
    commands: invoiceCommands,
    events: invoiceEvents,
    process: invoiceProcessCommands,
  },
};

/** Records any category's event channel may hold besides its domain events. */
export const systemEvents: Record<string, TSchema> = { [COMMAND_REJECTED]: CommandRejected };
