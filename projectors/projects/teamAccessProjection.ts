import { streamEntityId } from '../../contracts/envelope';
import { TEAM_CATEGORY, type TeamEvent } from '../../contracts/teams';
import type { Projection } from '../../platform/hosts/projectorHost';
import { boardsProjection } from './boardsProjection';
import { eventByEvent } from '../eventByEvent';

/**
 * The projects context's own record of who belongs to which team, from the teams context's
 * membership events: boards shared with a team are checked against it, in the projects schema.
 */
export const teamAccessProjection: Projection = {
  name: 'projects-team-access',
  context: 'projects',
  category: TEAM_CATEGORY,
  schema: boardsProjection.schema,
  migrations: boardsProjection.migrations,
  applier: eventByEvent(async (tx, s, envelope) => {
    const event = envelope as unknown as TeamEvent;
    const teamId = streamEntityId(envelope.streamId);
    if (event.type === 'MembershipCreated') {
      await tx.query(
        `INSERT INTO ${s}.team_members (team_id, user_id, sub, role) VALUES ($1, $2, $3, $4)
         ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role`,
        [teamId, event.data.userId, event.data.sub, event.data.role],
      );
    } else if (event.type === 'MembershipModified') {
      await tx.query(`UPDATE ${s}.team_members SET role = $3 WHERE team_id = $1 AND user_id = $2`, [
        teamId,
        event.data.userId,
        event.data.role,
      ]);
    } else if (event.type === 'MembershipRemoved') {
      await tx.query(`DELETE FROM ${s}.team_members WHERE team_id = $1 AND user_id = $2`, [
        teamId,
        event.data.userId,
      ]);
    }
  }),
};
