// SQL the drift report adds to the report's own (report/repository.ts): which models the provider
// said served each target of a run.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';

export interface ServedRow {
  target_index: number;
  served_model: string | null;
  system_fingerprint: string | null;
  calls: number;
}

/** Per target, each served model and fingerprint the answered tasks' calls of items with ids in [fromId, toId] reported (a range at a time, as the report reads). */
export async function servedModelsByTarget(db: Database, studyId: number, fromId: number, toId: number): Promise<ServedRow[]> {
  return db.all<ServedRow>(sql`
    SELECT t.target_index, c.served_model, c.system_fingerprint, count(*) AS calls
      FROM batch_tasks t JOIN raw_calls c ON c.id = t.last_call_id
     WHERE t.batch_id = ${studyId} AND t.item_id BETWEEN ${fromId} AND ${toId} AND t.status = 'success'
     GROUP BY t.target_index, c.served_model, c.system_fingerprint`);
}
