import { TEAM_CATEGORY, type TeamEvent, type TeamRole } from '../../contracts/teams';
import type { Known, Reference } from '../../platform/decider';

/** A team as the board's rules see it: each member's token subject and role, by user id. */
export type TeamMembers = Readonly<Record<string, { sub: string; role: TeamRole }>>;

/** The caller's role in a team, as far as the team's log has been read; null for outsiders. */
export function roleIn(
  teams: Known<TeamMembers>,
  teamId: string | null,
  sub: string | null,
): TeamRole | null {
  if (!teamId || !sub) return null;
  // Ids arrive as callers spelled them; the team category names streams in lower case.
  const members = teams.get(teamId.toLowerCase());
  if (!members) return null;
  for (const m of Object.values(members)) if (m.sub === sub) return m.role;
  return null;
}

/**
 * The teams' membership, followed from the team category's events: who may share a board is a
 * team's fact, and the board's decider is where the rule is kept. Only commands that (re)assign
 * a board's team need the latest of it, so only they wait for the team log to be read to its end.
 */
export const teamAccess: Reference<TeamMembers, TeamEvent> = {
  category: TEAM_CATEGORY,
  initialState: () => ({}),
  evolve(members, event) {
    switch (event.type) {
      case 'MembershipCreated':
        return { ...members, [event.data.userId]: { sub: event.data.sub, role: event.data.role } };
      case 'MembershipModified': {
        const member = members[event.data.userId];
        return member
          ? { ...members, [event.data.userId]: { ...member, role: event.data.role } }
          : members;
      }
      case 'MembershipRemoved': {
        const { [event.data.userId]: _, ...rest } = members;
        return rest;
      }
      default:
        return members;
    }
  },
  needsLatest(command) {
    const teamId = (command.data as { teamId?: string | null } | null)?.teamId;
    if (command.type === 'AddProject') return typeof teamId === 'string';
    // Unsharing too: whether the caller administers the board's present team is the team's fact.
    return command.type === 'ModifyProject' && teamId !== undefined;
  },
};
