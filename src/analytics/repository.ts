// SQL for the analytics dashboard. Counts, tokens and latency come from the rollups
// (drizzle/*_analytics_rollups.sql) plus the few rows captured since the last catch-up folded rows
// into them (the tail above the watermark, summed the same way: rollup-sql.ts) — exact at every
// moment, and never a scan of raw_calls. Each query is one statement, so the rollups and the tail
// come from one snapshot. Cost joins the versioned price table at query time, so a price added or
// corrected later re-prices earlier calls.
import { sql, type SQL } from 'drizzle-orm';
import type { Database } from '../db/client';
import { CALLS_BY_ID, TOTALS_COLUMNS, UNFOLDED_CALL, unfoldedLatencies, unfoldedTotals } from './rollup-sql';

/** Whole UTC days: `from` inclusive, `to` exclusive, both 'YYYY-MM-DD' (they compare directly with ISO timestamps). */
export interface AnalyticsWindow {
  from?: string;
  to?: string;
}

export interface AnalyticsFilters extends AnalyticsWindow {
  provider?: string;
  model?: string;
}

export interface UsageTotals {
  calls: number;
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  latency_calls: number;
  latency_ms_sum: number;
  /** Calls with token counts and a price in force: the ones `cost_usd` covers. */
  priced_calls: number;
  cost_usd: number | null;
}

export interface ModelUsage extends UsageTotals {
  provider: string;
  model: string;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}

const all = (conditions: Array<SQL | undefined>) => sql.join([sql`1 = 1`, ...conditions.filter((c): c is SQL => c !== undefined)], sql` AND `);
/** The window on a timestamp-like column (hour, day or created_at: all compare with 'YYYY-MM-DD'). */
const within = (w: AnalyticsWindow, column: SQL) =>
  all([w.from ? sql`${column} >= ${w.from}` : undefined, w.to ? sql`${column} < ${w.to}` : undefined]);
const modelIs = (f: AnalyticsFilters, provider: SQL, model: SQL) =>
  all([f.provider ? sql`${provider} = ${f.provider}` : undefined, f.model ? sql`${model} = ${f.model}` : undefined]);

/** The CTE `tail_daily`: the tail summed per (provider, model, day) as the daily rollup sums it, in the window. */
const tailDailySql = (filters: AnalyticsFilters) => sql`
    tail_daily AS (
      SELECT * FROM (${unfoldedTotals('day', modelIs(filters, sql`c.provider`, sql`c.model`))}) t WHERE ${within(filters, sql`t.day`)})`;

/**
 * Per provider/model usage over the window, with its cost: the daily rollup's totals, then for each
 * price version the sum over the days it covers (a range of the rollup's (provider, model, day) key);
 * the tail's days are added to both.
 */
function usageByModelSql(filters: AnalyticsFilters): SQL {
  const days = within(filters, sql`r.day`);
  const priced = (rows: SQL) => sql`
      SELECT p.provider, p.model, sum(r.tokenized_calls) AS priced_calls,
             sum(r.prompt_tokens * p.input_price + r.completion_tokens * p.output_price) / 1e6 AS cost_usd
        FROM price_periods p
        JOIN ${rows} r
          ON r.provider = p.provider AND r.model = p.model AND r.day >= p.effective_from AND r.day < p.effective_until
       WHERE ${days}
       GROUP BY p.provider, p.model`;
  return sql`
    ${tailDailySql(filters)},
    usage AS (
      SELECT provider, model, sum(calls) AS calls, sum(failed_calls) AS failed,
             sum(prompt_tokens) AS prompt_tokens, sum(completion_tokens) AS completion_tokens, sum(total_tokens) AS total_tokens,
             sum(latency_calls) AS latency_calls, sum(latency_ms_sum) AS latency_ms_sum
        FROM (SELECT r.provider, r.model, ${TOTALS_COLUMNS} FROM call_rollup_daily r
               WHERE ${modelIs(filters, sql`r.provider`, sql`r.model`)} AND ${days}
              UNION ALL
              SELECT provider, model, ${TOTALS_COLUMNS} FROM tail_daily)
       GROUP BY provider, model),
    price_periods AS (
      SELECT provider, model, input_usd_per_million AS input_price, output_usd_per_million AS output_price, effective_from,
             coalesce(lead(effective_from) OVER (PARTITION BY provider, model ORDER BY effective_from), '9999') AS effective_until
        FROM model_prices p WHERE ${modelIs(filters, sql`p.provider`, sql`p.model`)}),
    cost AS (
      SELECT provider, model, sum(priced_calls) AS priced_calls, sum(cost_usd) AS cost_usd
        FROM (${priced(sql`call_rollup_daily`)} UNION ALL ${priced(sql`tail_daily`)})
       GROUP BY provider, model),
    totals AS (
      SELECT u.*, coalesce(c.priced_calls, 0) AS priced_calls, c.cost_usd
        FROM usage u LEFT JOIN cost c ON c.provider = u.provider AND c.model = u.model)`;
}

export async function usageSummary(db: Database, filters: AnalyticsFilters) {
  const [row] = await db.all<UsageTotals & { providers: number; models: number }>(sql`
    WITH ${usageByModelSql(filters)}
    SELECT coalesce(sum(calls), 0) AS calls, coalesce(sum(failed), 0) AS failed,
           coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
           coalesce(sum(total_tokens), 0) AS total_tokens, coalesce(sum(latency_calls), 0) AS latency_calls,
           coalesce(sum(latency_ms_sum), 0) AS latency_ms_sum, coalesce(sum(priced_calls), 0) AS priced_calls,
           sum(cost_usd) AS cost_usd, count(DISTINCT provider) AS providers, count(*) AS models
      FROM totals`);
  return row!;
}

/** Every call ever captured, from the daily rollup (a few rows per day) and the tail instead of counting raw_calls. */
export async function totalCalls(db: Database): Promise<number> {
  const [row] = await db.all<{ calls: number }>(sql`
    SELECT (SELECT coalesce(sum(calls), 0) FROM call_rollup_daily) + (SELECT count(*) FROM ${CALLS_BY_ID} WHERE ${UNFOLDED_CALL}) AS calls`);
  return row?.calls ?? 0;
}

/** Per provider/model totals plus latency percentiles read from the log-scale histograms. */
export async function usageByModel(db: Database, filters: AnalyticsFilters): Promise<ModelUsage[]> {
  const windowed = Boolean(filters.from || filters.to);
  const source = windowed ? sql`call_latency_daily` : sql`call_latency_total`;
  const where = sql`${windowed ? within(filters, sql`h.day`) : sql`1 = 1`} AND ${modelIs(filters, sql`h.provider`, sql`h.model`)}`;
  return db.all<ModelUsage>(sql`
    WITH ${usageByModelSql(filters)},
    histogram AS (
      SELECT provider, model, bucket, sum(calls) AS n
        FROM (SELECT h.provider, h.model, h.bucket, h.calls FROM ${source} h WHERE ${where}
              UNION ALL
              SELECT t.provider, t.model, t.bucket, t.calls
                FROM (${unfoldedLatencies(modelIs(filters, sql`c.provider`, sql`c.model`))}) t WHERE ${within(filters, sql`t.day`)})
       GROUP BY provider, model, bucket),
    running AS (
      SELECT provider, model, bucket,
             sum(n) OVER (PARTITION BY provider, model ORDER BY bucket) AS below,
             sum(n) OVER (PARTITION BY provider, model) AS total
        FROM histogram),
    -- Nearest rank: the bucket holding the ceil(p × n)-th fastest call (integer arithmetic, no math functions).
    ranks AS (
      SELECT provider, model,
             min(CASE WHEN below >= (total * 50 + 99) / 100 THEN bucket END) AS p50_bucket,
             min(CASE WHEN below >= (total * 95 + 99) / 100 THEN bucket END) AS p95_bucket
        FROM running GROUP BY provider, model)
    SELECT t.*, b50.mid_ms AS p50_latency_ms, b95.mid_ms AS p95_latency_ms
      FROM totals t
      LEFT JOIN ranks k ON k.provider = t.provider AND k.model = t.model
      LEFT JOIN latency_buckets b50 ON b50.bucket = k.p50_bucket
      LEFT JOIN latency_buckets b95 ON b95.bucket = k.p95_bucket
     ORDER BY t.calls DESC, t.provider, t.model`);
}

export interface SeriesPoint {
  t: string;
  calls: number;
  failed: number;
  total_tokens: number;
  latency_calls: number;
  latency_ms_sum: number;
}

/** Calls per hour or day from the rollups and the tail; per minute straight from raw_calls (created_at index). */
export async function usageSeries(db: Database, bucket: 'minute' | 'hour' | 'day', filters: AnalyticsFilters): Promise<SeriesPoint[]> {
  if (bucket === 'minute') {
    return db.all<SeriesPoint>(sql`
      SELECT strftime('%Y-%m-%dT%H:%M:00.000Z', created_at) AS t, count(*) AS calls,
             coalesce(sum(status = 'failed'), 0) AS failed, coalesce(sum(total_tokens), 0) AS total_tokens,
             count(CASE WHEN status = 'success' THEN latency_ms END) AS latency_calls,
             coalesce(sum(CASE WHEN status = 'success' THEN latency_ms END), 0) AS latency_ms_sum
        FROM raw_calls WHERE ${within(filters, sql`created_at`)} AND ${modelIs(filters, sql`provider`, sql`model`)}
       GROUP BY 1 ORDER BY 1`);
  }
  const key = bucket === 'hour' ? 'hour' : 'day';
  const table = bucket === 'hour' ? sql`call_rollup_hourly` : sql`call_rollup_daily`;
  const time = (alias: string) => sql.raw(`${alias}.${key}`);
  return db.all<SeriesPoint>(sql`
    SELECT ${bucket === 'hour' ? sql`k` : sql`k || 'T00:00:00.000Z'`} AS t, sum(calls) AS calls, sum(failed_calls) AS failed,
           sum(total_tokens) AS total_tokens, sum(latency_calls) AS latency_calls, sum(latency_ms_sum) AS latency_ms_sum
      FROM (SELECT ${time('r')} AS k, ${TOTALS_COLUMNS} FROM ${table} r
             WHERE ${within(filters, time('r'))} AND ${modelIs(filters, sql`r.provider`, sql`r.model`)}
            UNION ALL
            SELECT ${time('t')} AS k, ${TOTALS_COLUMNS}
              FROM (${unfoldedTotals(key, modelIs(filters, sql`c.provider`, sql`c.model`))}) t WHERE ${within(filters, time('t'))})
     GROUP BY k ORDER BY k`);
}

/** Cost of one raw_calls row `r` at the price in force at its created_at (null: unpriced). */
const ROW_COST = sql`CASE WHEN r.prompt_tokens IS NULL AND r.completion_tokens IS NULL THEN NULL ELSE (
  SELECT (coalesce(r.prompt_tokens, 0) * p.input_usd_per_million + coalesce(r.completion_tokens, 0) * p.output_usd_per_million) / 1e6
    FROM model_prices p
   WHERE p.provider = r.provider AND p.model = r.model AND p.effective_from <= r.created_at
   ORDER BY p.effective_from DESC LIMIT 1) END`;

/**
 * The same figures for the calls of one group, from raw_calls (a group is small next to the whole
 * log), with exact nearest-rank percentiles.
 */
export async function groupUsageByModel(db: Database, groupId: number, filters: AnalyticsFilters): Promise<ModelUsage[]> {
  return db.all<ModelUsage>(sql`
    WITH calls AS (
      SELECT r.provider, r.model, r.status, r.latency_ms, r.prompt_tokens, r.completion_tokens, r.total_tokens, ${ROW_COST} AS cost
        FROM group_members m JOIN raw_calls r ON r.id = m.call_id
       WHERE m.group_id = ${groupId} AND ${within(filters, sql`r.created_at`)} AND ${modelIs(filters, sql`r.provider`, sql`r.model`)}),
    ranked AS (
      SELECT provider, model, latency_ms,
             row_number() OVER (PARTITION BY provider, model ORDER BY latency_ms) AS position,
             count(*) OVER (PARTITION BY provider, model) AS n
        FROM calls WHERE status = 'success' AND latency_ms IS NOT NULL),
    percentiles AS (
      SELECT provider, model,
             max(CASE WHEN position = (n * 50 + 99) / 100 THEN latency_ms END) AS p50_latency_ms,
             max(CASE WHEN position = (n * 95 + 99) / 100 THEN latency_ms END) AS p95_latency_ms
        FROM ranked GROUP BY provider, model)
    SELECT c.provider, c.model, count(*) AS calls, coalesce(sum(c.status = 'failed'), 0) AS failed,
           coalesce(sum(c.prompt_tokens), 0) AS prompt_tokens, coalesce(sum(c.completion_tokens), 0) AS completion_tokens,
           coalesce(sum(c.total_tokens), 0) AS total_tokens,
           count(CASE WHEN c.status = 'success' THEN c.latency_ms END) AS latency_calls,
           coalesce(sum(CASE WHEN c.status = 'success' THEN c.latency_ms END), 0) AS latency_ms_sum,
           count(c.cost) AS priced_calls, sum(c.cost) AS cost_usd,
           p.p50_latency_ms, p.p95_latency_ms
      FROM calls c LEFT JOIN percentiles p ON p.provider = c.provider AND p.model = c.model
     GROUP BY c.provider, c.model
     ORDER BY calls DESC, c.provider, c.model`);
}

export interface RecentCallRow {
  id: number;
  provider: string;
  model: string;
  modality: string;
  status: 'success' | 'failed';
  latency_ms: number | null;
  total_tokens: number | null;
  cost_usd: number | null;
  created_at: string;
  prompt_preview: string | null;
  error_message: string | null;
}

export async function recentCalls(db: Database, limit: number): Promise<RecentCallRow[]> {
  return db.all<RecentCallRow>(sql`
    SELECT r.id, r.provider, r.model, r.modality, r.status, r.latency_ms, r.total_tokens, r.created_at,
           ${ROW_COST} AS cost_usd,
           substr(coalesce(json_extract(r.request_json, '$.messages[#-1].content'), json_extract(r.request_json, '$.prompt'),
                           json_extract(r.request_json, '$.input')), 1, 160) AS prompt_preview,
           substr(json_extract(r.error_json, '$.message'), 1, 160) AS error_message
      FROM raw_calls r ORDER BY r.id DESC LIMIT ${limit}`);
}

export interface SearchHitRow {
  id: number;
  provider: string;
  model: string;
  status: 'success' | 'failed';
  created_at: string;
  prompt: string | null;
  response: string | null;
  error: string | null;
}

/** Highlight markers snippet() puts around matched terms: control characters that never reach HTML. */
export const MATCH_START = '\u0002';
export const MATCH_END = '\u0003';

/**
 * Full-text search. `match` must already be a safe FTS5 query (see ftsQuery). Newest first walks the
 * FTS index backwards and stops at `limit`, so even a word in every row is fast; relevance (bm25)
 * has to score every match and is meant for rarer words.
 */
export async function searchCalls(db: Database, match: string, limit: number, order: 'newest' | 'relevance'): Promise<SearchHitRow[]> {
  const snippet = (column: number) =>
    sql`snippet(raw_calls_fts, ${sql.raw(String(column))}, char(2), char(3), '…', 16)`;
  return db.all<SearchHitRow>(sql`
    SELECT r.id, r.provider, r.model, r.status, r.created_at, f.prompt, f.response, f.error
      FROM (SELECT rowid AS id, ${snippet(0)} AS prompt, ${snippet(1)} AS response, ${snippet(2)} AS error, rank
              FROM raw_calls_fts WHERE raw_calls_fts MATCH ${match}
             ORDER BY ${order === 'newest' ? sql`rowid DESC` : sql`rank`} LIMIT ${limit}) f
      JOIN raw_calls r ON r.id = f.id
     ORDER BY ${order === 'newest' ? sql`f.id DESC` : sql`f.rank`}`);
}
