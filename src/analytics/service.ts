// Analytics: summary, provider/model comparison, time series, recent calls and full-text search.
// Windows are whole UTC days, so the hourly rollup and the daily latency histogram cover them exactly.
import {
  groupUsageByModel,
  MATCH_END,
  MATCH_START,
  recentCalls,
  searchCalls,
  usageByModel,
  usageSeries,
  usageSummary,
  type AnalyticsFilters,
  type ModelUsage,
  type UsageTotals,
} from './repository';
import { ftsQuery } from '../calls/repository';
import { catchUpDerivedData } from './catch-up';
import type { Database } from '../db/client';

export interface AnalyticsContext {
  db: Database;
  /** Removes configured secrets from what is shown (rows captured before answers were scrubbed). */
  scrub?: <T>(value: T) => T;
}

export interface WindowQuery {
  /** Today and the previous days − 1 whole UTC days. */
  days?: number;
  /** Whole UTC days, both inclusive ('YYYY-MM-DD'). */
  from?: string;
  to?: string;
}

export interface AnalyticsQuery extends WindowQuery {
  provider?: string;
  model?: string;
  group_id?: number;
}

export type SeriesBucket = 'minute' | 'hour' | 'day';

/** How precise the percentiles over the whole log are (the histogram's buckets are 5% wide). */
export const LATENCY_PRECISION = 'p50/p95 from a log-scale histogram: within ±2.5% of the exact nearest-rank value';

const DAY_MS = 86_400_000;
const isoDay = (ms: number) => new Date(ms).toISOString().slice(0, 10);
const startOfDay = (now: Date) => Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());

/** The window as stored bounds: `from` inclusive and `to` exclusive, both 'YYYY-MM-DD'. */
export function resolveWindow(query: WindowQuery, now = new Date()): { from?: string; to?: string } {
  if (query.days !== undefined) return { from: isoDay(startOfDay(now) - (query.days - 1) * DAY_MS) };
  return {
    from: query.from,
    to: query.to ? isoDay(Date.parse(`${query.to}T00:00:00Z`) + DAY_MS) : undefined,
  };
}

const rate = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const roundUsd = (usd: number) => Math.round(usd * 1e8) / 1e8;

/** Shared shape of a totals row: cost is null when no call in it could be priced, never a made-up $0. */
function usageJson(t: UsageTotals) {
  const unpriced = t.calls - t.priced_calls;
  return {
    calls: t.calls,
    success: t.calls - t.failed,
    failed: t.failed,
    failure_rate: rate(t.failed, t.calls),
    avg_latency_ms: t.latency_calls > 0 ? Math.round((t.latency_ms_sum / t.latency_calls) * 1000) / 1000 : null,
    prompt_tokens: t.prompt_tokens,
    completion_tokens: t.completion_tokens,
    total_tokens: t.total_tokens,
    cost_usd: t.priced_calls > 0 || t.calls === 0 ? roundUsd(t.cost_usd ?? 0) : null,
    priced_calls: t.priced_calls,
    unpriced_calls: unpriced,
  };
}

const windowJson = (w: { from?: string; to?: string }) => ({
  from: w.from ?? null,
  to: w.to ? isoDay(Date.parse(`${w.to}T00:00:00Z`) - DAY_MS) : null,
});

function filtersOf(query: AnalyticsQuery, now?: Date): AnalyticsFilters {
  return { ...resolveWindow(query, now), provider: query.provider, model: query.model };
}

export async function analyticsSummary(ctx: AnalyticsContext, query: AnalyticsQuery, now?: Date) {
  const filters = filtersOf(query, now);
  if (query.group_id !== undefined) {
    const rows = await groupUsageByModel(ctx.db, query.group_id, filters);
    const totals = sumUsage(rows);
    return {
      window: windowJson(filters),
      ...usageJson(totals),
      providers: new Set(rows.map((r) => r.provider)).size,
      models: rows.length,
    };
  }
  const row = await usageSummary(ctx.db, filters);
  return { window: windowJson(filters), ...usageJson(row), providers: row.providers, models: row.models };
}

function sumUsage(rows: UsageTotals[]): UsageTotals {
  const sum = (pick: (r: UsageTotals) => number) => rows.reduce((total, r) => total + pick(r), 0);
  const priced = rows.filter((r) => r.cost_usd != null);
  return {
    calls: sum((r) => r.calls),
    failed: sum((r) => r.failed),
    prompt_tokens: sum((r) => r.prompt_tokens),
    completion_tokens: sum((r) => r.completion_tokens),
    total_tokens: sum((r) => r.total_tokens),
    latency_calls: sum((r) => r.latency_calls),
    latency_ms_sum: sum((r) => r.latency_ms_sum),
    priced_calls: sum((r) => r.priced_calls),
    cost_usd: priced.length ? priced.reduce((total, r) => total + r.cost_usd!, 0) : null,
  };
}

export async function providerComparison(ctx: AnalyticsContext, query: AnalyticsQuery, now?: Date) {
  const filters = filtersOf(query, now);
  const exact = query.group_id !== undefined;
  const rows: ModelUsage[] = exact ? await groupUsageByModel(ctx.db, query.group_id!, filters) : await usageByModel(ctx.db, filters);
  return {
    window: windowJson(filters),
    latency_percentiles: exact ? 'exact (nearest rank over the group’s calls)' : LATENCY_PRECISION,
    models: rows.map((r) => ({
      provider: r.provider,
      model: r.model,
      ...usageJson(r),
      p50_latency_ms: r.p50_latency_ms,
      p95_latency_ms: r.p95_latency_ms,
    })),
  };
}

const BUCKET_MS: Record<SeriesBucket, number> = { minute: 60_000, hour: 3_600_000, day: DAY_MS };

/** Every bucket from the window start to the current one, empty buckets as zeros (charts need no gaps). */
export async function timeSeries(
  ctx: AnalyticsContext,
  query: { bucket: SeriesBucket; days: number; provider?: string; model?: string },
  now = new Date(),
) {
  const filters = filtersOf({ days: query.days, provider: query.provider, model: query.model }, now);
  const rows = await usageSeries(ctx.db, query.bucket, filters);
  const byTime = new Map(rows.map((r) => [r.t, r]));
  const step = BUCKET_MS[query.bucket];
  const first = Date.parse(`${filters.from}T00:00:00Z`);
  const last = Math.floor(now.getTime() / step) * step;
  const points = [];
  for (let t = first; t <= last; t += step) {
    const key = new Date(t).toISOString();
    const r = byTime.get(key);
    points.push({
      t: key,
      calls: r?.calls ?? 0,
      success: r ? r.calls - r.failed : 0,
      failed: r?.failed ?? 0,
      total_tokens: r?.total_tokens ?? 0,
      avg_latency_ms: r && r.latency_calls > 0 ? Math.round((r.latency_ms_sum / r.latency_calls) * 1000) / 1000 : null,
    });
  }
  return { bucket: query.bucket, days: query.days, window: windowJson(filters), points };
}

export async function recentActivity(ctx: AnalyticsContext, limit: number) {
  const rows = (await recentCalls(ctx.db, limit)).map((row) => (ctx.scrub ? ctx.scrub(row) : row));
  return rows.map((r) => ({ ...r, cost_usd: r.cost_usd == null ? null : roundUsd(r.cost_usd), priced: r.cost_usd != null }));
}

export interface SnippetPart {
  text: string;
  match: boolean;
}

/** snippet() output → plain text parts, the matched ones flagged; the caller decides how to show them. */
export function snippetParts(snippet: string): SnippetPart[] {
  const parts: SnippetPart[] = [];
  for (const [i, piece] of snippet.split(MATCH_START).entries()) {
    const [matched, rest] = i === 0 ? [undefined, piece] : splitOnce(piece, MATCH_END);
    if (matched) parts.push({ text: matched, match: true });
    if (rest) parts.push({ text: rest, match: false });
  }
  return parts;
}

function splitOnce(text: string, separator: string): [string, string] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, ''] : [text.slice(0, at), text.slice(at + separator.length)];
}

export async function searchAll(ctx: AnalyticsContext, query: { q: string; limit: number; order?: 'newest' | 'relevance' }) {
  const match = ftsQuery(query.q);
  // Input with no word characters (only quotes, operators, punctuation) matches nothing.
  if (match === '""') return [];
  // The index holds the rows up to the watermark: the few above it are folded in first, so a call
  // captured a moment ago is found too.
  await catchUpDerivedData(ctx.db);
  const found = await searchCalls(ctx.db, match, query.limit, query.order ?? 'newest');
  const rows = found.map((row) => (ctx.scrub ? ctx.scrub(row) : row));
  return rows.map((r) => {
    const fields = (['prompt', 'response', 'error'] as const).filter((f) => r[f]?.includes(MATCH_START));
    return {
      id: r.id,
      provider: r.provider,
      model: r.model,
      status: r.status,
      created_at: r.created_at,
      matches: (fields.length ? fields : (['prompt'] as const)).map((field) => ({ field, snippet: snippetParts(r[field] ?? '') })),
    };
  });
}
