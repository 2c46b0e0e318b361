// Issue 20: the drift report of two runs of a study at the largest size one request may compare
// (MAX_DRIFT_CELLS item × target cells), its calls written through the real capture triggers:
// 10,000 items × 2 targets × 10 samples per run, 3–4 distinct answers per cell, target 0 shifting
// its answers on every fifth item in the second run. Measures computeDrift computed afresh and kept (p50 of a few runs) and
// the longest event-loop stall while it runs (target: under 100 ms), and the slowest single cell
// test of hostile shapes (many categories, many samples) — each run between time slices.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { bootstrap } from '../src/bootstrap';
import { createStudy } from '../src/studies/repository';
import { computeDrift, forgetDrift, MAX_DRIFT_CELLS } from '../src/studies/drift/service';
import { cellDrift, emptyTally } from '../src/studies/drift/compare';
import { exitWith, isMain, percentile, verdict, type BenchResult } from './support';

const TARGETS = 2;
const ITEMS = Number(process.env.BENCH_DRIFT_ITEMS ?? MAX_DRIFT_CELLS / TARGETS);
const SAMPLES = Number(process.env.BENCH_DRIFT_SAMPLES ?? 10);
const RUNS = Number(process.env.BENCH_DRIFT_RUNS ?? 3);
const STALL_TARGET_MS = 100;
const CHUNK = 10_000;

/** Answers "N", "N+1", "N+2" by sample; in the shifted run target 0 answers "N+3" on every fifth item instead; 1% of calls fail. */
const answersSql = (batchId: number, from: number, to: number, shifted: boolean) => `
  INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms, request_hash, metadata_json, created_at, batch_task_id,
                         served_model, system_fingerprint)
  SELECT 'bench', 'model-' || s.target_index, 'chat', s.status, '{}',
         CASE WHEN s.status = 'success' THEN json_object('text', CAST(s.answer AS TEXT)) END,
         CASE WHEN s.status = 'failed' THEN json_object('class', 'ServerError', 'status', 503, 'message', 'unavailable', 'attempts', 1) END,
         100, printf('%016x', s.id), json_object('source', 'batch', 'batch_id', ${batchId}), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), s.id,
         'model-' || s.target_index || '-served', CASE WHEN ${shifted ? 1 : 0} AND s.target_index = 0 THEN 'fp_new' ELSE 'fp_old' END
    FROM (SELECT t.id, t.target_index,
                 CASE WHEN (t.id * 2654435761) % 100 < 1 THEN 'failed' ELSE 'success' END AS status,
                 i.position % 97 + CASE WHEN ${shifted ? 1 : 0} AND t.target_index = 0 AND i.position % 5 = 0 THEN 3 ELSE t.sample_index % 3 END AS answer
            FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id
           WHERE t.batch_id = ${batchId} AND t.ordinal >= ${from} AND t.ordinal < ${to}) s`;

type Deps = Awaited<ReturnType<typeof bootstrap>>;

async function run_(deps: Deps, name: string, shifted: boolean) {
  const id = await createStudy(
    deps.database.db,
    {
      name,
      targets: Array.from({ length: TARGETS }, (_, t) => ({ provider: 'bench', model: `model-${t}`, params: {} })),
      samples: SAMPLES,
      concurrency: 1,
      options: {},
      items: Array.from({ length: ITEMS }, (_, i) => ({ key: `q${i}`, prompt: `question ${i}`, expected: String(i % 97) })),
    },
    { runId: 'bench', runner: 'bench', now: new Date().toISOString() },
  );
  const tasks = ITEMS * TARGETS * SAMPLES;
  for (let from = 0; from < tasks; from += CHUNK) await deps.database.client.execute(answersSql(id, from, Math.min(tasks, from + CHUNK), shifted));
  await deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed', heartbeat_at = NULL WHERE group_id = ?", args: [id] });
  return id;
}

/** The longest step of a single cell test between two time slices: hostile shapes of answers, each timed alone. */
async function slowestCellStep(): Promise<BenchResult> {
  const shapes: Array<[string, number, number]> = [
    // categories, samples per run
    ['1000 samples, 10 answers', 10, 1000],
    ['1000 samples, 200 answers', 200, 1000],
    ['1000 samples, 1000 answers', 1000, 1000],
    ['40 samples, 12 answers', 12, 40],
    ['20 samples, 20 answers', 20, 20],
  ];
  let slowest = 0;
  let which = '';
  for (const [label, categories, samples] of shapes) {
    const side = (shift: number) => {
      const tally = emptyTally();
      for (let s = 0; s < samples; s++) {
        const answer = String((s * 7 + shift * (s % 3)) % categories);
        tally.answers.set(answer, (tally.answers.get(answer) ?? 0) + 1);
      }
      return tally;
    };
    let last = performance.now();
    let longest = 0;
    const started = last;
    const drift = await cellDrift(side(0), side(1), () => {
      const now = performance.now();
      longest = Math.max(longest, now - last);
      last = now;
      return undefined;
    });
    const total = performance.now() - started;
    longest = Math.max(longest, performance.now() - last);
    console.log(`  one cell, ${label}: ${drift.method}, ${total.toFixed(1)} ms in all, longest step ${longest.toFixed(1)} ms`);
    if (longest > slowest) [slowest, which] = [longest, `${label} (${drift.method})`];
  }
  const result = {
    name: 'drift: the longest step of a single cell test of the hostile shapes',
    metrics: { longest_step_ms: round(slowest) },
    target: `informational: ${round(slowest)} ms (${which})`,
    pass: null,
  };
  console.log(verdict(result));
  return result;
}

export async function run(): Promise<BenchResult[]> {
  const dir = mkdtempSync(join(tmpdir(), 'bench-drift-'));
  const deps = await bootstrap({ DATABASE_URL: `file:${join(dir, 'bench.db')}` }, { log: () => {} });
  try {
    const generation = performance.now();
    const baseline = await run_(deps, 'drift baseline', false);
    const current = await run_(deps, 'drift re-run', true);
    console.log(`2 runs of ${ITEMS * TARGETS * SAMPLES} tasks captured through the triggers in ${((performance.now() - generation) / 1000).toFixed(1)} s`);
    // The machine's own stalls over the same time, doing nothing: on a shared machine the scheduler stalls an idle process too.
    const idle = monitorEventLoopDelay({ resolution: 5 });
    idle.enable();
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    idle.disable();
    const times: number[] = [];
    let report = await computeDrift(deps.database.db, current, baseline);
    const stalls = monitorEventLoopDelay({ resolution: 5 });
    stalls.enable();
    for (let i = 0; i < RUNS; i++) {
      forgetDrift(deps.database.db);
      const started = performance.now();
      report = await computeDrift(deps.database.db, current, baseline);
      times.push(performance.now() - started);
    }
    stalls.disable();
    const kept: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      await computeDrift(deps.database.db, current, baseline, { offset: i * 100 });
      kept.push(performance.now() - started);
    }
    kept.sort((a, b) => a - b);
    times.sort((a, b) => a - b);
    const metrics = {
      cells: report.cells_tested,
      drifted: report.cells_drifted,
      p50_ms: round(percentile(times, 50)),
      kept_p50_ms: round(percentile(kept, 50)),
      max_ms: round(times.at(-1)!),
      max_event_loop_stall_ms: round(stalls.max / 1e6),
      p99_event_loop_stall_ms: round(stalls.percentile(99) / 1e6),
      idle_max_stall_ms: round(idle.max / 1e6),
    };
    const result: BenchResult = {
      name: `drift: GET /api/v1/studies/:id/drift over ${metrics.cells} cells (${ITEMS} items × ${TARGETS} targets × ${SAMPLES} samples per run)`,
      metrics,
      target: `longest event-loop stall < ${STALL_TARGET_MS} ms: ${metrics.max_event_loop_stall_ms} ms (p99 ${metrics.p99_event_loop_stall_ms} ms; idle, the machine alone: ${metrics.idle_max_stall_ms} ms) · afresh p50 ${metrics.p50_ms} ms, kept p50 ${metrics.kept_p50_ms} ms, ${metrics.drifted} cells drifted of ${ITEMS / 5} shifted`,
      pass: metrics.max_event_loop_stall_ms < STALL_TARGET_MS,
    };
    console.log(verdict(result));
    return [result, await slowestCellStep()];
  } finally {
    deps.database.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

const round = (ms: number) => Math.round(ms * 10) / 10;

if (isMain(import.meta.url)) exitWith(await run());
