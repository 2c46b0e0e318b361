// SQL for the full-text index itself (raw_calls_fts), apart from searching it: reading and rewriting
// the text an entry holds, and what a row puts into it (the catch-up folds rows in: analytics/catch-up.ts).
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

/**
 * What the index holds of a raw_calls row `c`, in its columns' order (prompt, response, error): the
 * chat messages' contents, the embedding inputs or the completion prompt; the answer's text; the
 * error's message.
 */
export const SEARCH_TEXT_OF_CALL = sql`coalesce(
    (SELECT group_concat(json_extract(m.value, '$.content'), char(10)) FROM json_each(c.request_json, '$.messages') AS m),
    (SELECT group_concat(i.value, char(10)) FROM json_each(c.request_json, '$.input') AS i),
    json_extract(c.request_json, '$.prompt')
  ),
  json_extract(c.response_json, '$.text'),
  json_extract(c.error_json, '$.message')`;
