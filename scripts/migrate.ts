// `npm run db:migrate`: applies drizzle/ migrations to DATABASE_URL (+ DATABASE_AUTH_TOKEN) — how a
// Turso database is prepared for the Workers build, which never migrates at request time — folds
// captured calls not yet in the search index and the rollups in, and takes the secrets configured in
// this environment out of its search index (as every Node start does).
import { existsSync } from 'node:fs';
import { loadConfig } from '../src/config';
import { openDatabase } from '../src/db/client';
import { migrateDatabase } from '../src/db/migrate';
import { scrubSearchIndex } from '../src/calls/scrub-search-index';
import { catchUpDerivedData } from '../src/analytics/catch-up';

if (existsSync('.env')) process.loadEnvFile('.env');
const url = process.env.DATABASE_URL ?? 'file:./data/study.db';
const { secrets } = loadConfig(process.env);
const database = await openDatabase(url, process.env.DATABASE_AUTH_TOKEN || undefined);
try {
  await migrateDatabase(database.db);
  console.log(`migrations applied to ${url.startsWith('file:') ? url : new URL(url).host}`);
  // Calls not yet in the search index go in before it is searched for secrets (as every Node start does).
  const folded = await catchUpDerivedData(database.db);
  if (folded) console.log(`${folded} captured calls folded into the search index and the analytics rollups`);
  const scrubbed = await scrubSearchIndex(database.db, secrets);
  if (scrubbed) console.log(`configured secrets removed from ${scrubbed} search index entries`);
} finally {
  database.close();
}
