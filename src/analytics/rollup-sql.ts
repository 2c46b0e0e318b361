// The rollups' keys and sums, defined once for both of their users: the catch-up that folds captured
// rows into the rollup tables (catch-up-repository.ts), and the dashboard queries that add the rows
// not folded yet — the tail above the watermark — summed the same way (repository.ts).
// Expressions are over a raw_calls row aliased `c`.
import { sql, type SQL } from 'drizzle-orm';
import { FOLDED_UP_TO } from '../db/derived-watermark';

/** UTC hour of a created_at, '2026-11-26T13:00:00.000Z' (the text itself when strftime cannot read it). */
export const HOUR_OF_CALL = sql`coalesce(strftime('%Y-%m-%dT%H:00:00.000Z', c.created_at), c.created_at)`;
/** UTC day of a created_at, '2026-11-26'. */
export const DAY_OF_CALL = sql`coalesce(strftime('%Y-%m-%d', c.created_at), substr(c.created_at, 1, 10))`;
/** The log-scale latency bucket of a call (see latency_buckets in 0005). */
export const LATENCY_BUCKET_OF_CALL = sql`coalesce((SELECT bucket FROM latency_buckets WHERE lower_ms <= c.latency_ms ORDER BY lower_ms DESC LIMIT 1), 0)`;

/**
 * What the hourly and daily totals keep, summed over rows `c`, in their columns' order. Latency sums
 * count successful calls only (a failure's latency is mostly retries); calls with token counts are
 * the ones a price can apply to.
 */
export const TOTALS_OF_CALLS = sql`count(*) AS calls, sum(c.status = 'failed') AS failed_calls,
  sum(c.prompt_tokens IS NOT NULL OR c.completion_tokens IS NOT NULL) AS tokenized_calls,
  coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens, coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
  coalesce(sum(c.total_tokens), 0) AS total_tokens,
  count(CASE WHEN c.status = 'success' THEN c.latency_ms END) AS latency_calls,
  coalesce(sum(CASE WHEN c.status = 'success' THEN c.latency_ms END), 0) AS latency_ms_sum`;

export const TOTALS_COLUMNS = sql`calls, failed_calls, tokenized_calls, prompt_tokens, completion_tokens, total_tokens, latency_calls, latency_ms_sum`;

/** Calls the histograms count: timed successes. */
export const TIMED_SUCCESS = sql`c.status = 'success' AND c.latency_ms IS NOT NULL`;

/** Rows above the watermark: captured, not folded into the rollups or the search index yet. */
export const UNFOLDED_CALL = sql`c.id > ${FOLDED_UP_TO}`;

/**
 * raw_calls as `c`, read by its id range only. Left to itself the planner walks a whole index of a
 * million rows to save sorting a GROUP BY of a few hundred; NOT INDEXED leaves it the rowid range.
 */
export const CALLS_BY_ID = sql`raw_calls c NOT INDEXED`;

/**
 * The tail summed as the hourly or daily rollup sums it: rows (provider, model, hour|day, totals…).
 * `where` narrows the raw rows (provider, model); a window on the key is the caller's to add.
 */
export function unfoldedTotals(key: 'hour' | 'day', where: SQL): SQL {
  return sql`SELECT c.provider AS provider, c.model AS model, ${key === 'hour' ? HOUR_OF_CALL : DAY_OF_CALL} AS ${sql.raw(key)}, ${TOTALS_OF_CALLS}
    FROM ${CALLS_BY_ID} WHERE ${UNFOLDED_CALL} AND ${where} GROUP BY 1, 2, 3`;
}

/** The tail's timed successes as the latency histograms count them: rows (provider, model, day, bucket, calls). */
export function unfoldedLatencies(where: SQL): SQL {
  return sql`SELECT c.provider AS provider, c.model AS model, ${DAY_OF_CALL} AS day, ${LATENCY_BUCKET_OF_CALL} AS bucket, count(*) AS calls
    FROM ${CALLS_BY_ID} WHERE ${UNFOLDED_CALL} AND ${TIMED_SUCCESS} AND ${where} GROUP BY 1, 2, 3, 4`;
}
