// SQL for what a model did before: its latest captured calls, read through the (provider, model,
// created_at) index and bounded by a LIMIT, so an estimate costs the same however long the log.
import { sql } from 'drizzle-orm';
import type { Database } from '../../db/client';
import type { ModelHistory } from './task-cost';

/** How many of a model's latest calls an estimate looks at. */
export const HISTORY_CALLS = 1_000;

/** Mean output tokens and latency of the model's successful chat calls among its latest HISTORY_CALLS calls. */
export async function modelHistory(db: Database, provider: string, model: string): Promise<ModelHistory> {
  const [row] = await db.all<{ calls: number; output: number | null; latency: number | null }>(sql`
    SELECT count(*) AS calls, avg(completion_tokens) AS output, avg(latency_ms) AS latency
      FROM (SELECT status, modality, completion_tokens, latency_ms FROM raw_calls
             WHERE provider = ${provider} AND model = ${model}
             ORDER BY created_at DESC LIMIT ${HISTORY_CALLS})
     WHERE status = 'success' AND modality = 'chat'`);
  return { calls: Number(row?.calls ?? 0), meanOutputTokens: row?.output ?? null, meanLatencyMs: row?.latency ?? null };
}
