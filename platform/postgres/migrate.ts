import { runner } from 'node-pg-migrate';
import { logger } from '../logger';
import { repoPath } from '../paths';

export interface MigrationSet {
  /** The schema the migrations create their tables in (they use unqualified names). */
  schema: string;
  /** Folder of `NNN_name.sql` files, relative to the repository root. */
  dir: string;
}

export const platformMigrations: MigrationSet = {
  schema: 'platform',
  dir: 'platform/postgres/migrations',
};

/** Applied to every projection schema besides its own migrations: checkpoints, processed events. */
const bookkeeping: Omit<MigrationSet, 'schema'> = {
  dir: 'platform/postgres/projection-migrations',
};

/** Applies pending migrations; node-pg-migrate's advisory lock keeps concurrent starts safe. */
export async function migrate(
  databaseUrl: string,
  sets: MigrationSet[],
  schemaOverride?: Record<string, string>,
): Promise<void> {
  const apply = (dir: string, migrationsTable: string, schema: string) =>
    runner({
      databaseUrl,
      dir: repoPath(dir),
      direction: 'up',
      migrationsTable,
      schema,
      migrationsSchema: schema,
      createSchema: true,
      createMigrationsSchema: true,
      checkOrder: true,
      log: (msg: string) => logger.debug({ schema }, msg),
    });
  for (const set of sets) {
    const schema = schemaOverride?.[set.schema] ?? set.schema;
    await apply(set.dir, 'migrations', schema);
    if (set !== platformMigrations) await apply(bookkeeping.dir, 'bookkeeping_migrations', schema);
  }
}
