// SQL for the full-text index itself (raw_calls_fts), apart from searching it: reading and rewriting
// the text an entry holds.
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';

export interface SearchIndexEntry {
  id: number;
  prompt: string | null;
  response: string | null;
  error: string | null;
}

/** Entries matching an FTS5 query (which must be safe: quoted strings only), in id order after `afterId`. */
export async function searchIndexEntries(db: Database, match: string, afterId: number, limit: number): Promise<SearchIndexEntry[]> {
  return db.all<SearchIndexEntry>(sql`
    SELECT rowid AS id, prompt, response, error FROM raw_calls_fts
     WHERE raw_calls_fts MATCH ${match} AND rowid > ${afterId}
     ORDER BY rowid LIMIT ${limit}`);
}

/** Replaces the text an entry holds (the row it indexes is left as it is). */
export async function rewriteSearchIndexEntry(db: Database, entry: SearchIndexEntry): Promise<void> {
  await db.run(sql`UPDATE raw_calls_fts SET prompt = ${entry.prompt}, response = ${entry.response}, error = ${entry.error} WHERE rowid = ${entry.id}`);
}
