// `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (+ DATABASE_AUTH_TOKEN) — how a
// Turso database is prepared for the Workers build, which never migrates at request time.
import { existsSync } from 'node:fs';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';

if (existsSync('.env')) process.loadEnvFile('.env');
const url = process.env.DATABASE_URL ?? 'file:./data/study.db';
const database = await openDatabase(url, process.env.DATABASE_AUTH_TOKEN || undefined);
try {
  await migrateDatabase(database.db);
  console.log(`migrations applied to ${url.startsWith('file:') ? url : new URL(url).host}`);
} finally {
  database.close();
}
