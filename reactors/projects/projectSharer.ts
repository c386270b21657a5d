import type { Static } from '@sinclair/typebox';
import { PROJECT_CATEGORY } from '../../contracts/projects';
import { projectShareCommandId, TEAM_CATEGORY, type TeamCreated } from '../../contracts/teams';
import { follow } from '../../platform/hosts/messages';
import { commandEnvelope } from '../../platform/outcomes/commandEnvelope';
import type { Reaction } from '../../platform/hosts/reactorHost';
import { logger } from '../../platform/logger';
import type { CommandSender } from '../../platform/outcomes/commandSender';

/**
 * The second step of creating a team for a project: the project is shared with the new team.
 * A process, not the request's second command, so a crash between the two steps delays the share
 * and loses nothing: the entry is acknowledged only once the share's outcome is recorded, and the
 * command's id comes from the team, so however often it is sent the board decides it once.
 */
export function projectSharer(commands: CommandSender): Reaction {
  return {
    name: 'team-project-sharer',
    category: TEAM_CATEGORY,
    async handle(event) {
      if (event.type !== 'TeamCreated') return;
      const team = event.data as Static<typeof TeamCreated>;
      // Teams from before this process were shared by their request (or not, for good).
      if (!team.shareProject || !team.projectId) return;
      const command = commandEnvelope(
        {
          id: projectShareCommandId(team.id),
          type: 'ModifyProject',
          streamId: `${PROJECT_CATEGORY}-${team.projectId}`,
          data: { teamId: team.id },
        },
        // On behalf of whoever created the team: the board decider checks they may share it.
        follow(event),
      );
      // A redelivery may find the outcome already recorded: looked up before it is sent again.
      const outcome = await commands.send(command, { maybeSeen: true });
      if (!outcome)
        throw new Error(
          `the share of project ${team.projectId} with team ${team.id} has no outcome yet`,
        );
      // A refusal is the rules' answer (the creator may no longer share the board): final, not retried.
      if (outcome.status === 'rejected') {
        logger.warn(
          {
            teamId: team.id,
            projectId: team.projectId,
            code: outcome.code,
            reason: outcome.reason,
          },
          'the new team was not given its project',
        );
      }
    },
  };
}
