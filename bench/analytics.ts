// Spec target 3: with 1,000,000 captured calls, summary, provider comparison, 7-day hourly series and
// full-text search each ≤ 100 ms p50 server-side. Rows are generated in SQL through the capture
// triggers, then folded into the search index and the rollups by the catch-up the server runs
// (src/analytics/catch-up.ts), a chunk a step. The same queries are then timed again with rows
// captured since the last catch-up (above the watermark), which every dashboard query adds itself.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { serviceContext } from '../src/deps';
import { analyticsSummary, providerComparison, searchAll, timeSeries } from '../src/analytics/service';
import { catchUpDerivedData, FOLD_STEP } from '../src/analytics/catch-up';
import { isMain, percentile, verdict, type BenchResult } from './support';

const ROWS = Number(process.env.BENCH_ANALYTICS_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_ANALYTICS_RUNS ?? 20);
const DAYS_OF_DATA = 90;
const CHUNK = 50_000;
const TARGET_MS = 100;
/** Rows above the watermark for the second round: four times what a background run waits for. */
const TAIL = Number(process.env.BENCH_ANALYTICS_TAIL ?? 2_000);
const COMMON_WORD = 'explain'; // in half of the prompts
const RARE_WORD = 'quixotic'; // in one prompt in 10,000

/** provider, model, typical latency (ms): a mix of priced and unpriced models. */
const TARGETS: Array<[string, string, number]> = [
  ['openai', 'gpt-4o', 900],
  ['openai', 'gpt-4o-mini', 450],
  ['openai', 'gpt-4.1', 1100],
  ['openai', 'gpt-4.1-mini', 500],
  ['openai', 'o3', 4000],
  ['openai', 'o3-mini', 2500],
  ['azure', 'gpt-4o', 950],
  ['hyperbolic', 'meta-llama/Llama-3.3-70B-Instruct', 700],
  ['ollama', 'llama3.2', 300],
  ['openrouter', 'anthropic/claude-sonnet-4', 1500],
  ['groq', 'llama-3.1-8b-instant', 150],
  ['echo', 'echo-1', 0.05],
];

/** Deterministic pronounceable words, so prompts have a realistic spread of terms. */
function vocabulary(size: number): string[] {
  const onsets = ['b', 'c', 'd', 'f', 'g', 'l', 'm', 'n', 'p', 'r', 's', 't', 'v', 'st', 'tr', 'pl'];
  const vowels = ['a', 'e', 'i', 'o', 'u', 'ai', 'ou'];
  const codas = ['', 'n', 'r', 's', 'l', 'nd', 'st', 'rk'];
  const words = new Set<string>();
  for (let i = 0; words.size < size; i++) {
    const pick = <T>(list: T[], k: number) => list[Math.floor(i / k) % list.length]!;
    words.add(pick(onsets, 1) + pick(vowels, 3) + pick(onsets, 7) + pick(vowels, 11) + pick(codas, 13));
  }
  return [...words];
}

/** Row i of the generated log: every column derived from i, so runs are reproducible. */
function chunkSql(first: number, last: number, startMs: number, stepMs: number, vocabSize: number) {
  const word = (prime: number) => `(SELECT word FROM bench_vocab WHERE id = (seq.i * ${prime}) % ${vocabSize})`;
  return `
    INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms,
                           tokens_json, prompt_tokens, completion_tokens, total_tokens, cost_usd, request_hash, metadata_json, created_at)
    SELECT t.provider, t.model, 'chat', s.status,
           json_object('model', t.model, 'messages', json_array(json_object('role', 'user', 'content', s.prompt))),
           CASE WHEN s.status = 'success' THEN json_object('text', s.answer) END,
           CASE WHEN s.status = 'failed' THEN json_object('class', 'RateLimitError', 'status', 429, 'message', 'Rate limit exceeded, retry later', 'attempts', 3) END,
           round(t.latency * (0.5 + ((s.i * 2654435761) % 1000) / 666.0) * CASE WHEN s.i % 20 = 0 THEN 4 ELSE 1 END, 3),
           CASE WHEN s.status = 'success' THEN json_object('prompt', s.pt, 'completion', s.ct, 'total', s.pt + s.ct) END,
           CASE WHEN s.status = 'success' THEN s.pt END,
           CASE WHEN s.status = 'success' THEN s.ct END,
           CASE WHEN s.status = 'success' THEN s.pt + s.ct END,
           NULL, printf('%016x', s.i), '{}',
           strftime('%Y-%m-%dT%H:%M:%fZ', (${startMs} + s.i * ${stepMs}) / 1000.0, 'unixepoch')
      FROM (
        WITH RECURSIVE seq(i) AS (SELECT ${first} UNION ALL SELECT i + 1 FROM seq WHERE i < ${last})
        SELECT i,
               CASE WHEN (i * 7919) % 100 < 3 THEN 'failed' ELSE 'success' END AS status,
               10 + (i * 31) % 200 AS pt, 20 + (i * 17) % 500 AS ct,
               ${word(7)} || ' ' || ${word(13)} || ' ' || ${word(29)} || ' ' || ${word(101)} || ' ' || ${word(211)}
                 || CASE WHEN i % 2 = 0 THEN ' ${COMMON_WORD} ' ELSE ' ' END || ${word(307)} || ' ' || ${word(401)}
                 || CASE WHEN i % 10000 = 4321 THEN ' ${RARE_WORD}' ELSE '' END AS prompt,
               ${word(503)} || ' ' || ${word(601)} || ' ' || ${word(701)} || ' ' || ${word(809)} || ' ' || ${word(907)} AS answer
          FROM seq) s
      JOIN bench_targets t ON t.id = s.i % ${TARGETS.length}`;
}

async function timeQuery(runs: number, query: () => Promise<unknown>) {
  await query(); // warm the page cache and the statement cache
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    await query();
    times.push(performance.now() - started);
  }
  times.sort((a, b) => a - b);
  return { p50_ms: round(percentile(times, 50)), p95_ms: round(percentile(times, 95)) };
}

const round = (ms: number) => Math.round(ms * 100) / 100;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-analytics-'));
  const deps = await bootstrap({ DATABASE_URL: `file:${join(dir, 'bench.db')}` }, { log: () => {} });
  const client = deps.database.client;
  // The bench folds the generated rows itself, a whole chunk a step.
  deps.derived.stop();
  try {
    const words = vocabulary(400);
    await client.execute('CREATE TABLE bench_vocab (id INTEGER PRIMARY KEY, word TEXT NOT NULL)');
    await client.execute('CREATE TABLE bench_targets (id INTEGER PRIMARY KEY, provider TEXT, model TEXT, latency REAL)');
    await client.batch(words.map((word, id) => ({ sql: 'INSERT INTO bench_vocab VALUES (?, ?)', args: [id, word] })));
    await client.batch(TARGETS.map(([provider, model, latency], id) => ({ sql: 'INSERT INTO bench_targets VALUES (?, ?, ?, ?)', args: [id, provider, model, latency] })));

    const stepMs = Math.floor((DAYS_OF_DATA * 86_400_000) / ROWS);
    const startMs = Date.now() - ROWS * stepMs;
    const generation = performance.now();
    for (let first = 0; first < ROWS; first += CHUNK) {
      await client.execute(chunkSql(first, Math.min(first + CHUNK, ROWS) - 1, startMs, stepMs, words.length));
      await catchUpDerivedData(deps.database.db, { rows: CHUNK, chars: Number.MAX_SAFE_INTEGER });
      if (process.stdout.isTTY) process.stdout.write(`\rgenerated ${Math.min(first + CHUNK, ROWS)} / ${ROWS}`);
    }
    const generationSeconds = (performance.now() - generation) / 1000;
    const [counts] = (
      await client.execute(
        'SELECT (SELECT count(*) FROM raw_calls) AS calls, (SELECT count(*) FROM call_rollup_hourly) AS hourly, (SELECT count(*) FROM call_rollup_daily) AS daily, (SELECT count(*) FROM call_latency_daily) AS latency',
      )
    ).rows;
    console.log(
      `\n${counts!.calls} calls over ${DAYS_OF_DATA} days generated and folded in ${generationSeconds.toFixed(1)} s ` +
        `(${Math.round(ROWS / generationSeconds)} rows/s); rollups: ${counts!.hourly} hourly, ${counts!.daily} daily and ${counts!.latency} daily latency-histogram rows`,
    );

    const ctx = serviceContext(deps);
    const app = createApp(deps);
    const queries: Array<[string, () => Promise<unknown>]> = [
      ['summary (all time)', () => analyticsSummary(ctx, {})],
      ['summary (7 days)', () => analyticsSummary(ctx, { days: 7 })],
      ['provider comparison (all time)', () => providerComparison(ctx, {})],
      ['provider comparison (7 days)', () => providerComparison(ctx, { days: 7 })],
      ['hourly series (7 days)', () => timeSeries(ctx, { bucket: 'hour', days: 7 })],
      [`search, common word "${COMMON_WORD}"`, () => searchAll(ctx, { q: COMMON_WORD, limit: 20 })],
      [`search, rare word "${RARE_WORD}"`, () => searchAll(ctx, { q: RARE_WORD, limit: 20 })],
      [`search by relevance, rare word`, () => searchAll(ctx, { q: RARE_WORD, limit: 20, order: 'relevance' })],
      ['GET /api/v1/analytics/providers (HTTP, in process)', async () => (await app.request('/api/v1/analytics/providers')).json()],
    ];
    const results: BenchResult[] = [];
    const timeAll = async (label: string, list: typeof queries) => {
      for (const [name, query] of list) {
        const metrics = await timeQuery(RUNS, query);
        const result = { name: `analytics: ${name}${label}`, metrics: { rows: ROWS, runs: RUNS, ...metrics }, target: `p50 ${metrics.p50_ms} ms ≤ ${TARGET_MS} ms (p95 ${metrics.p95_ms} ms)`, pass: metrics.p50_ms <= TARGET_MS };
        console.log(verdict(result));
        results.push(result);
      }
    };
    await timeAll('', queries);
    // Not a target: minute buckets read raw_calls directly.
    const minute = await timeQuery(Math.min(RUNS, 5), () => timeSeries(ctx, { bucket: 'minute', days: 2 }));
    console.log(`info: minute series (2 days, from raw_calls) p50 ${minute.p50_ms} ms, p95 ${minute.p95_ms} ms`);

    // Rows captured since the last catch-up: every dashboard query adds them (a search folds them in first).
    await client.execute(chunkSql(ROWS, ROWS + TAIL - 1, startMs, stepMs, words.length));
    const withTail = ` (${TAIL} rows above the watermark)`;
    await timeAll(withTail, queries.filter(([name]) => !name.startsWith('search')));
    const search = performance.now();
    const hits = await searchAll(ctx, { q: RARE_WORD, limit: 20 });
    const firstSearchMs = performance.now() - search;
    console.log(`info: the first search after ${TAIL} captures folds them in first: ${firstSearchMs.toFixed(1)} ms (${hits.length} hits)`);

    // What folding costs per row at this size, in the server's own steps.
    const extra = 20_000;
    await client.execute(chunkSql(ROWS + TAIL, ROWS + TAIL + extra - 1, startMs, stepMs, words.length));
    const folding = performance.now();
    const folded = await catchUpDerivedData(deps.database.db);
    const foldUs = ((performance.now() - folding) * 1000) / folded;
    console.log(`info: the catch-up folds ${folded} rows at ${foldUs.toFixed(1)} µs a row (search index and four rollups, steps of ${FOLD_STEP.rows} rows)`);
    results.push({
      name: 'analytics: data generation and catch-up cost',
      metrics: { rows: ROWS, seconds: round(generationSeconds), first_search_after_tail_ms: round(firstSearchMs), fold_us_per_row: round(foldUs) },
      target: 'informational',
      pass: null,
    });
    return results;
  } finally {
    deps.database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) {
  const results = await run();
  process.exitCode = results.some((r) => r.pass === false) ? 1 : 0;
}
