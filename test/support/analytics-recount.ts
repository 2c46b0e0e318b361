// A brute-force recount of the dashboard's figures straight from raw_calls, row by row — no rollup,
// no watermark — and a check that the dashboard's own answers equal it. Latency percentiles are
// recounted the way the histograms define them (each call's bucket, nearest rank over the buckets).
import { expect } from 'vitest';
import type { Client } from '@libsql/client';
import { analyticsSummary, providerComparison } from '../../src/analytics/service';
import { totalCalls, usageSeries, type AnalyticsFilters } from '../../src/analytics/repository';
import type { Database } from '../../src/db/client';

const DAY = `coalesce(strftime('%Y-%m-%d', r.created_at), substr(r.created_at, 1, 10))`;
const HOUR = `coalesce(strftime('%Y-%m-%dT%H:00:00.000Z', r.created_at), r.created_at)`;
const BUCKET = `coalesce((SELECT bucket FROM latency_buckets WHERE lower_ms <= r.latency_ms ORDER BY lower_ms DESC LIMIT 1), 0)`;
const PRICE = (column: string) => `(SELECT p.${column} FROM model_prices p WHERE p.provider = r.provider AND p.model = r.model
   AND p.effective_from <= ${DAY} ORDER BY p.effective_from DESC LIMIT 1)`;

export interface Recount {
  provider: string;
  model: string;
  calls: number;
  failed: number;
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  latency_calls: number;
  latency_ms_sum: number;
  priced_calls: number;
  cost_usd: number | null;
  p50_latency_ms: number | null;
  p95_latency_ms: number | null;
}

const rows = async (client: Client, sql: string, args: Array<string | number | null> = []) =>
  JSON.parse(JSON.stringify((await client.execute({ sql, args })).rows)) as Array<Record<string, unknown>>;

/** Per provider and model, over whole UTC days `from` ≤ day < `to` when given. */
export async function recountByModel(client: Client, window: { from?: string; to?: string } = {}): Promise<Recount[]> {
  const where = `(? IS NULL OR ${DAY} >= ?) AND (? IS NULL OR ${DAY} < ?)`;
  const args = [window.from ?? null, window.from ?? null, window.to ?? null, window.to ?? null];
  const totals = await rows(
    client,
    `WITH calls AS (
       SELECT r.*, ${PRICE('input_usd_per_million')} AS input_price, ${PRICE('output_usd_per_million')} AS output_price
         FROM raw_calls r WHERE ${where})
     SELECT provider, model, count(*) AS calls, sum(status = 'failed') AS failed,
            coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
            coalesce(sum(total_tokens), 0) AS total_tokens,
            count(CASE WHEN status = 'success' THEN latency_ms END) AS latency_calls,
            coalesce(sum(CASE WHEN status = 'success' THEN latency_ms END), 0) AS latency_ms_sum,
            sum(input_price IS NOT NULL AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)) AS priced_calls,
            sum(CASE WHEN input_price IS NOT NULL AND (prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL)
                     THEN (coalesce(prompt_tokens, 0) * input_price + coalesce(completion_tokens, 0) * output_price) / 1e6 END) AS cost_usd
       FROM calls GROUP BY provider, model ORDER BY provider, model`,
    args,
  );
  const buckets = await rows(
    client,
    `SELECT r.provider, r.model, ${BUCKET} AS bucket FROM raw_calls r
      WHERE r.status = 'success' AND r.latency_ms IS NOT NULL AND ${where} ORDER BY 1, 2, 3`,
    args,
  );
  const mids = new Map((await rows(client, 'SELECT bucket, mid_ms FROM latency_buckets')).map((b) => [Number(b.bucket), Number(b.mid_ms)]));
  return totals.map((t) => {
    const sorted = buckets.filter((b) => b.provider === t.provider && b.model === t.model).map((b) => Number(b.bucket));
    const rank = (p: number) => (sorted.length ? mids.get(sorted[Math.ceil((p / 100) * sorted.length) - 1]!)! : null);
    return { ...(t as unknown as Recount), p50_latency_ms: rank(50), p95_latency_ms: rank(95) };
  });
}

/** Calls, failures, tokens and latency per hour or day, straight from raw_calls. */
export async function recountSeries(client: Client, bucket: 'hour' | 'day') {
  return rows(
    client,
    `SELECT ${bucket === 'hour' ? HOUR : `${DAY} || 'T00:00:00.000Z'`} AS t, count(*) AS calls, sum(status = 'failed') AS failed,
            coalesce(sum(total_tokens), 0) AS total_tokens, count(CASE WHEN status = 'success' THEN latency_ms END) AS latency_calls,
            coalesce(sum(CASE WHEN status = 'success' THEN latency_ms END), 0) AS latency_ms_sum
       FROM raw_calls r GROUP BY 1 ORDER BY 1`,
  );
}

const close = (actual: number | null, expected: number | null, digits: number) => {
  if (expected === null) expect(actual).toBeNull();
  else expect(actual).toBeCloseTo(expected, digits);
};

/**
 * The dashboard (provider comparison, summary, series, the home page's count) equals the recount,
 * all time and over `window` (whole days, both inclusive as the API takes them).
 */
export async function expectDashboardEqualsRecount(db: Database, client: Client, window: { from: string; to: string }) {
  const ctx = { db };
  const dayAfter = (day: string) => new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  for (const [query, stored] of [
    [{}, {}],
    [window, { from: window.from, to: dayAfter(window.to) }],
  ] as const) {
    const expected = await recountByModel(client, stored);
    const { models } = await providerComparison(ctx, query);
    expect(models.map((m) => `${m.provider}/${m.model}`).sort()).toEqual(expected.map((e) => `${e.provider}/${e.model}`).sort());
    for (const e of expected) {
      const m = models.find((x) => x.provider === e.provider && x.model === e.model)!;
      expect({ calls: m.calls, failed: m.failed, prompt: m.prompt_tokens, completion: m.completion_tokens, total: m.total_tokens, priced: m.priced_calls }, `${e.provider}/${e.model}`).toEqual({
        calls: e.calls,
        failed: e.failed,
        prompt: e.prompt_tokens,
        completion: e.completion_tokens,
        total: e.total_tokens,
        priced: e.priced_calls,
      });
      close(m.avg_latency_ms, e.latency_calls ? e.latency_ms_sum / e.latency_calls : null, 2);
      close(m.cost_usd, e.priced_calls ? e.cost_usd : e.calls === 0 ? 0 : null, 7);
      expect([m.p50_latency_ms, m.p95_latency_ms], `${e.provider}/${e.model} percentiles`).toEqual([e.p50_latency_ms, e.p95_latency_ms]);
    }
    const summary = await analyticsSummary(ctx, query);
    expect(summary.calls).toBe(expected.reduce((s, e) => s + e.calls, 0));
    expect(summary.failed).toBe(expected.reduce((s, e) => s + e.failed, 0));
    expect(summary.total_tokens).toBe(expected.reduce((s, e) => s + e.total_tokens, 0));
    expect(summary.priced_calls).toBe(expected.reduce((s, e) => s + e.priced_calls, 0));
  }
  for (const bucket of ['hour', 'day'] as const) {
    const series = await usageSeries(db, bucket, {} as AnalyticsFilters);
    const expected = await recountSeries(client, bucket);
    const exact = (point: object) => ({ ...point, latency_ms_sum: undefined });
    expect(series.map(exact), `${bucket} series`).toEqual(expected.map(exact));
    series.forEach((point, i) => { close(point.latency_ms_sum, Number(expected[i]!.latency_ms_sum), 6); });
  }
  const [all] = await rows(client, 'SELECT count(*) AS n FROM raw_calls');
  expect(await totalCalls(db)).toBe(all!.n);
}
