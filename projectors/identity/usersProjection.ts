import type { EventEnvelope } from '../../contracts/envelope';
import { streamEntityId } from '../../contracts/envelope';
import type { UserAdded, UserModified } from '../../contracts/identity';
import { USER_CATEGORY } from '../../contracts/identity';
import type { Projection } from '../../platform/hosting/projectorHost';
import type { Tx } from '../../platform/postgres/pool';
import { runsOf } from '../runs';

const COLUMNS = { firstName: 'first_name', lastName: 'last_name', picture: 'picture', locale: 'locale' } as const;

async function addUsers(tx: Tx, schema: string, events: EventEnvelope[]): Promise<void> {
  const rows = events.map((e) => {
    const d = e.data as UserAdded;
    return { ...d, version: e.version, at: e.metadata.timestamp };
  });
  await tx.query(
    `INSERT INTO ${schema}.users (id, auth0_id, email, email_verified, first_name, last_name, picture, locale, version, created_at, updated_at)
     SELECT id, "auth0Id", email, "emailVerified", "firstName", "lastName", picture, locale, version, at, at
     FROM jsonb_to_recordset($1::jsonb) AS u(id uuid, "auth0Id" text, email text, "emailVerified" boolean,
       "firstName" text, "lastName" text, picture text, locale text, version int, at timestamptz)
     ON CONFLICT (id) DO NOTHING`,
    [JSON.stringify(rows)],
  );
}

async function modifyUsers(tx: Tx, schema: string, events: EventEnvelope[]): Promise<void> {
  // One statement per run of distinct users: absent fields keep their value.
  const rows = events.map((e) => ({ ...(e.data as UserModified), id: streamEntityId(e.streamId), version: e.version, at: e.metadata.timestamp }));
  const sets = Object.entries(COLUMNS).map(([field, col]) => `${col} = COALESCE(m."${field}", u.${col})`);
  await tx.query(
    `UPDATE ${schema}.users u SET ${sets.join(', ')}, version = m.version, updated_at = m.at
     FROM jsonb_to_recordset($1::jsonb) AS m(id uuid, "firstName" text, "lastName" text, picture text, locale text, version int, at timestamptz)
     WHERE u.id = m.id AND u.version < m.version`,
    [JSON.stringify(rows)],
  );
}

export const usersProjection: Projection = {
  context: 'identity',
  category: USER_CATEGORY,
  schema: 'identity',
  migrations: { schema: 'identity', dir: 'projectors/identity/migrations' },
  applier: (schema) => ({
    async apply(tx, events) {
      for (const run of runsOf(events, (e) => e.streamId)) {
        if (run[0]!.type === 'UserAdded') await addUsers(tx, schema, run);
        else if (run[0]!.type === 'UserModified') await modifyUsers(tx, schema, run);
      }
    },
  }),
};
