// Issue 15: a study of 100,000 tasks (1,000 items × 2 targets × 50 samples), its calls written through
// the real capture triggers. Measures deterministic scoring of its 100,000 captured calls (calls/s),
// then the report JSON and the study page (p50/p95, computed afresh and from what is kept), with the
// longest event-loop stall of each. Target: the study page under 200 ms p50. Issue 19 adds a wide
// sweep of the same size — 100 targets × 1,000 items × 1 sample, every pair of targets compared
// (4,950 pairs) — whose report computed afresh is informational.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { serve, type ServerType } from '@hono/node-server';
import { createApp } from '../src/app';
import { bootstrap } from '../src/bootstrap';
import { createStudy } from '../src/studies/repository';
import { startScoring } from '../src/studies/scoring/service';
import { forgetStudyStatistics } from '../src/studies/report/service';
import { exitWith, isMain, percentile, verdict, type BenchResult } from './support';

const ITEMS = Number(process.env.BENCH_STUDY_ITEMS ?? 1_000);
const SAMPLES = Number(process.env.BENCH_STUDY_SAMPLES ?? 50);
const TARGETS = 2;
const RUNS = Number(process.env.BENCH_STUDY_RUNS ?? 20);
const PAGE_TARGET_MS = 200;
const CHUNK = 10_000;

/**
 * Answers for tasks [from, to): "The answer is N." — right (N = the item's expected number) 60–79% of
 * the time for target 0 and 50–69% for target 1 (10–29% on every tenth item, where the targets
 * disagree), varying by item; 2% of calls fail.
 */
const answersSql = (batchId: number, from: number, to: number) => `
  INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms, tokens_json,
                         prompt_tokens, completion_tokens, total_tokens, cost_usd, request_hash, metadata_json, created_at, batch_task_id)
  SELECT 'bench', 'model-' || s.target_index, 'chat', s.status,
         json_object('model', 'model-' || s.target_index, 'messages', json_array(json_object('role', 'user', 'content', s.prompt))),
         CASE WHEN s.status = 'success' THEN json_object('text', 'The answer is ' || (s.expected + CASE WHEN s.right THEN 0 ELSE 1 + s.sample_index % 3 END) || '.') END,
         CASE WHEN s.status = 'failed' THEN json_object('class', 'ServerError', 'status', 503, 'message', 'unavailable', 'attempts', 1) END,
         CASE WHEN s.status = 'success' THEN 200 + (s.id * 7919) % 800 ELSE 30 END,
         CASE WHEN s.status = 'success' THEN json_object('prompt', 12, 'completion', 5, 'total', 17) END,
         CASE WHEN s.status = 'success' THEN 12 END, CASE WHEN s.status = 'success' THEN 5 END, CASE WHEN s.status = 'success' THEN 17 END,
         CASE WHEN s.status = 'success' THEN 0.00002 END,
         printf('%016x', s.id), json_object('source', 'batch', 'batch_id', ${batchId}),
         strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), s.id
    FROM (SELECT t.id, t.target_index, t.sample_index, i.prompt, i.position % 97 AS expected,
                 CASE WHEN (t.id * 2654435761) % 100 < 2 THEN 'failed' ELSE 'success' END AS status,
                 (t.id * 40503 + t.sample_index * 17) % 100
                   < (CASE WHEN t.target_index = 0 THEN 60 WHEN i.position % 10 = 0 THEN 10 ELSE 50 END) + i.position % 20 AS right
            FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id
           WHERE t.batch_id = ${batchId} AND t.ordinal >= ${from} AND t.ordinal < ${to}) s`;

const WIDE_TARGETS = 100;
const WIDE_ITEMS = Number(process.env.BENCH_STUDY_WIDE_ITEMS ?? 1_000);

/** 100 targets × 1,000 items × 1 sample, answered "yes" (right) 30–80% of the time by target; its report computed afresh. */
async function wideStudy(deps: Awaited<ReturnType<typeof bootstrap>>, base: string): Promise<BenchResult> {
  const db = deps.database.db;
  const batchId = await createStudy(
    db,
    {
      name: 'wide sweep',
      targets: Array.from({ length: WIDE_TARGETS }, (_, t) => ({ provider: 'bench', model: `sweep-${t}`, params: {} })),
      samples: 1,
      concurrency: 1,
      options: {},
      items: Array.from({ length: WIDE_ITEMS }, (_, i) => ({ key: `w${i}`, prompt: `Yes or no? (question ${i})`, expected: 'yes', fields: { level: `level ${i % 4}` } })),
    },
    { runId: 'bench', runner: 'bench', now: new Date().toISOString() },
  );
  for (let from = 0; from < WIDE_ITEMS * WIDE_TARGETS; from += CHUNK) {
    await deps.database.client.execute(`
      INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, latency_ms, prompt_tokens, completion_tokens, total_tokens,
                             cost_usd, request_hash, metadata_json, created_at, batch_task_id)
      SELECT 'bench', 'sweep-' || t.target_index, 'chat', 'success', '{}',
             json_object('text', CASE WHEN (t.id * 2654435761) % 100 < 30 + t.target_index / 2 THEN 'yes' ELSE 'no' END),
             100 + t.id % 400, 12, 1, 13, 0.00001, printf('w%016x', t.id), json_object('source', 'batch', 'batch_id', ${batchId}),
             strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), t.id
        FROM batch_tasks t WHERE t.batch_id = ${batchId} AND t.ordinal >= ${from} AND t.ordinal < ${from + CHUNK}`);
  }
  await deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed', heartbeat_at = NULL WHERE group_id = ?", args: [batchId] });
  const { work } = await startScoring(deps.scoring, batchId, { scorers: [{ name: 'yes', config: { type: 'exact' } }], concurrency: 1 });
  await work;
  const request = async () => {
    const res = await fetch(`${base}/api/v1/studies/${batchId}/report?limit=20`);
    if (res.status !== 200) throw new Error(`wide report: ${res.status}`);
    return res.text();
  };
  await request();
  const runs = Math.max(3, Math.ceil(RUNS / 4));
  const metrics = await timed(runs, request, () => forgetStudyStatistics(db));
  const result = {
    name: `study (${WIDE_TARGETS} targets × ${WIDE_ITEMS.toLocaleString('en-US')} items, ${((WIDE_TARGETS * (WIDE_TARGETS - 1)) / 2).toLocaleString('en-US')} pairs): GET /api/v1/studies/:id/report, computed afresh`,
    metrics: { tasks: WIDE_TARGETS * WIDE_ITEMS, runs, ...metrics },
    target: `informational: p50 ${metrics.p50_ms} ms (p95 ${metrics.p95_ms} ms, longest event-loop stall ${metrics.max_event_loop_stall_ms} ms)`,
    pass: null,
  };
  console.log(verdict(result));
  return result;
}

async function timed(runs: number, request: () => Promise<unknown>, before?: () => void) {
  const times: number[] = [];
  const stalls = monitorEventLoopDelay({ resolution: 5 });
  stalls.enable();
  for (let i = 0; i < runs; i++) {
    before?.();
    const started = performance.now();
    await request();
    times.push(performance.now() - started);
  }
  stalls.disable();
  times.sort((a, b) => a - b);
  return { p50_ms: round(percentile(times, 50)), p95_ms: round(percentile(times, 95)), max_event_loop_stall_ms: round(stalls.max / 1e6) };
}

const round = (ms: number) => Math.round(ms * 10) / 10;

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-study-'));
  const deps = await bootstrap({ DATABASE_URL: `file:${join(dir, 'bench.db')}` }, { log: () => {} });
  const db = deps.database.db;
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: createApp(deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const base = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  try {
    const tasks = ITEMS * TARGETS * SAMPLES;
    const generation = performance.now();
    const batchId = await createStudy(
      db,
      {
        name: 'benchmark study',
        targets: Array.from({ length: TARGETS }, (_, t) => ({ provider: 'bench', model: `model-${t}`, params: {} })),
        samples: SAMPLES,
        concurrency: 1,
        options: {},
        items: Array.from({ length: ITEMS }, (_, i) => ({ key: `q${i}`, prompt: `What is ${i % 97} plus zero? (question ${i})`, expected: String(i % 97), fields: { level: `level ${i % 4}` } })),
      },
      { runId: 'bench', runner: 'bench', now: new Date().toISOString() },
    );
    for (let from = 0; from < tasks; from += CHUNK) await deps.database.client.execute(answersSql(batchId, from, Math.min(tasks, from + CHUNK)));
    await deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed', heartbeat_at = NULL WHERE group_id = ?", args: [batchId] });
    const [counts] = (await deps.database.client.execute({ sql: 'SELECT tasks_success AS ok, tasks_failed AS failed FROM batches WHERE group_id = ?', args: [batchId] })).rows;
    console.log(`${tasks} tasks (${counts!.ok} answered, ${counts!.failed} failed) captured through the triggers in ${((performance.now() - generation) / 1000).toFixed(1)} s`);

    const results: BenchResult[] = [];
    const scorers = [
      { name: 'number', config: { type: 'numeric' as const, extract: { type: 'first_number' as const }, abs_tol: 0, rel_tol: 0 } },
      { name: 'text', config: { type: 'normalized_exact' as const, extract: { type: 'regex' as const, pattern: 'answer is (\\d+)', flags: '' }, normalize: { nfkc: true, case_fold: true, strip_punctuation: true, whitespace: true } } },
    ];
    for (const chosen of [scorers.slice(0, 1), scorers]) {
      const stalls = monitorEventLoopDelay({ resolution: 5 });
      stalls.enable();
      const started = performance.now();
      const { progress, work } = await startScoring(deps.scoring, batchId, { scorers: chosen, concurrency: 1 });
      await work;
      const seconds = (performance.now() - started) / 1000;
      stalls.disable();
      const answered = progress.total / chosen.length;
      const metrics = { calls: answered, scorers: chosen.length, seconds: round(seconds), calls_per_s: Math.round(answered / seconds), scores_per_s: Math.round(progress.total / seconds), max_event_loop_stall_ms: round(stalls.max / 1e6) };
      const result = { name: `study: deterministic scoring, ${chosen.length} scorer(s)`, metrics, target: `informational: ${metrics.calls_per_s} calls/s (${metrics.scores_per_s} scores/s), longest event-loop stall ${metrics.max_event_loop_stall_ms} ms`, pass: null };
      console.log(verdict(result));
      results.push(result);
    }

    const get = (path: string) => async () => {
      const res = await fetch(`${base}${path}`);
      if (res.status !== 200) throw new Error(`${path}: ${res.status}`);
      return res.text();
    };
    const fresh = () => forgetStudyStatistics(db);
    const measures: Array<[string, () => Promise<unknown>, (() => void) | undefined, boolean]> = [
      ['GET /api/v1/studies/:id/report, computed afresh', get(`/api/v1/studies/${batchId}/report`), fresh, false],
      ['GET /api/v1/studies/:id/report, kept', get(`/api/v1/studies/${batchId}/report`), undefined, false],
      ['GET /studies/:id (the study page), computed afresh', get(`/studies/${batchId}`), fresh, true],
      ['GET /studies/:id (the study page), kept', get(`/studies/${batchId}`), undefined, true],
      ['GET /studies/:id?disagree=1, kept', get(`/studies/${batchId}?disagree=1`), undefined, true],
      ['GET /studies/:id?scorer=text&offset=500, kept', get(`/studies/${batchId}?scorer=text&offset=500`), undefined, true],
      // Issue 22: the review queue scans the study's answers for disagreements (none here: the worst case), then lists unlabelled ones.
      ['GET /studies/:id/review (the review queue)', get(`/studies/${batchId}/review`), undefined, true],
    ];
    for (const [name, request, before, isPage] of measures) {
      await request(); // warm the statement cache and what is kept
      const metrics = await timed(RUNS, request, before);
      const result = {
        name: `study (${tasks.toLocaleString('en-US')} tasks): ${name}`,
        metrics: { tasks, runs: RUNS, ...metrics },
        target: `${isPage ? `p50 ${metrics.p50_ms} ms < ${PAGE_TARGET_MS} ms` : `informational: p50 ${metrics.p50_ms} ms`} (p95 ${metrics.p95_ms} ms, longest event-loop stall ${metrics.max_event_loop_stall_ms} ms)`,
        pass: isPage ? metrics.p50_ms < PAGE_TARGET_MS : null,
      };
      console.log(verdict(result));
      results.push(result);
    }
    results.push(await wideStudy(deps, base));
    return results;
  } finally {
    await new Promise((resolve) => server.close(resolve));
    deps.database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) exitWith(await run());
