import { Type, type Static, type TSchema } from '@sinclair/typebox';
import { Email, Filled, Id, Instant, Sub } from '../formats';
import { nameId } from '../ids';

/** A team (its members and its invitations) is one aggregate: one stream, one writer. */
export const TEAM_CATEGORY = 'team';

export const TEAM_ROLES = ['administrator', 'editor', 'commenter', 'viewer'] as const;
export type TeamRole = (typeof TEAM_ROLES)[number];

const Name = Filled(120);
const Role = Type.Union(TEAM_ROLES.map((r) => Type.Literal(r)));

/** Who a member is: the user id the frontend knows, and the token subject that proves it. */
const Member = { userId: Id, sub: Sub };

// Commands -------------------------------------------------------------------------------------

export const CreateTeam = Type.Object(
  { teamId: Id, name: Name, projectId: Type.Optional(Id), ...Member },
  { additionalProperties: false },
);
export const InviteMembers = Type.Object(
  {
    emailList: Type.Array(Email, { minItems: 1, maxItems: 50 }),
    expiration: Instant,
    invitedBy: Id,
  },
  { additionalProperties: false },
);
/** The invitee's email as their token or profile proves it: an invitation is for one address. */
export const AcceptInvite = Type.Object(
  { inviteId: Id, email: Email, ...Member },
  { additionalProperties: false },
);
export const DeclineInvite = Type.Object(
  { inviteId: Id, email: Email, ...Member },
  { additionalProperties: false },
);
export const LeaveTeam = Type.Object({ ...Member }, { additionalProperties: false });
export const ChangeMemberRole = Type.Object(
  { userId: Id, role: Role },
  { additionalProperties: false },
);
export const RemoveMember = Type.Object({ userId: Id }, { additionalProperties: false });

// Events ---------------------------------------------------------------------------------------

export const TeamCreated = Type.Object(
  {
    id: Id,
    name: Name,
    userId: Id,
    projectId: Type.Union([Id, Type.Null()]),
    /**
     * The projects context shares `projectId` with the team (a reaction to this event). Absent from
     * teams created before that: their request shared the board itself, and it must not be shared
     * again now (the board may have moved on to another team since).
     */
    shareProject: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false },
);

/**
 * The command that shares a new team's project with it: one per team, whoever sends it (the
 * projects reactor, after a crash too) and whoever waits for it (the request that made the team).
 */
export const projectShareCommandId = (teamId: string): string =>
  nameId('team', teamId, 'share-project');
export const MemberInvited = Type.Object(
  { inviteId: Id, email: Email, expiration: Instant, invitedBy: Id, teamName: Name },
  { additionalProperties: false },
);
export const InviteAccepted = Type.Object(
  { inviteId: Id, email: Email, ...Member },
  { additionalProperties: false },
);
export const InviteDeclined = Type.Object(
  { inviteId: Id, email: Email, ...Member },
  { additionalProperties: false },
);
export const MembershipCreated = Type.Object(
  { ...Member, role: Role },
  { additionalProperties: false },
);
export const MembershipModified = Type.Object(
  { userId: Id, role: Role },
  { additionalProperties: false },
);
export const MembershipRemoved = Type.Object(
  { userId: Id, reason: Type.Union([Type.Literal('left'), Type.Literal('removed')]) },
  { additionalProperties: false },
);

export const teamCommands = {
  CreateTeam,
  InviteMembers,
  AcceptInvite,
  DeclineInvite,
  LeaveTeam,
  ChangeMemberRole,
  RemoveMember,
};
export const teamEvents = {
  TeamCreated,
  MemberInvited,
  InviteAccepted,
  InviteDeclined,
  MembershipCreated,
  MembershipModified,
  MembershipRemoved,
};

type Union<M extends Record<string, TSchema>> = {
  [K in keyof M & string]: { type: K; data: Static<M[K]> };
}[keyof M & string];
export type TeamCommand = Union<typeof teamCommands>;
export type TeamEvent = Union<typeof teamEvents>;
