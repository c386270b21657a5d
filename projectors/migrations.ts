import { platformMigrations, type MigrationSet } from '../platform/postgres/migrate';
import { PROJECTIONS } from './catalog';

/** Every schema's migrations, platform first: `node dist/main.js migrate` applies them in this order. */
export const MIGRATIONS: MigrationSet[] = [
  platformMigrations,
  ...new Map(
    Object.values(PROJECTIONS)
      .flat()
      .map((p) => [p.migrations.schema, p.migrations]),
  ).values(),
];
