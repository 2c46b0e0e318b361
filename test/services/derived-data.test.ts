// Issue 24: a captured row's commit writes the row, its indexes and its bookkeeping only; the search
// index and the analytics rollups are folded in later, behind a watermark. Nothing a reader sees may
// change for it: the dashboard equals a brute-force recount over raw_calls with everything above the
// watermark, part of it, or nothing; a text search finds a call captured a moment ago; catch-ups
// racing on two connections fold every row exactly once. (Two processes on one sqld:
// test/integrity/derived-data-sqld.test.ts.)
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchUpDerivedData, DerivedDataCatchUp } from '../../src/analytics/catch-up';
import { foldNextRange, foldProgress } from '../../src/analytics/catch-up-repository';
import { savePrice } from '../../src/analytics/prices';
import { searchAll } from '../../src/analytics/service';
import { insertCall } from '../../src/calls/repository';
import { openDatabase } from '../../src/db/client';
import type { NewRawCall } from '../../src/db/schema';
import { serviceContext } from '../../src/deps';
import { expectDashboardEqualsRecount, recountByModel } from '../support/analytics-recount';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

const TARGETS = [['alpha', 'a-1'], ['alpha', 'a-2'], ['beta', 'b-1'], ['acme', 'priced']] as const;

/** Row i of a deterministic mix: four models, a week of days, failures, calls without latency or tokens. */
function row(i: number, word = `word${i % 17}`): NewRawCall {
  const [provider, model] = TARGETS[i % TARGETS.length]!;
  const failed = i % 9 === 0;
  const tokens = !failed && i % 11 !== 0;
  return {
    provider,
    model,
    modality: 'chat',
    status: failed ? 'failed' : 'success',
    requestJson: { model, messages: [{ role: 'user', content: `question ${word} number ${i}` }] },
    responseJson: failed ? null : { text: `answer ${word}` },
    errorJson: failed ? { class: 'ServerError', status: 503, message: `upstream ${word} unavailable` } : null,
    latencyMs: i % 13 === 0 ? null : Math.round(Math.exp(1 + ((i * 7919) % 1000) / 130) * 1000) / 1000,
    promptTokens: tokens ? 3 + (i % 50) : null,
    completionTokens: tokens ? 7 + (i % 31) : null,
    totalTokens: tokens ? 10 + (i % 50) + (i % 31) : null,
    requestHash: `h${i}`,
    metadataJson: {},
    createdAt: new Date(Date.UTC(2026, 2, 1) + ((i * 3_600_000 * 7) % (7 * 86_400_000)) + (i % 60) * 1000).toISOString(),
  };
}

const WINDOW = { from: '2026-03-02', to: '2026-03-05' };

describe('derived data behind the watermark', () => {
  let t: TestApp;
  const sql = async (text: string, args: Array<string | number> = []) =>
    JSON.parse(JSON.stringify((await t.deps.database.client.execute({ sql: text, args })).rows)) as Array<Record<string, unknown>>;
  const watermark = async () => (await foldProgress(t.deps.database.db)).foldedUpTo;

  beforeAll(async () => {
    t = await createTestApp();
    // Only this test moves the watermark.
    t.deps.derived.stop();
    const ctx = serviceContext(t.deps);
    await savePrice(ctx, { provider: 'acme', model: 'priced', input_usd_per_million: 1, output_usd_per_million: 2, effective_from: '2026-01-01' });
    await savePrice(ctx, { provider: 'acme', model: 'priced', input_usd_per_million: 5, output_usd_per_million: 9, effective_from: '2026-03-04' });
  });
  afterAll(() => t.close());

  it('commits a captured row without its search entry or its rollup counts: it waits above the watermark', async () => {
    const before = await sql('SELECT (SELECT count(*) FROM raw_calls_fts) AS indexed, (SELECT coalesce(sum(calls), 0) FROM call_rollup_hourly) AS counted');
    const id = await t.deps.writer.insert(row(1, 'unfolded'));
    expect(await watermark()).toBeLessThan(id);
    expect(await sql('SELECT (SELECT count(*) FROM raw_calls_fts) AS indexed, (SELECT coalesce(sum(calls), 0) FROM call_rollup_hourly) AS counted')).toEqual(before);
    expect(await catchUpDerivedData(t.deps.database.db)).toBe(1);
    expect(await watermark()).toBe(id);
    expect(await sql('SELECT rowid FROM raw_calls_fts WHERE raw_calls_fts MATCH ?', ['unfolded'])).toEqual([{ rowid: id }]);
  });

  it('answers the dashboard exactly with every row above the watermark, some of them, or none', async () => {
    // Half through the group-commit writer, half one by one.
    await Promise.all(Array.from({ length: 200 }, (_, i) => t.deps.writer.insert(row(i + 2))));
    for (let i = 202; i < 400; i++) await insertCall(t.deps.database.db, row(i));
    const { foldedUpTo, newest } = await foldProgress(t.deps.database.db);
    expect(newest - foldedUpTo).toBe(398);
    expect((await recountByModel(t.deps.database.client, { from: WINDOW.from, to: '2026-03-06' })).some((m) => m.priced_calls > 0)).toBe(true);

    await expectDashboardEqualsRecount(t.deps.database.db, t.deps.database.client, WINDOW);
    // Part of the tail folded, in small uneven steps.
    for (let step = 0; step < 5; step++) await foldNextRange(t.deps.database.db, { rows: 37, chars: 1_000_000 });
    expect(await watermark()).toBe(foldedUpTo + 5 * 37);
    await expectDashboardEqualsRecount(t.deps.database.db, t.deps.database.client, WINDOW);
    // A step's text budget cuts it short, but it always takes at least one row.
    const before = await watermark();
    expect((await foldNextRange(t.deps.database.db, { rows: 50, chars: 1 })).foldedUpTo).toBe(before + 1);
    await expectDashboardEqualsRecount(t.deps.database.db, t.deps.database.client, WINDOW);
    await catchUpDerivedData(t.deps.database.db);
    expect(await watermark()).toBe(newest);
    await expectDashboardEqualsRecount(t.deps.database.db, t.deps.database.client, WINDOW);
  });

  it('folds each row exactly once when catch-ups race on two connections to the file', async () => {
    const other = await openDatabase(`file:${t.dir}/study.db`);
    try {
      for (let i = 400; i < 700; i++) await insertCall(t.deps.database.db, row(i));
      const small = { rows: 7, chars: 1_000_000 };
      const folded = await Promise.all([
        catchUpDerivedData(t.deps.database.db, small),
        catchUpDerivedData(other.db, small),
        catchUpDerivedData(t.deps.database.db, small),
        catchUpDerivedData(other.db, small),
      ]);
      expect(folded.reduce((s, n) => s + n, 0)).toBe(300);
      const [counts] = await sql(`SELECT (SELECT count(*) FROM raw_calls) AS calls, (SELECT sum(calls) FROM call_rollup_daily) AS daily,
        (SELECT sum(calls) FROM call_rollup_hourly) AS hourly, (SELECT count(*) FROM raw_calls_fts) AS indexed,
        (SELECT count(*) FROM raw_calls WHERE status = 'success' AND latency_ms IS NOT NULL) AS timed,
        (SELECT sum(calls) FROM call_latency_daily) AS histogram, (SELECT sum(calls) FROM call_latency_total) AS histogram_total`);
      expect(counts).toEqual({ calls: 699, daily: 699, hourly: 699, indexed: 699, timed: counts!.timed, histogram: counts!.timed, histogram_total: counts!.timed });
      await expectDashboardEqualsRecount(t.deps.database.db, t.deps.database.client, WINDOW);
    } finally {
      other.close();
    }
  });

  it('finds a call captured a moment ago by text search, the call list and the export, then from the index', async () => {
    const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'Which colour is the zeppelin?' });
    const [call] = (await res.json()).calls;
    expect(await watermark()).toBeLessThan(call.id);
    const ctx = serviceContext(t.deps);
    expect((await searchAll(ctx, { q: 'zeppelin', limit: 10 })).map((h) => h.id)).toEqual([call.id]);
    // The search folded the tail in first: the call is in the index now, and found there again.
    expect(await watermark()).toBeGreaterThanOrEqual(call.id);
    expect((await (await t.get('/api/v1/search?q=zeppelin')).json()).results.map((r: { id: number }) => r.id)).toEqual([call.id]);

    const listed = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'A second zeppelin question' });
    const second = (await listed.json()).calls[0].id;
    expect(await watermark()).toBeLessThan(second);
    expect((await (await t.get('/api/v1/calls?q=zeppelin')).json()).calls.map((c: { id: number }) => c.id)).toEqual([second, call.id]);

    const third = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'A third zeppelin' })).json()).calls[0].id;
    expect(await watermark()).toBeLessThan(third);
    const exported = (await (await t.get('/api/v1/calls/export?format=jsonl&q=zeppelin')).text()).trim().split('\n').map((line) => JSON.parse(line).id);
    expect(exported).toEqual([call.id, second, third]);
  });

  it('starts a background run once enough rows were committed, but only when captures pause', async () => {
    const background = new DerivedDataCatchUp(t.deps.database.db, { everyRows: 10, quietMs: 150, maxWaitMs: 60_000 });
    try {
      for (let i = 700; i < 720; i++) await insertCall(t.deps.database.db, row(i));
      const before = await watermark();
      // Commits keep coming, 20 ms apart: a step would hold them up, so none runs.
      for (let k = 0; k < 15; k++) {
        background.committed(1);
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(await watermark()).toBe(before);
      // They stop: the run starts after the quiet time and folds everything.
      await waitFor(watermark, (at) => at === before + 20, 5_000);
    } finally {
      background.stop();
    }
  });

  it('takes at most its step budget in a background run (Workers) and goes on from there in the next; a run for a reader folds everything', async () => {
    const bounded = new DerivedDataCatchUp(t.deps.database.db, { limits: { rows: 5, chars: 1_000_000 }, backgroundSteps: 2 });
    try {
      for (let i = 800; i < 823; i++) await insertCall(t.deps.database.db, row(i));
      const start = await watermark();
      expect(await bounded.runSome()).toBe(10);
      expect(await watermark()).toBe(start + 10);
      expect(await bounded.runSome()).toBe(10);
      for (let i = 823; i < 835; i++) await insertCall(t.deps.database.db, row(i));
      expect(await bounded.run()).toBe(15);
      expect(await watermark()).toBe(start + 35);
      expect(await catchUpDerivedData(t.deps.database.db, { rows: 5, chars: 1_000_000 }, { maxSteps: 1 })).toBe(0);
    } finally {
      bounded.stop();
    }
  });

  it('moves the watermark only forward, one range after the other, and never removes it', async () => {
    const at = await watermark();
    await expect(sql('UPDATE derived_watermark SET folded_from = last_id, last_id = last_id - 1')).rejects.toThrow(/only moves forward/);
    await expect(sql('UPDATE derived_watermark SET folded_from = 0, last_id = last_id + 1')).rejects.toThrow(/only moves forward/);
    await expect(sql('DELETE FROM derived_watermark')).rejects.toThrow(/cannot be deleted/);
    await expect(sql('INSERT OR REPLACE INTO derived_watermark (id, last_id, folded_from) VALUES (1, 0, 0)')).rejects.toThrow(/one row/);
    expect(await watermark()).toBe(at);
  });
});
