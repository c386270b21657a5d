import type { EventEnvelope } from '../../contracts/envelope';
import { streamEntityId } from '../../contracts/envelope';
import { nameId } from '../../contracts/ids';
import { TEAM_CATEGORY, type TeamEvent } from '../../contracts/teams';
import type { Projection } from '../../platform/hosts/projectorHost';
import { eventByEvent } from '../eventByEvent';
import type { Tx } from '../../platform/postgres/pool';

export const membershipId = (teamId: string, userId: string): string =>
  nameId('membership', teamId, userId);

/** Teams change rarely: one statement or two per event is plenty. */
async function applyOne(tx: Tx, s: string, envelope: EventEnvelope): Promise<void> {
  const event = envelope as unknown as TeamEvent & EventEnvelope;
  const teamId = streamEntityId(envelope.streamId);
  const at = envelope.metadata.timestamp;
  switch (event.type) {
    case 'TeamCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.teams (id, name, user_id, project_id, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (id) DO NOTHING`,
        [d.id, d.name, d.userId, d.projectId, envelope.version, at],
      );
      return;
    }
    case 'MemberInvited': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.invites (id, team_id, email, invited_by, expiration, status, created_at, updated_at)
         VALUES ($1, $2, $3, $4, $5, 'open', $6, $6) ON CONFLICT (id) DO NOTHING`,
        [d.inviteId, teamId, d.email, d.invitedBy, d.expiration, at],
      );
      break;
    }
    case 'InviteAccepted':
    case 'InviteDeclined':
      await tx.query(`UPDATE ${s}.invites SET status = $2, updated_at = $3 WHERE id = $1`, [
        event.data.inviteId,
        event.type === 'InviteAccepted' ? 'accepted' : 'declined',
        at,
      ]);
      break;
    case 'MembershipCreated': {
      const d = event.data;
      await tx.query(
        `INSERT INTO ${s}.memberships (id, team_id, user_id, sub, role, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $6)
         ON CONFLICT (team_id, user_id) DO UPDATE SET role = EXCLUDED.role, updated_at = EXCLUDED.updated_at`,
        [membershipId(teamId, d.userId), teamId, d.userId, d.sub, d.role, at],
      );
      break;
    }
    case 'MembershipModified':
      await tx.query(
        `UPDATE ${s}.memberships SET role = $3, updated_at = $4 WHERE team_id = $1 AND user_id = $2`,
        [teamId, event.data.userId, event.data.role, at],
      );
      break;
    case 'MembershipRemoved':
      await tx.query(`DELETE FROM ${s}.memberships WHERE team_id = $1 AND user_id = $2`, [
        teamId,
        event.data.userId,
      ]);
      break;
  }
  await tx.query(`UPDATE ${s}.teams SET version = $2, updated_at = $3 WHERE id = $1`, [
    teamId,
    envelope.version,
    at,
  ]);
}

export const teamsProjection: Projection = {
  name: 'teams-projector',
  context: 'teams',
  category: TEAM_CATEGORY,
  schema: 'teams',
  migrations: { schema: 'teams', dir: 'projectors/teams/migrations' },
  applier: eventByEvent(applyOne),
};
