import type { EventEnvelope } from '../../contracts/envelope';
import { streamEntityId } from '../../contracts/envelope';
import type { UserAdded, UserModified } from '../../contracts/identity';
import { USER_CATEGORY } from '../../contracts/identity';
import type { Projection } from '../../platform/hosts/projectorHost';
import type { Tx } from '../../platform/postgres/pool';

type Profile = UserModified;

interface Registered extends UserAdded {
  version: number;
  createdAt: string;
  updatedAt: string;
}

interface Modified extends Profile {
  id: string;
  version: number;
  updatedAt: string;
}

/**
 * Folds a batch per user in memory, then writes it with one INSERT (users registered in the
 * batch, their later changes included) and one UPDATE (the others), whatever the batch holds.
 */
function fold(events: EventEnvelope[]): { added: Registered[]; modified: Modified[] } {
  const added = new Map<string, Registered>();
  const modified = new Map<string, Modified>();
  for (const e of events) {
    const id = streamEntityId(e.streamId);
    const at = e.metadata.timestamp;
    if (e.type === 'UserAdded') {
      added.set(id, { ...(e.data as UserAdded), version: e.version, createdAt: at, updatedAt: at });
    } else if (e.type === 'UserModified') {
      const change = e.data as Profile;
      const fresh = added.get(id);
      if (fresh) added.set(id, { ...fresh, ...change, version: e.version, updatedAt: at });
      else
        modified.set(id, { ...modified.get(id), ...change, id, version: e.version, updatedAt: at });
    }
  }
  return { added: [...added.values()], modified: [...modified.values()] };
}

async function write(tx: Tx, schema: string, events: EventEnvelope[]): Promise<void> {
  const { added, modified } = fold(events);
  if (added.length > 0) {
    await tx.query(
      `INSERT INTO ${schema}.users (id, auth0_id, email, email_verified, first_name, last_name, picture, locale, version, created_at, updated_at)
       SELECT id, "auth0Id", email, "emailVerified", "firstName", "lastName", picture, locale, version, "createdAt", "updatedAt"
       FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, "auth0Id" text, email text, "emailVerified" boolean,
         "firstName" text, "lastName" text, picture text, locale text, version int, "createdAt" timestamptz, "updatedAt" timestamptz)
       ON CONFLICT (id) DO NOTHING`,
      [JSON.stringify(added)],
    );
  }
  if (modified.length > 0) {
    // Absent fields keep their value. The id list lets the planner use the primary key rather
    // than scan the table to join against a set it cannot estimate.
    await tx.query(
      `UPDATE ${schema}.users u SET first_name = COALESCE(m."firstName", u.first_name), last_name = COALESCE(m."lastName", u.last_name),
         picture = COALESCE(m.picture, u.picture), locale = COALESCE(m.locale, u.locale), version = m.version, updated_at = m."updatedAt"
       FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, "firstName" text, "lastName" text, picture text, locale text, version int, "updatedAt" timestamptz)
       WHERE u.id = m.id AND u.id = ANY($2::uuid[]) AND u.version < m.version`,
      [JSON.stringify(modified), modified.map((m) => m.id)],
    );
  }
}

export const usersProjection: Projection = {
  name: 'identity-projector',
  context: 'identity',
  category: USER_CATEGORY,
  schema: 'identity',
  migrations: { schema: 'identity', dir: 'projectors/identity/migrations' },
  applier: (schema) => ({ apply: (tx, events) => write(tx, schema, events) }),
};
