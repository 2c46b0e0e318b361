// Issue 24 with two processes on one libSQL server (sqld): rows captured by two app instances, the
// derived-data catch-up run by both at once while more rows arrive. Every row must be folded into the
// search index and the rollups exactly once (a catch-up step takes the range after the watermark in
// its own transaction), and the dashboard must equal a brute-force recount over raw_calls at every
// moment — with rows above the watermark and without.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { catchUpDerivedData } from '../../src/analytics/catch-up';
import { foldProgress } from '../../src/analytics/catch-up-repository';
import { searchAll } from '../../src/analytics/service';
import { serviceContext } from '../../src/deps';
import { expectDashboardEqualsRecount } from '../support/analytics-recount';
import { createTestApp, type TestApp } from '../support/app';
import { startSqld, type Sqld } from '../support/sqld';

const WINDOW = { from: '2026-03-02', to: '2026-03-04' };

/** A call as either app captures it through the API, with its own words and a day of early March. */
const inference = (t: TestApp, i: number) =>
  t.post('/api/v1/inference', {
    provider: 'echo',
    model: i % 3 === 0 ? 'echo-1' : `echo-${i % 3}`,
    prompt: `shared question ${i} about ${i % 2 ? 'rivers' : 'mountains'}`,
  });

describe('derived data with two app instances on one sqld', () => {
  let dir: string;
  let sqld: Sqld;
  let apps: [TestApp, TestApp];
  const count = async (sql: string) => Number((await sqld.client.execute(sql)).rows[0]![0]);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-sqld-derived-'));
    sqld = await startSqld(dir);
    const env = { DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken };
    apps = [await createTestApp(env), await createTestApp(env)];
    // This test starts every catch-up itself.
    apps.forEach((t) => { t.deps.derived.stop(); });
  }, 60_000);
  afterAll(async () => {
    apps?.forEach((t) => { t.close(); });
    await sqld?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('folds the rows of both instances exactly once while both catch up at once and rows keep arriving', async () => {
    const [a, b] = apps;
    // Rows from both, written with explicit days through each instance's group-commit writer, and real calls.
    const rows = (t: TestApp, from: number) =>
      Promise.all(
        Array.from({ length: 60 }, (_, k) => {
          const i = from + k;
          return t.deps.writer.insert({
            provider: i % 2 ? 'alpha' : 'beta',
            model: `m-${i % 3}`,
            modality: 'chat',
            status: i % 7 === 0 ? 'failed' : 'success',
            requestJson: { messages: [{ role: 'user', content: `row ${i} of instance ${from < 1000 ? 'a' : 'b'}` }] },
            responseJson: i % 7 === 0 ? null : { text: `answer ${i}` },
            errorJson: i % 7 === 0 ? { class: 'ServerError', message: 'unavailable' } : null,
            latencyMs: i % 5 === 0 ? null : 10 + ((i * 37) % 900),
            promptTokens: i % 7 === 0 ? null : i % 40,
            completionTokens: i % 7 === 0 ? null : i % 25,
            totalTokens: i % 7 === 0 ? null : (i % 40) + (i % 25),
            requestHash: `h${i}`,
            metadataJson: {},
            createdAt: `2026-03-0${1 + (i % 5)}T${String(i % 24).padStart(2, '0')}:30:00.000Z`,
          });
        }),
      );
    await Promise.all([rows(a, 0), rows(b, 1000), ...Array.from({ length: 10 }, (_, i) => inference(i % 2 ? a : b, i))]);
    expect(await count('SELECT count(*) FROM raw_calls')).toBe(130);
    const { foldedUpTo } = await foldProgress(a.deps.database.db);
    expect(foldedUpTo).toBe(0);
    await expectDashboardEqualsRecount(a.deps.database.db, sqld.client, WINDOW);

    // Both instances catch up twice at once, in steps of a few rows, while both capture more.
    const small = { rows: 4, chars: 1_000_000 };
    const [folded] = await Promise.all([
      Promise.all([
        catchUpDerivedData(a.deps.database.db, small),
        catchUpDerivedData(b.deps.database.db, small),
        catchUpDerivedData(a.deps.database.db, small),
        catchUpDerivedData(b.deps.database.db, small),
      ]),
      Promise.all(Array.from({ length: 10 }, (_, i) => inference(i % 2 ? b : a, 100 + i))),
    ]);
    expect(folded.reduce((s, n) => s + n, 0)).toBeGreaterThanOrEqual(130);
    await expectDashboardEqualsRecount(b.deps.database.db, sqld.client, WINDOW);
    await Promise.all([catchUpDerivedData(a.deps.database.db, small), catchUpDerivedData(b.deps.database.db, small)]);

    const calls = await count('SELECT count(*) FROM raw_calls');
    expect(calls).toBe(140);
    expect((await foldProgress(b.deps.database.db)).foldedUpTo).toBe(await count('SELECT max(id) FROM raw_calls'));
    const timed = await count("SELECT count(*) FROM raw_calls WHERE status = 'success' AND latency_ms IS NOT NULL");
    expect({
      hourly: await count('SELECT sum(calls) FROM call_rollup_hourly'),
      daily: await count('SELECT sum(calls) FROM call_rollup_daily'),
      indexed: await count('SELECT count(*) FROM raw_calls_fts'),
      histogram: await count('SELECT sum(calls) FROM call_latency_daily'),
      histogram_total: await count('SELECT sum(calls) FROM call_latency_total'),
    }).toEqual({ hourly: calls, daily: calls, indexed: calls, histogram: timed, histogram_total: timed });
    await expectDashboardEqualsRecount(a.deps.database.db, sqld.client, WINDOW);
  }, 60_000);

  it('finds a call captured a moment ago on one instance by a search on the other, and from the index after', async () => {
    const [a, b] = apps;
    const [call] = (await (await inference(b, 7777)).json()).calls;
    const unique = await b.post('/api/v1/inference', { provider: 'echo', prompt: 'the quokka question' });
    const id = (await unique.json()).calls[0].id;
    expect((await foldProgress(a.deps.database.db)).foldedUpTo).toBeLessThan(id);
    expect((await searchAll(serviceContext(a.deps), { q: 'quokka', limit: 5 })).map((h) => h.id)).toEqual([id]);
    expect((await foldProgress(a.deps.database.db)).foldedUpTo).toBeGreaterThanOrEqual(id);
    expect((await (await b.get('/api/v1/search?q=quokka')).json()).results.map((r: { id: number }) => r.id)).toEqual([id]);
    expect((await (await a.get('/api/v1/calls?q=7777')).json()).calls.map((c: { id: number }) => c.id)).toEqual([call.id]);
  }, 30_000);
});
