// SQL of clone and change: a study's items in position order, as they were stored.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface StoredItemRow {
  position: number;
  item_key: string;
  prompt: string | null;
  messages_json: string | null;
  vars_json: string | null;
  expected_json: string | null;
  fields_json: string | null;
}

/** The next `limit` items of the study after position `afterPosition`. */
export const studyItemsAfter = (db: Database, studyId: number, afterPosition: number, limit: number) =>
  db.all<StoredItemRow>(sql`
    SELECT position, item_key, prompt, messages_json, vars_json, expected_json, fields_json FROM batch_items
     WHERE batch_id = ${studyId} AND position > ${afterPosition} ORDER BY position LIMIT ${limit}`);

export async function studyItemCount(db: Database, studyId: number): Promise<number> {
  const [row] = await db.all<{ n: number }>(sql`SELECT count(*) AS n FROM batch_items WHERE batch_id = ${studyId}`);
  return row?.n ?? 0;
}
