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

/** Distinct (served model, fingerprint) pairs per target, over the answers of a run. */
export const MAX_SERVED_ROWS = 1_000;

/** Per target, each served model and fingerprint its answered tasks' calls reported, most frequent first. */
export async function servedModelsByTarget(db: Database, studyId: number): Promise<ServedRow[]> {
  return db.all<ServedRow>(sql`
    SELECT t.target_index, c.served_model, c.system_fingerprint, count(*) AS calls
      FROM batch_tasks t JOIN raw_calls c ON c.id = t.last_call_id
     WHERE t.batch_id = ${studyId} AND t.status = 'success'
     GROUP BY t.target_index, c.served_model, c.system_fingerprint
     ORDER BY t.target_index, calls DESC
     LIMIT ${MAX_SERVED_ROWS}`);
}
