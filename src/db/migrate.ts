// Applies the committed drizzle migrations (drizzle/) — run on every start; already-applied ones are skipped.
import { join } from 'node:path';
import { migrate } from 'drizzle-orm/libsql/migrator';
import { projectRoot } from '../node/project-root';
import type { Database } from './client';

export const MIGRATIONS_FOLDER = join(projectRoot(), 'drizzle');

export async function migrateDatabase(db: Database, migrationsFolder = MIGRATIONS_FOLDER): Promise<void> {
  await migrate(db, { migrationsFolder });
}
