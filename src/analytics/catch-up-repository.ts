// SQL of the derived-data catch-up: one step folds the next range of captured rows into the search
// index and the four analytics rollups and moves the watermark past it, in one transaction
// (drizzle/0023_derived_watermark.sql says why the range is always the one after the last step's).
import { sql } from 'drizzle-orm';
import type { Database } from '../db/client';
import { FOLDED_UP_TO } from '../db/derived-watermark';
import { SEARCH_TEXT_OF_CALL } from '../calls/search-index-repository';
import { CALLS_BY_ID, DAY_OF_CALL, HOUR_OF_CALL, LATENCY_BUCKET_OF_CALL, TIMED_SUCCESS, TOTALS_COLUMNS, TOTALS_OF_CALLS } from './rollup-sql';

export interface FoldLimits {
  /** Most rows one step folds. */
  rows: number;
  /** Most text (characters of request, response and error JSON) one step indexes; a step takes at least one row. */
  chars: number;
}

export interface FoldProgress {
  /** Every row up to this id is folded in. */
  foldedUpTo: number;
  /** The newest captured row. */
  newest: number;
}

export interface FoldStep extends FoldProgress {
  /** Rows this step folded. */
  folded: number;
}

const SET_TOTALS = sql`ON CONFLICT DO UPDATE SET
  calls = calls + excluded.calls, failed_calls = failed_calls + excluded.failed_calls,
  tokenized_calls = tokenized_calls + excluded.tokenized_calls, prompt_tokens = prompt_tokens + excluded.prompt_tokens,
  completion_tokens = completion_tokens + excluded.completion_tokens, total_tokens = total_tokens + excluded.total_tokens,
  latency_calls = latency_calls + excluded.latency_calls, latency_ms_sum = latency_ms_sum + excluded.latency_ms_sum`;

/** The range the step in progress took, (folded_from, last_id], read inside its own transaction. */
const IN_STEP = sql`c.id > (SELECT folded_from FROM derived_watermark WHERE id = 1) AND c.id <= ${FOLDED_UP_TO}`;

export async function foldProgress(db: Database): Promise<FoldProgress> {
  const [row] = await db.all<{ folded: number; newest: number }>(
    sql`SELECT ${FOLDED_UP_TO} AS folded, coalesce((SELECT max(id) FROM raw_calls), 0) AS newest`,
  );
  return { foldedUpTo: Number(row!.folded), newest: Number(row!.newest) };
}

/**
 * One step. Its first statement claims the range (the next `limits.rows` rows above the watermark,
 * fewer when their text passes `limits.chars`) by moving the watermark; the others fold exactly the
 * rows between the old and the new watermark. A step that finds nothing to fold still ends where it
 * began (folded_from = last_id: an empty range).
 */
export async function foldNextRange(db: Database, limits: FoldLimits): Promise<FoldStep> {
  const results = await db.batch([
    db.run(sql`UPDATE derived_watermark SET folded_from = last_id, last_id = coalesce((
        SELECT max(id) FROM (
          SELECT id, row_number() OVER (ORDER BY id) AS n, sum(chars) OVER (ORDER BY id) AS running
            FROM (SELECT c.id, length(c.request_json) + coalesce(length(c.response_json), 0) + coalesce(length(c.error_json), 0) AS chars
                    FROM ${CALLS_BY_ID} WHERE c.id > derived_watermark.last_id ORDER BY c.id LIMIT ${limits.rows}))
         WHERE n = 1 OR running <= ${limits.chars}), last_id)
      WHERE id = 1`),
    db.run(sql`INSERT INTO raw_calls_fts (rowid, prompt, response, error)
      SELECT c.id, ${SEARCH_TEXT_OF_CALL} FROM ${CALLS_BY_ID} WHERE ${IN_STEP} ORDER BY c.id`),
    db.run(sql`INSERT INTO call_rollup_hourly (provider, model, hour, ${TOTALS_COLUMNS})
      SELECT c.provider, c.model, ${HOUR_OF_CALL}, ${TOTALS_OF_CALLS} FROM ${CALLS_BY_ID} WHERE ${IN_STEP} GROUP BY 1, 2, 3 ${SET_TOTALS}`),
    db.run(sql`INSERT INTO call_rollup_daily (provider, model, day, ${TOTALS_COLUMNS})
      SELECT c.provider, c.model, ${DAY_OF_CALL}, ${TOTALS_OF_CALLS} FROM ${CALLS_BY_ID} WHERE ${IN_STEP} GROUP BY 1, 2, 3 ${SET_TOTALS}`),
    db.run(sql`INSERT INTO call_latency_daily (day, provider, model, bucket, calls)
      SELECT ${DAY_OF_CALL}, c.provider, c.model, ${LATENCY_BUCKET_OF_CALL}, count(*) FROM ${CALLS_BY_ID} WHERE ${IN_STEP} AND ${TIMED_SUCCESS}
       GROUP BY 1, 2, 3, 4 ON CONFLICT DO UPDATE SET calls = calls + excluded.calls`),
    db.run(sql`INSERT INTO call_latency_total (provider, model, bucket, calls)
      SELECT c.provider, c.model, ${LATENCY_BUCKET_OF_CALL}, count(*) FROM ${CALLS_BY_ID} WHERE ${IN_STEP} AND ${TIMED_SUCCESS}
       GROUP BY 1, 2, 3 ON CONFLICT DO UPDATE SET calls = calls + excluded.calls`),
    db.all<{ folded_up_to: number; folded: number; newest: number }>(sql`
      SELECT ${FOLDED_UP_TO} AS folded_up_to, (SELECT count(*) FROM ${CALLS_BY_ID} WHERE ${IN_STEP}) AS folded,
             coalesce((SELECT max(id) FROM raw_calls), 0) AS newest`),
  ]);
  const [row] = results[results.length - 1] as Array<{ folded_up_to: number; folded: number; newest: number }>;
  return { foldedUpTo: Number(row!.folded_up_to), folded: Number(row!.folded), newest: Number(row!.newest) };
}
