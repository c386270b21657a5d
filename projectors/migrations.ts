import { platformMigrations, type MigrationSet } from '../platform/postgres/migrate';
import { identityProjection } from './identity';
import { projectsProjection } from './projects';

/** Every schema's migrations, platform first: `node dist/main.js migrate` applies them in this order. */
export const MIGRATIONS: MigrationSet[] = [platformMigrations, identityProjection.migrations, projectsProjection.migrations];
