import type { Pool } from 'pg';
import type { TeamRole } from '../../contracts/teams';
import type { Invite, Member, Team } from '../../contracts/http/teams';

export type { Invite, Member, Team };

const iso = (d: Date): string => d.toISOString();

interface TeamRow {
  id: string;
  name: string;
  user_id: string;
  project_id: string | null;
  version: number;
  created_at: Date;
  updated_at: Date;
}

/** A membership with the profile fields of its user, null when there is no profile (left join). */
interface MemberRow {
  id: string;
  team_id: string;
  user_id: string;
  sub: string;
  role: TeamRole;
  created_at: Date;
  updated_at: Date;
  first_name: string | null;
  last_name: string | null;
  picture: string | null;
  email: string | null;
}

/** An invite with its team's name. The log knows no `expired` status: that is computed on read. */
interface InviteRow {
  id: string;
  team_id: string;
  team_name: string;
  email: string;
  invited_by: string;
  expiration: Date;
  status: Exclude<Invite['status'], 'expired'>;
  created_at: Date;
  updated_at: Date;
}

const toTeam = (r: TeamRow): Team => ({
  id: r.id,
  name: r.name,
  userId: r.user_id,
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** The caller's role in the team, or null when they are not a member. */
export async function roleIn(db: Pool, teamId: string, sub: string): Promise<TeamRole | null> {
  const { rows } = await db.query<{ role: TeamRole }>(
    'SELECT role FROM teams.memberships WHERE team_id = $1 AND sub = $2',
    [teamId, sub],
  );
  return rows[0]?.role ?? null;
}

export async function findTeam(db: Pool, id: string): Promise<Team | null> {
  const { rows } = await db.query<TeamRow>('SELECT * FROM teams.teams WHERE id = $1', [id]);
  return rows[0] ? toTeam(rows[0]) : null;
}

export async function listTeams(db: Pool, sub: string): Promise<Team[]> {
  const { rows } = await db.query<TeamRow>(
    'SELECT t.* FROM teams.teams t JOIN teams.memberships m ON m.team_id = t.id WHERE m.sub = $1 ORDER BY t.created_at',
    [sub],
  );
  return rows.map(toTeam);
}

/**
 * Members with their profile fields. The profile is read from the identity context's users view
 * when the answer is composed; a member who has not registered a profile shows empty fields.
 */
export async function listMembers(db: Pool, teamId: string): Promise<Member[]> {
  const { rows } = await db.query<MemberRow>(
    `SELECT m.*, u.first_name, u.last_name, u.picture, u.email FROM teams.memberships m
     LEFT JOIN identity.users u ON u.id = m.user_id WHERE m.team_id = $1 ORDER BY m.created_at, m.user_id`,
    [teamId],
  );
  return rows.map((r) => ({
    id: r.id,
    userId: r.user_id,
    firstName: r.first_name ?? '',
    lastName: r.last_name ?? '',
    picture: r.picture ?? '',
    email: r.email ?? '',
    teamId: r.team_id,
    role: r.role,
    createdAt: iso(r.created_at),
    updatedAt: iso(r.updated_at),
  }));
}

const INVITE = `SELECT i.*, t.name AS team_name FROM teams.invites i JOIN teams.teams t ON t.id = i.team_id`;
const toInvite = (r: InviteRow, userId: string | null): Invite => ({
  id: r.id,
  userId,
  teamId: r.team_id,
  teamName: r.team_name,
  email: r.email,
  read: r.status !== 'open',
  accepted: r.status === 'accepted',
  status: r.status === 'open' && r.expiration <= new Date() ? 'expired' : r.status,
  expiration: iso(r.expiration),
  createdAt: iso(r.created_at),
  updatedAt: iso(r.updated_at),
});

/** Invitations addressed to an email, newest first. */
export async function invitesFor(
  db: Pool,
  email: string,
  userId: string | null,
): Promise<Invite[]> {
  const { rows } = await db.query<InviteRow>(
    `${INVITE} WHERE i.email = $1 ORDER BY i.created_at DESC`,
    [email.toLowerCase()],
  );
  return rows.map((r) => toInvite(r, userId));
}

export async function findInvite(
  db: Pool,
  id: string,
  userId: string | null,
): Promise<Invite | null> {
  const { rows } = await db.query<InviteRow>(`${INVITE} WHERE i.id = $1`, [id]);
  return rows[0] ? toInvite(rows[0], userId) : null;
}

export async function openInvites(db: Pool, teamId: string, emails: string[]): Promise<Invite[]> {
  const { rows } = await db.query<InviteRow>(
    `${INVITE} WHERE i.team_id = $1 AND i.email = ANY($2) AND i.status = 'open' AND i.expiration > now() ORDER BY i.email`,
    [teamId, emails.map((e) => e.toLowerCase())],
  );
  return rows.map((r) => toInvite(r, null));
}
