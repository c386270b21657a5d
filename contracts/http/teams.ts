import { Type, type Static } from '@sinclair/typebox';
import { Email, Id, Instant, Mailbox } from '../formats';
import { UserAdded } from '../identity';
import { ChangeMemberRole, CreateTeam, InviteMembers, MembershipCreated } from '../teams';
import { Empty, type ApiSection } from './operation';
import { Project } from './projects';

const times = { createdAt: Instant, updatedAt: Instant };

export const Team = Type.Object(
  { id: Id, name: CreateTeam.properties.name, userId: Id, ...times },
  { additionalProperties: false },
);
export type Team = Static<typeof Team>;

/** A member with the profile they registered; a member without one shows empty fields. */
export const Member = Type.Object(
  {
    id: Id,
    userId: Id,
    firstName: UserAdded.properties.firstName,
    lastName: UserAdded.properties.lastName,
    picture: UserAdded.properties.picture,
    email: Type.Union([Email, Type.Literal('')]),
    teamId: Id,
    role: MembershipCreated.properties.role,
    ...times,
  },
  { additionalProperties: false },
);
export type Member = Static<typeof Member>;

export const Invite = Type.Object(
  {
    id: Id,
    userId: Type.Union([Id, Type.Null()], {
      description: 'The caller’s user id, when it is theirs.',
    }),
    teamId: Id,
    teamName: CreateTeam.properties.name,
    email: Email,
    read: Type.Boolean({ description: 'Answered.' }),
    accepted: Type.Boolean(),
    status: Type.Union(
      [
        Type.Literal('open'),
        Type.Literal('accepted'),
        Type.Literal('declined'),
        Type.Literal('expired'),
      ],
      { description: '`expired`: never answered, and past its expiration.' },
    ),
    expiration: Instant,
    ...times,
  },
  { additionalProperties: false },
);
export type Invite = Static<typeof Invite>;

export const CreateTeamBody = Type.Object(
  {
    name: CreateTeam.properties.name,
    projectId: Type.Optional(Type.Union([Id, Type.Null()])),
  },
  { additionalProperties: false },
);
/** Addresses the reactor will mail: each must be one mailbox a mail server takes. */
export const InviteBody = Type.Object(
  {
    emailList: Type.Array(Mailbox, {
      minItems: 1,
      maxItems: InviteMembers.properties.emailList.maxItems,
    }),
  },
  { additionalProperties: false },
);
export const AnswerBody = Type.Object(
  { accepted: Type.Boolean() },
  { additionalProperties: false },
);
export const RoleBody = Type.Object(
  { role: ChangeMemberRole.properties.role },
  { additionalProperties: false },
);

const ADMINS_ONLY = 'Only administrators of the team may do this.';
const PROVE_EMAIL = 'The token carries no verified email, which this needs.';

export const teamsApi = {
  tag: 'teams',
  description:
    'Teams, their members and invitations. A team the caller does not belong to does not exist for them (404).',
  params: {
    tid: { description: 'The team’s id.' },
    pid: { description: 'The project’s id.' },
    uid: { description: 'The member’s user id.' },
    iid: { description: 'The invitation’s id.' },
  },
  schemas: { Team, Member, Invite, CreateTeamBody, InviteBody, AnswerBody, RoleBody },
  operations: {
    listTeams: {
      method: 'get',
      path: '/users/teams',
      summary: 'Teams the caller belongs to',
      responses: { 200: { description: 'Oldest first.', body: Type.Array(Team) } },
    },
    listInvites: {
      method: 'get',
      path: '/users/teams/invites',
      summary: 'Invitations sent to the caller’s verified email',
      errors: { 403: PROVE_EMAIL },
      responses: { 200: { description: 'Newest first.', body: Type.Array(Invite) } },
    },
    createTeam: {
      method: 'post',
      path: '/users/teams',
      summary: 'Create a team; the caller becomes its administrator',
      description:
        'With `projectId`, the project is shared with the new team (the caller must be allowed to share it). The answer waits, within the write wait, for the share too.',
      body: CreateTeamBody,
      command: {},
      responses: { 201: { description: 'The new team.', body: Team } },
    },
    getTeam: {
      method: 'get',
      path: '/users/teams/:tid',
      summary: 'A team',
      responses: { 200: { description: 'The team.', body: Team } },
    },
    assignTeam: {
      method: 'post',
      path: '/users/teams/:tid/project/:pid',
      summary: 'Share a project with a team',
      body: Empty,
      bodyOptional: true,
      command: {},
      errors: { 403: `${ADMINS_ONLY} The caller must also be allowed to share the project.` },
      responses: { 200: { description: 'The project, now shared.', body: Project } },
    },
    leaveTeam: {
      method: 'post',
      path: '/users/teams/:tid/leave',
      summary: 'Leave a team',
      description: 'Refused (409) for its last administrator.',
      body: Empty,
      bodyOptional: true,
      command: {},
      responses: { 200: { description: 'The team left.', body: Team } },
    },
    listMembers: {
      method: 'get',
      path: '/users/teams/:tid/members',
      summary: 'A team’s members with their profiles',
      responses: { 200: { description: 'The members.', body: Type.Array(Member) } },
    },
    changeRole: {
      method: 'patch',
      path: '/users/teams/:tid/members/:uid',
      summary: 'Change a member’s role',
      body: RoleBody,
      command: {},
      errors: { 403: ADMINS_ONLY },
      responses: { 200: { description: 'The member.', body: Member } },
    },
    removeMember: {
      method: 'delete',
      path: '/users/teams/:tid/members/:uid',
      summary: 'Remove a member',
      command: {},
      errors: { 403: ADMINS_ONLY },
      responses: { 200: { description: 'The member as they were.', body: Member } },
    },
    invite: {
      method: 'post',
      path: '/users/teams/:tid/invites',
      summary: 'Invite people by email; they are mailed a link',
      description:
        'An address with an open invitation is not invited again; its invitation stands.',
      body: InviteBody,
      command: {},
      errors: { 403: ADMINS_ONLY },
      responses: {
        201: { description: 'The open invitations to these addresses.', body: Type.Array(Invite) },
      },
    },
    answerInvite: {
      method: 'patch',
      path: '/users/teams/:tid/invites/:iid',
      summary: 'Accept or decline an invitation sent to the caller',
      description: 'Accepting makes the caller an `editor` of the team.',
      body: AnswerBody,
      command: {},
      errors: { 403: PROVE_EMAIL, 410: 'The invitation has expired.' },
      responses: { 200: { description: 'The invitation, answered.', body: Invite } },
    },
  },
} satisfies ApiSection;
