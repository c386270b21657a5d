import type { Pool } from 'pg';
import type { User } from '../../contracts/http/identity';

export type { User };

export interface UserWithVersion {
  user: User;
  version: number;
}

const SELECT = `SELECT id, auth0_id, email, email_verified, first_name, last_name, picture, locale, version, created_at, updated_at FROM identity.users`;

interface Row {
  id: string;
  auth0_id: string;
  email: string;
  email_verified: boolean;
  first_name: string;
  last_name: string;
  picture: string;
  locale: string;
  version: number;
  created_at: Date;
  updated_at: Date;
}

const toUser = (r: Row): UserWithVersion => ({
  version: r.version,
  user: {
    id: r.id,
    auth0Id: r.auth0_id,
    email: r.email,
    emailVerified: r.email_verified,
    firstName: r.first_name,
    lastName: r.last_name,
    picture: r.picture,
    locale: r.locale,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
  },
});

export async function findUserByAuth0Id(
  db: Pool,
  auth0Id: string,
): Promise<UserWithVersion | null> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE auth0_id = $1`, [auth0Id]);
  return rows[0] ? toUser(rows[0]) : null;
}

export async function findUserById(db: Pool, id: string): Promise<UserWithVersion | null> {
  const { rows } = await db.query<Row>(`${SELECT} WHERE id = $1`, [id]);
  return rows[0] ? toUser(rows[0]) : null;
}
