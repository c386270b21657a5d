import type { Pool } from 'pg';
import type { Principal } from '../../platform/auth/jwt';
import { findUserByAuth0Id } from '../../projectors/identity/usersView';

/**
 * The address that proves who a caller is for invitations, estimates and invoices: the token's
 * email claim when it has one, otherwise the one of their registered profile (lower case).
 */
export async function callerEmail(db: Pool, who: Principal): Promise<string | null> {
  if (who.email) return who.email.toLowerCase();
  return (await findUserByAuth0Id(db, who.sub))?.user.email.toLowerCase() ?? null;
}
