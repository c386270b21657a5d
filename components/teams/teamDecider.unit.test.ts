import type { TeamEvent } from '../../contracts/teams';
import { spec } from '../../test/support/deciderSpec';
import { inviteIdOf, teamDecider } from './teamDecider';

const T = '55555555-5555-4555-8555-555555555555';
const ADA = { userId: '66666666-6666-4666-8666-666666666661', sub: 'auth0|ada' };
const BOB = { userId: '66666666-6666-4666-8666-666666666662', sub: 'auth0|bob' };
const CY = { userId: '66666666-6666-4666-8666-666666666663', sub: 'auth0|cy' };
const NOW = '2026-01-01T00:00:00.000Z';
const LATER = '2026-01-06T00:00:00.000Z';
const team = spec(teamDecider);
const asAda = { userId: ADA.sub, now: NOW };

const created: TeamEvent[] = [
  { type: 'TeamCreated', data: { id: T, name: 'Agency', userId: ADA.userId, projectId: null } },
  { type: 'MembershipCreated', data: { ...ADA, role: 'administrator' } },
];
const invited = (email: string, round = 1): TeamEvent => ({
  type: 'MemberInvited',
  data: {
    inviteId: inviteIdOf(T, email, round),
    email,
    expiration: LATER,
    invitedBy: ADA.userId,
    teamName: 'Agency',
  },
});
const bobJoined: TeamEvent = { type: 'MembershipCreated', data: { ...BOB, role: 'editor' } };

describe('team decider', () => {
  it('makes the creator its administrator', () => {
    team
      .given()
      .when({ type: 'CreateTeam', data: { teamId: T, name: 'Agency', ...ADA } }, asAda)
      .then(...created);
  });

  it("records that a team made for a project is to get it: the projects context's process shares it", () => {
    const P = '77777777-7777-4777-8777-777777777777';
    team
      .given()
      .when(
        { type: 'CreateTeam', data: { teamId: T, name: 'Agency', projectId: P, ...ADA } },
        asAda,
      )
      .then(
        {
          type: 'TeamCreated',
          data: { id: T, name: 'Agency', userId: ADA.userId, projectId: P, shareProject: true },
        },
        created[1]!,
      );
  });

  it('invites each address once while an invitation is open', () => {
    team
      .given(...created, invited('bob@example.com'))
      .when(
        {
          type: 'InviteMembers',
          data: {
            emailList: ['BOB@example.com', 'cy@example.com', 'cy@example.com'],
            expiration: LATER,
            invitedBy: ADA.userId,
          },
        },
        asAda,
      )
      .then(invited('cy@example.com'));
    team
      .given(...created, invited('bob@example.com'))
      .when(
        {
          type: 'InviteMembers',
          data: { emailList: ['bob@example.com'], expiration: LATER, invitedBy: ADA.userId },
        },
        asAda,
      )
      .thenRefused('already_exists');
  });

  it('invites again once the earlier invitation has expired', () => {
    team
      .given(...created, invited('bob@example.com'))
      .when(
        {
          type: 'InviteMembers',
          data: {
            emailList: ['bob@example.com'],
            expiration: '2026-02-01T00:00:00.000Z',
            invitedBy: ADA.userId,
          },
        },
        { userId: ADA.sub, now: '2026-01-10T00:00:00.000Z' },
      )
      .then({
        ...invited('bob@example.com', 2),
        data: { ...invited('bob@example.com', 2).data, expiration: '2026-02-01T00:00:00.000Z' },
      } as TeamEvent);
  });

  it('lets only administrators invite', () => {
    team
      .given(...created, bobJoined)
      .when(
        {
          type: 'InviteMembers',
          data: { emailList: ['x@example.com'], expiration: LATER, invitedBy: BOB.userId },
        },
        { userId: BOB.sub, now: NOW },
      )
      .thenRefused('forbidden');
  });

  it('makes whoever accepts an editor, once', () => {
    const id = inviteIdOf(T, 'bob@example.com', 1);
    const accept = {
      type: 'AcceptInvite' as const,
      data: { inviteId: id, email: 'bob@example.com', ...BOB },
    };
    team
      .given(...created, invited('bob@example.com'))
      .when(accept, { userId: BOB.sub, now: NOW })
      .then(
        { type: 'InviteAccepted', data: { inviteId: id, email: 'bob@example.com', ...BOB } },
        bobJoined,
      );
    team
      .given(
        ...created,
        invited('bob@example.com'),
        { type: 'InviteAccepted', data: { inviteId: id, email: 'bob@example.com', ...BOB } },
        bobJoined,
      )
      .when(accept, { userId: BOB.sub, now: NOW })
      .thenRefused('conflict', /already accepted/);
  });

  it('refuses an expired invitation, and one for another address', () => {
    const id = inviteIdOf(T, 'bob@example.com', 1);
    team
      .given(...created, invited('bob@example.com'))
      .when(
        { type: 'AcceptInvite', data: { inviteId: id, email: 'bob@example.com', ...BOB } },
        { userId: BOB.sub, now: '2026-01-07T00:00:00.000Z' },
      )
      .thenRefused('expired');
    team
      .given(...created, invited('bob@example.com'))
      .when(
        { type: 'AcceptInvite', data: { inviteId: id, email: 'cy@example.com', ...CY } },
        { userId: CY.sub, now: NOW },
      )
      .thenRefused('not_found');
  });

  it('always keeps an administrator', () => {
    team
      .given(...created, bobJoined)
      .when({ type: 'LeaveTeam', data: ADA }, asAda)
      .thenRefused('invalid', /administrator/);
    team
      .given(...created, bobJoined)
      .when({ type: 'ChangeMemberRole', data: { userId: ADA.userId, role: 'viewer' } }, asAda)
      .thenRefused('invalid');
    team
      .given(...created, bobJoined)
      .when({ type: 'RemoveMember', data: { userId: ADA.userId } }, asAda)
      .thenRefused('invalid');
    team
      .given(...created, bobJoined, {
        type: 'MembershipModified',
        data: { userId: BOB.userId, role: 'administrator' },
      })
      .when({ type: 'LeaveTeam', data: ADA }, asAda)
      .then({ type: 'MembershipRemoved', data: { userId: ADA.userId, reason: 'left' } });
    // The last member may leave, administrator or not.
    team
      .given(...created)
      .when({ type: 'LeaveTeam', data: ADA }, asAda)
      .then({ type: 'MembershipRemoved', data: { userId: ADA.userId, reason: 'left' } });
  });

  it('lets administrators change roles and remove members, and nobody else', () => {
    team
      .given(...created, bobJoined)
      .when({ type: 'ChangeMemberRole', data: { userId: BOB.userId, role: 'viewer' } }, asAda)
      .then({ type: 'MembershipModified', data: { userId: BOB.userId, role: 'viewer' } });
    team
      .given(...created, bobJoined)
      .when({ type: 'RemoveMember', data: { userId: ADA.userId } }, { userId: BOB.sub, now: NOW })
      .thenRefused('forbidden');
    team
      .given(...created, bobJoined)
      .when({ type: 'RemoveMember', data: { userId: BOB.userId } }, asAda)
      .then({ type: 'MembershipRemoved', data: { userId: BOB.userId, reason: 'removed' } });
    team
      .given(...created)
      .when({ type: 'LeaveTeam', data: BOB }, { userId: BOB.sub, now: NOW })
      .thenRefused('not_found');
  });
});
