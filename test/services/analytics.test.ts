import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { insertCall } from '../../src/calls/repository';
import type { NewRawCall } from '../../src/db/schema';
import { serviceContext, type ServiceContext } from '../../src/deps';
import { analyticsSummary, providerComparison, recentActivity, searchAll, timeSeries } from '../../src/analytics/service';
import { savePrice } from '../../src/analytics/prices';
import { createTestApp, type TestApp } from '../support/app';

const NOW = new Date('2026-03-10T12:30:00.000Z');

/** A captured row as the capture service writes it, with an explicit time. */
function row(fields: { provider: string; model: string; at: string; status?: 'success' | 'failed'; latency?: number | null; prompt?: number | null; completion?: number | null; text?: string }): NewRawCall {
  const status = fields.status ?? 'success';
  const prompt = fields.prompt === undefined ? (status === 'success' ? 10 : null) : fields.prompt;
  const completion = fields.completion === undefined ? (status === 'success' ? 20 : null) : fields.completion;
  return {
    provider: fields.provider,
    model: fields.model,
    modality: 'chat',
    status,
    requestJson: { model: fields.model, messages: [{ role: 'user', content: fields.text ?? 'a question' }] },
    responseJson: status === 'success' ? { text: 'an answer' } : null,
    errorJson: status === 'failed' ? { class: 'ServerError', status: 503, message: 'upstream unavailable' } : null,
    latencyMs: fields.latency === undefined ? 100 : fields.latency,
    promptTokens: prompt,
    completionTokens: completion,
    totalTokens: prompt == null && completion == null ? null : (prompt ?? 0) + (completion ?? 0),
    requestHash: 'h',
    metadataJson: {},
    createdAt: fields.at,
  };
}

/** Deterministic spread of latencies between ~5 ms and ~20 s, with a long tail. */
const latencyAt = (i: number) => Math.round(Math.exp(1.6 + ((i * 7919) % 1000) / 150) * 1000) / 1000;

function nearestRank(values: number[], p: number) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.ceil((p / 100) * sorted.length) - 1]!;
}

describe('analytics over the rollups', () => {
  let t: TestApp;
  let ctx: ServiceContext;
  const sql = async (text: string, args: Array<string | number> = []) =>
    JSON.parse(JSON.stringify((await t.deps.database.client.execute({ sql: text, args })).rows)) as Array<Record<string, unknown>>;

  beforeAll(async () => {
    t = await createTestApp();
    ctx = serviceContext(t.deps);
  });
  afterAll(() => t.close());

  describe('rollups', () => {
    const mixed: NewRawCall[] = [];
    beforeAll(async () => {
      const hours = ['2026-03-01T09:05:00.000Z', '2026-03-01T09:55:59.999Z', '2026-03-01T10:00:00.000Z', '2026-03-02T23:59:59.999Z', '2026-03-03T00:00:00.000Z'];
      const targets = [['alpha', 'a-1'], ['alpha', 'a-2'], ['beta', 'b-1']] as const;
      for (let i = 0; i < 120; i++) {
        const [provider, model] = targets[i % 3]!;
        const failed = i % 7 === 0;
        mixed.push(
          row({
            provider,
            model,
            at: hours[i % hours.length]!,
            status: failed ? 'failed' : 'success',
            latency: i % 11 === 0 ? null : latencyAt(i),
            prompt: failed || i % 13 === 0 ? null : 5 + i,
            completion: failed || i % 13 === 0 ? null : 2 * i,
          }),
        );
      }
      // Half through the group-commit writer (many rows per transaction), half one by one.
      await Promise.all(mixed.slice(0, 60).map((call) => t.deps.writer.insert(call)));
      for (const call of mixed.slice(60)) await insertCall(ctx.db, call);
      // The rollup tables hold what the catch-up has folded in (issue 24; the dashboard adds the rest,
      // see test/services/derived-data.test.ts): fold everything before they are read directly.
      await t.deps.derived.run();
    });

    const direct = (time: string) => `
      SELECT provider, model, ${time} AS t, count(*) AS calls, sum(status = 'failed') AS failed_calls,
             sum(prompt_tokens IS NOT NULL OR completion_tokens IS NOT NULL) AS tokenized_calls,
             coalesce(sum(prompt_tokens), 0) AS prompt_tokens, coalesce(sum(completion_tokens), 0) AS completion_tokens,
             coalesce(sum(total_tokens), 0) AS total_tokens,
             count(CASE WHEN status = 'success' THEN latency_ms END) AS latency_calls,
             round(coalesce(sum(CASE WHEN status = 'success' THEN latency_ms END), 0), 6) AS latency_ms_sum
        FROM raw_calls WHERE provider IN ('alpha', 'beta') GROUP BY 1, 2, 3 ORDER BY 1, 2, 3`;
    const rolled = (table: string, time: string) => `
      SELECT provider, model, ${time} AS t, calls, failed_calls, tokenized_calls, prompt_tokens, completion_tokens, total_tokens,
             latency_calls, round(latency_ms_sum, 6) AS latency_ms_sum
        FROM ${table} WHERE provider IN ('alpha', 'beta') ORDER BY 1, 2, 3`;

    it('keeps the hourly rollup equal to a direct aggregate over raw_calls', async () => {
      const expected = await sql(direct(`strftime('%Y-%m-%dT%H:00:00.000Z', created_at)`));
      expect(expected.length).toBeGreaterThan(6);
      expect(await sql(rolled('call_rollup_hourly', 'hour'))).toEqual(expected);
    });

    it('keeps the daily rollup equal to a direct aggregate over raw_calls', async () => {
      const expected = await sql(direct('substr(created_at, 1, 10)'));
      expect(await sql(rolled('call_rollup_daily', 'day'))).toEqual(expected);
    });

    it('puts every timed success in the latency histograms exactly once', async () => {
      const [timed] = await sql(`SELECT count(*) AS n FROM raw_calls WHERE provider IN ('alpha', 'beta') AND status = 'success' AND latency_ms IS NOT NULL`);
      const [daily] = await sql(`SELECT sum(calls) AS n FROM call_latency_daily WHERE provider IN ('alpha', 'beta')`);
      const [total] = await sql(`SELECT sum(calls) AS n FROM call_latency_total WHERE provider IN ('alpha', 'beta')`);
      expect(daily!.n).toBe(timed!.n);
      expect(total!.n).toBe(timed!.n);
    });

    it('rebuilds the same rollups from raw_calls with the migration’s backfill statements', async () => {
      const tables = ['call_rollup_hourly', 'call_rollup_daily', 'call_latency_daily', 'call_latency_total'];
      // Latency sums are floats added in another order: equal to the microsecond.
      const round = (row: Record<string, unknown>) =>
        Object.fromEntries(Object.entries(row).map(([k, v]) => [k, typeof v === 'number' ? Math.round(v * 1e6) / 1e6 : v]));
      const snapshot = async () => Promise.all(tables.map(async (table) => (await sql(`SELECT * FROM ${table} ORDER BY 1, 2, 3, 4`)).map(round)));
      const before = await snapshot();
      const migration = readFileSync(new URL('../../drizzle/0005_analytics_rollups.sql', import.meta.url), 'utf8');
      const backfills = migration.split('--> statement-breakpoint').filter((s) => /^\s*INSERT INTO `call_(rollup|latency)_/.test(s.replace(/^--.*$/gm, '')));
      expect(backfills).toHaveLength(4);
      for (const table of tables) await sql(`DELETE FROM ${table}`);
      for (const statement of backfills) await sql(statement);
      expect(await snapshot()).toEqual(before);
    });

    it('sums the summary from the rollups: calls, failures, tokens, failure rate', async () => {
      const summary = await analyticsSummary(ctx, { provider: 'alpha' }, NOW);
      const alpha = mixed.filter((c) => c.provider === 'alpha');
      const failed = alpha.filter((c) => c.status === 'failed').length;
      expect(summary).toMatchObject({
        calls: alpha.length,
        failed,
        success: alpha.length - failed,
        failure_rate: failed / alpha.length,
        prompt_tokens: alpha.reduce((s, c) => s + (c.promptTokens ?? 0), 0),
        completion_tokens: alpha.reduce((s, c) => s + (c.completionTokens ?? 0), 0),
        providers: 1,
        models: 2,
      });
    });

    it('counts whole UTC days: days=N is today and the N-1 days before it; from/to are inclusive', async () => {
      const on = (from: string, to: string) => analyticsSummary(ctx, { from, to, provider: 'beta' }, NOW);
      const beta = (day: string) => mixed.filter((c) => c.provider === 'beta' && c.createdAt!.startsWith(day)).length;
      expect((await on('2026-03-01', '2026-03-01')).calls).toBe(beta('2026-03-01'));
      expect((await on('2026-03-02', '2026-03-03')).calls).toBe(beta('2026-03-02') + beta('2026-03-03'));
      expect((await analyticsSummary(ctx, { days: 8, provider: 'beta' }, NOW)).calls).toBe(beta('2026-03-03'));
      expect((await analyticsSummary(ctx, { days: 9, provider: 'beta' }, NOW)).calls).toBe(beta('2026-03-02') + beta('2026-03-03'));
    });
  });

  describe('latency percentiles', () => {
    const latencies = Array.from({ length: 301 }, (_, i) => latencyAt(i * 3 + 1));
    beforeAll(async () => {
      await Promise.all(latencies.map((latency, i) => t.deps.writer.insert(row({ provider: 'gamma', model: 'g-1', at: `2026-03-0${1 + (i % 5)}T08:00:00.000Z`, latency }))));
      await insertCall(ctx.db, row({ provider: 'gamma', model: 'g-1', at: '2026-03-01T08:00:00.000Z', status: 'failed', latency: 999_999 }));
    });

    for (const p of [50, 95] as const) {
      it(`reports p${p} within the histogram's documented ±2.5% of the exact nearest-rank value`, async () => {
        const exact = nearestRank(latencies, p);
        for (const window of [{}, { from: '2026-03-01', to: '2026-03-05' }]) {
          const { models } = await providerComparison(ctx, { provider: 'gamma', ...window }, NOW);
          const reported = models[0]![`p${p}_latency_ms`]!;
          expect(Math.abs(reported - exact) / exact).toBeLessThanOrEqual(0.025);
        }
      });
    }

    it('computes exact percentiles for a group, and ignores failed calls for latency', async () => {
      const [group] = await sql(`INSERT INTO groups (group_type, name, metadata_json) VALUES ('experiment', 'gamma', '{}') RETURNING id`);
      await sql(`INSERT INTO group_members (group_id, call_id) SELECT ?, id FROM raw_calls WHERE provider = 'gamma'`, [Number(group!.id)]);
      const { models } = await providerComparison(ctx, { group_id: Number(group!.id) }, NOW);
      expect(models).toHaveLength(1);
      expect(models[0]).toMatchObject({ calls: 302, failed: 1, p50_latency_ms: nearestRank(latencies, 50), p95_latency_ms: nearestRank(latencies, 95) });
      const summary = await analyticsSummary(ctx, { group_id: Number(group!.id) }, NOW);
      expect(summary).toMatchObject({ calls: 302, failed: 1, providers: 1, models: 1 });
    });
  });

  describe('cost at the price in force', () => {
    it('prices each call with the version in force on its day', async () => {
      await savePrice(ctx, { provider: 'acme', model: 'm-1', input_usd_per_million: 1, output_usd_per_million: 2, effective_from: '2026-03-01' });
      await savePrice(ctx, { provider: 'acme', model: 'm-1', input_usd_per_million: 10, output_usd_per_million: 20, effective_from: '2026-03-05' });
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-1', at: '2026-03-04T23:59:59.999Z', prompt: 1000, completion: 500 }));
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-1', at: '2026-03-05T00:00:00.000Z', prompt: 1000, completion: 500 }));
      const cheap = (1000 * 1 + 500 * 2) / 1e6;
      const dear = (1000 * 10 + 500 * 20) / 1e6;
      const summary = await analyticsSummary(ctx, { provider: 'acme', model: 'm-1' }, NOW);
      expect(summary.cost_usd).toBeCloseTo(cheap + dear, 10);
      expect(summary).toMatchObject({ priced_calls: 2, unpriced_calls: 0 });
      const [model] = (await providerComparison(ctx, { provider: 'acme', model: 'm-1' }, NOW)).models;
      expect(model!.cost_usd).toBeCloseTo(cheap + dear, 10);
      const recent = (await recentActivity(ctx, 50)).filter((c) => c.provider === 'acme' && c.model === 'm-1');
      expect(recent.map((c) => c.cost_usd)).toEqual([dear, cheap]);
    });

    it('re-prices earlier calls when a price is added later, and again when it is corrected', async () => {
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-2', at: '2026-03-02T10:00:00.000Z', prompt: 2_000_000, completion: 1_000_000 }));
      const before = await analyticsSummary(ctx, { provider: 'acme', model: 'm-2' }, NOW);
      expect(before).toMatchObject({ calls: 1, cost_usd: null, priced_calls: 0, unpriced_calls: 1 });

      await savePrice(ctx, { provider: 'acme', model: 'm-2', input_usd_per_million: 3, output_usd_per_million: 4, effective_from: '2026-01-01' });
      expect(await analyticsSummary(ctx, { provider: 'acme', model: 'm-2' }, NOW)).toMatchObject({ cost_usd: 10, unpriced_calls: 0 });

      const correction = await savePrice(ctx, { provider: 'acme', model: 'm-2', input_usd_per_million: 0.5, output_usd_per_million: 1, effective_from: '2026-01-01' });
      expect(correction.created).toBe(false);
      expect(await analyticsSummary(ctx, { provider: 'acme', model: 'm-2' }, NOW)).toMatchObject({ cost_usd: 2, unpriced_calls: 0 });
      const [call] = (await recentActivity(ctx, 50)).filter((c) => c.model === 'm-2');
      expect(call).toMatchObject({ cost_usd: 2, priced: true });
    });

    it('counts calls with no price in force or no token counts as unpriced, never as $0', async () => {
      await savePrice(ctx, { provider: 'acme', model: 'm-3', input_usd_per_million: 1, output_usd_per_million: 1, effective_from: '2026-03-03' });
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-3', at: '2026-03-02T10:00:00.000Z', prompt: 1_000_000, completion: 0 })); // before any price
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-3', at: '2026-03-03T10:00:00.000Z', prompt: 1_000_000, completion: 0 })); // priced: $1
      await insertCall(ctx.db, row({ provider: 'acme', model: 'm-3', at: '2026-03-03T11:00:00.000Z', status: 'failed' })); // no tokens
      await insertCall(ctx.db, row({ provider: 'nowhere', model: 'unknown', at: '2026-03-03T11:00:00.000Z', prompt: 5, completion: 5 })); // no price at all

      expect(await analyticsSummary(ctx, { provider: 'acme', model: 'm-3' }, NOW)).toMatchObject({ calls: 3, cost_usd: 1, priced_calls: 1, unpriced_calls: 2 });
      expect(await analyticsSummary(ctx, { provider: 'nowhere' }, NOW)).toMatchObject({ calls: 1, cost_usd: null, unpriced_calls: 1 });
      const recent = await recentActivity(ctx, 50);
      expect(recent.find((c) => c.provider === 'nowhere')).toMatchObject({ cost_usd: null, priced: false });
      expect(recent.find((c) => c.model === 'm-3' && c.status === 'failed')).toMatchObject({ cost_usd: null, priced: false });
    });
  });

  describe('time series', () => {
    beforeAll(async () => {
      for (const at of ['2026-03-10T11:15:10.000Z', '2026-03-10T11:15:50.000Z', '2026-03-10T12:29:00.000Z']) {
        await insertCall(ctx.db, row({ provider: 'delta', model: 'd-1', at, latency: 200 }));
      }
      await insertCall(ctx.db, row({ provider: 'delta', model: 'd-1', at: '2026-03-09T23:00:00.000Z', status: 'failed', latency: 5000 }));
    });

    it('buckets by hour, every hour from the window start to now, empty ones as zeros', async () => {
      const series = await timeSeries(ctx, { bucket: 'hour', days: 2, provider: 'delta' }, NOW);
      expect(series.points).toHaveLength(24 + 13);
      expect(series.points[0]!.t).toBe('2026-03-09T00:00:00.000Z');
      const at = (t: string) => series.points.find((p) => p.t === t);
      expect(at('2026-03-09T23:00:00.000Z')).toMatchObject({ calls: 1, failed: 1, success: 0, avg_latency_ms: null });
      expect(at('2026-03-10T11:00:00.000Z')).toMatchObject({ calls: 2, success: 2, failed: 0, total_tokens: 60, avg_latency_ms: 200 });
      expect(at('2026-03-10T05:00:00.000Z')).toMatchObject({ calls: 0, total_tokens: 0, avg_latency_ms: null });
      expect(series.points.at(-1)!.t).toBe('2026-03-10T12:00:00.000Z');
    });

    it('buckets by minute (from raw_calls) and by day', async () => {
      const minutes = await timeSeries(ctx, { bucket: 'minute', days: 1, provider: 'delta' }, NOW);
      expect(minutes.points).toHaveLength(12 * 60 + 31);
      expect(minutes.points.find((p) => p.t === '2026-03-10T11:15:00.000Z')).toMatchObject({ calls: 2 });
      const days = await timeSeries(ctx, { bucket: 'day', days: 3, provider: 'delta' }, NOW);
      expect(days.points.map((p) => [p.t, p.calls])).toEqual([
        ['2026-03-08T00:00:00.000Z', 0],
        ['2026-03-09T00:00:00.000Z', 1],
        ['2026-03-10T00:00:00.000Z', 3],
      ]);
    });
  });

  describe('search', () => {
    beforeAll(async () => {
      await insertCall(ctx.db, row({ provider: 'echo', model: 'echo-1', at: '2026-03-10T10:00:00.000Z', text: 'What is the capital of Burkina Faso?' }));
      const answer = { ...row({ provider: 'echo', model: 'echo-1', at: '2026-03-10T10:01:00.000Z', text: 'Name a river' }), responseJson: { text: 'The Zambezi flows east' } };
      await insertCall(ctx.db, answer);
    });

    it('finds words in prompts and in responses, highlighting the match', async () => {
      const [prompt] = await searchAll(ctx, { q: 'burkina', limit: 10 });
      expect(prompt!.matches).toEqual([
        { field: 'prompt', snippet: [{ text: 'What is the capital of ', match: false }, { text: 'Burkina', match: true }, { text: ' Faso?', match: false }] },
      ]);
      const [response] = await searchAll(ctx, { q: 'zambezi', limit: 10 });
      expect(response!.matches[0]).toMatchObject({ field: 'response' });
      expect(response!.matches[0]!.snippet).toContainEqual({ text: 'Zambezi', match: true });
    });

    it('treats FTS syntax in the query as plain words and never errors', async () => {
      for (const q of ['"', '"burkina', 'NEAR(burkina faso', 'burk*', 'capital AND OR NOT', '*', '(', "burkina'; DROP TABLE raw_calls; --", 'faso -', '^burkina']) {
        await expect(searchAll(ctx, { q, limit: 5 })).resolves.toBeInstanceOf(Array);
      }
      expect((await searchAll(ctx, { q: '"burkina', limit: 5 })).map((h) => h.provider)).toEqual(['echo']);
      expect((await searchAll(ctx, { q: 'faso -', limit: 5 })).map((h) => h.provider)).toEqual(['echo']);
      expect(await searchAll(ctx, { q: '"*"', limit: 5 })).toEqual([]);
    });
  });
});
