import type { Pool } from 'pg';
import type { Principal } from '../../platform/auth/jwt';
import { HttpError } from '../../platform/http/errors';
import { findProject } from '../../projectors/projects/boardQueries';
import { requireProvenEmail } from '../identity/callerEmail';
import { asSeenByClient } from './clientView';
import { may } from './permissions';

/**
 * A project's estimates or invoices as the caller may list them: all of them for its team, the
 * ones addressed to them for a client, and for anyone else no such project (its existence is
 * not theirs to learn).
 */
export async function listForCaller<T extends Parameters<typeof asSeenByClient>[0]>(
  db: Pool,
  pid: string,
  who: Principal,
  list: { all(): Promise<T[]>; addressedTo(email: string): Promise<T[]> },
): Promise<T[]> {
  const access = (await findProject(db, pid, who.sub))?.access ?? null;
  if (may(access, 'read')) return list.all();
  const email = requireProvenEmail(who, 'see what was sent to it');
  const mine = await list.addressedTo(email);
  if (mine.length === 0) throw new HttpError(404, 'no such project');
  return mine.map((item) => asSeenByClient(item, who.sub));
}
