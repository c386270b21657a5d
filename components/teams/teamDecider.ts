import { nameId } from '../../contracts/ids';
import type { TeamCommand, TeamEvent, TeamRole } from '../../contracts/teams';
import { accept, refuse, type Decider, type Decision } from '../../platform/decider';

export interface Member {
  userId: string;
  sub: string;
  role: TeamRole;
}

export interface Invite {
  inviteId: string;
  email: string;
  expiration: string;
  status: 'open' | 'accepted' | 'declined';
}

export interface Team {
  exists: boolean;
  id: string;
  name: string;
  members: Record<string, Member>;
  invites: Record<string, Invite>;
}

export const emptyTeam = (): Team => ({
  exists: false,
  id: '',
  name: '',
  members: {},
  invites: {},
});

const memberBySub = (team: Team, sub: string | null): Member | undefined =>
  sub === null ? undefined : Object.values(team.members).find((m) => m.sub === sub);
const administrators = (team: Team) =>
  Object.values(team.members).filter((m) => m.role === 'administrator');
const isOpen = (invite: Invite, now: string) => invite.status === 'open' && invite.expiration > now;

/** An invitation's id: the same team, address and round of invitations always name the same one. */
export const inviteIdOf = (teamId: string, email: string, round: number): string =>
  nameId('invite', teamId, email, String(round));

function decide(
  command: TeamCommand,
  team: Team,
  actor: string | null,
  now: string,
): Decision<TeamEvent> {
  if (command.type === 'CreateTeam') {
    if (team.exists) return refuse('already_exists', 'the team already exists');
    const { teamId, name, projectId, userId, sub } = command.data;
    return accept(
      {
        type: 'TeamCreated',
        data: {
          id: teamId,
          name,
          userId,
          projectId: projectId ?? null,
          ...(projectId ? { shareProject: true } : {}),
        },
      },
      { type: 'MembershipCreated', data: { userId, sub, role: 'administrator' } },
    );
  }
  if (!team.exists) return refuse('not_found', 'no such team');
  const me = memberBySub(team, actor);

  switch (command.type) {
    case 'InviteMembers': {
      if (me?.role !== 'administrator') return refuse('forbidden', 'only administrators invite');
      if (command.data.expiration <= now)
        return refuse('invalid', 'expiration must be in the future');
      const emails = [...new Set(command.data.emailList.map((e) => e.toLowerCase()))];
      const invited: TeamEvent[] = [];
      for (const email of emails) {
        const earlier = Object.values(team.invites).filter((i) => i.email === email);
        // Inviting twice does not open a second invitation while the first can still be accepted.
        if (earlier.some((i) => isOpen(i, now))) continue;
        invited.push({
          type: 'MemberInvited',
          data: {
            inviteId: inviteIdOf(team.id, email, earlier.length + 1),
            email,
            expiration: command.data.expiration,
            invitedBy: command.data.invitedBy,
            teamName: team.name,
          },
        });
      }
      // Nothing new to send is still an answer the inviter should get: refused as already done.
      if (invited.length === 0)
        return refuse('already_exists', 'everyone on the list already has an open invitation');
      return accept(...invited);
    }
    case 'AcceptInvite':
    case 'DeclineInvite': {
      const { inviteId, email, userId, sub } = command.data;
      const invite = team.invites[inviteId];
      if (!invite || invite.email !== email.toLowerCase())
        return refuse('not_found', 'no such invitation');
      if (invite.status !== 'open')
        return refuse('conflict', `the invitation was already ${invite.status}`);
      if (invite.expiration <= now) return refuse('expired', 'the invitation has expired');
      if (command.type === 'DeclineInvite')
        return accept({
          type: 'InviteDeclined',
          data: { inviteId, email: invite.email, userId, sub },
        });
      const accepted: TeamEvent = {
        type: 'InviteAccepted',
        data: { inviteId, email: invite.email, userId, sub },
      };
      if (team.members[userId]) return accept(accepted);
      return accept<TeamEvent>(accepted, {
        type: 'MembershipCreated',
        data: { userId, sub, role: 'editor' },
      });
    }
    case 'LeaveTeam': {
      const member = team.members[command.data.userId];
      if (!member || member.sub !== actor)
        return refuse('not_found', 'you are not a member of this team');
      const others = Object.keys(team.members).length - 1;
      if (member.role === 'administrator' && administrators(team).length === 1 && others > 0) {
        return refuse(
          'invalid',
          'a team keeps at least one administrator: make someone else administrator first',
        );
      }
      return accept({ type: 'MembershipRemoved', data: { userId: member.userId, reason: 'left' } });
    }
    case 'ChangeMemberRole':
    case 'RemoveMember': {
      if (me?.role !== 'administrator')
        return refuse('forbidden', 'only administrators manage members');
      const target = team.members[command.data.userId];
      if (!target) return refuse('not_found', 'no such member');
      const demotes = command.type === 'RemoveMember' || command.data.role !== 'administrator';
      if (target.role === 'administrator' && demotes && administrators(team).length === 1) {
        return refuse('invalid', 'a team keeps at least one administrator');
      }
      if (command.type === 'RemoveMember')
        return accept({
          type: 'MembershipRemoved',
          data: { userId: target.userId, reason: 'removed' },
        });
      return accept({
        type: 'MembershipModified',
        data: { userId: target.userId, role: command.data.role },
      });
    }
  }
}

function evolve(team: Team, event: TeamEvent): Team {
  switch (event.type) {
    case 'TeamCreated':
      return { ...emptyTeam(), exists: true, id: event.data.id, name: event.data.name };
    case 'MemberInvited': {
      const { inviteId, email, expiration } = event.data;
      return {
        ...team,
        invites: { ...team.invites, [inviteId]: { inviteId, email, expiration, status: 'open' } },
      };
    }
    case 'InviteAccepted':
    case 'InviteDeclined': {
      const invite = team.invites[event.data.inviteId];
      if (!invite)
        throw new Error(`invariant broken: the team has no invite ${event.data.inviteId}`);
      const status = event.type === 'InviteAccepted' ? 'accepted' : 'declined';
      return { ...team, invites: { ...team.invites, [invite.inviteId]: { ...invite, status } } };
    }
    case 'MembershipCreated':
      return { ...team, members: { ...team.members, [event.data.userId]: { ...event.data } } };
    case 'MembershipModified': {
      const member = team.members[event.data.userId];
      if (!member) throw new Error(`invariant broken: the team has no member ${event.data.userId}`);
      return {
        ...team,
        members: { ...team.members, [member.userId]: { ...member, role: event.data.role } },
      };
    }
    case 'MembershipRemoved': {
      const { [event.data.userId]: _, ...members } = team.members;
      return { ...team, members };
    }
  }
}

export const teamDecider: Decider<TeamCommand, TeamEvent, Team> = {
  initialState: emptyTeam,
  decide: (command, team, ctx) => decide(command, team, ctx.userId, ctx.now),
  evolve,
};
