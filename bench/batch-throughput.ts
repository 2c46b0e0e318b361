// Spec target 2: 10,000 calls at concurrency 64 — ≥ 3,000 captured calls/s against a zero-latency
// provider with all rows present; against 200 ms latency, wall time within 5% of 10,000 × 0.2 s / 64.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../src/bootstrap';
import { serviceContext } from '../src/deps';
import type { InProcessBatchExecutor } from '../src/services/batch-runner';
import { startBatch } from '../src/services/batches';
import { isMain, startFakeProvider, verdict, type BenchResult } from './support';

const CALLS = Number(process.env.BENCH_BATCH_CALLS ?? 10_000);
const CONCURRENCY = 64;

async function runBatch(latencyMs: number) {
  const provider = await startFakeProvider(latencyMs);
  const dir = mkdtempSync(join(tmpdir(), 'bench-batch-'));
  const deps = await bootstrap(
    { DATABASE_URL: `file:${join(dir, 'bench.db')}`, OPENAI_API_KEY: 'sk-bench', OPENAI_BASE_URL: provider.url },
    { log: () => {} },
  );
  try {
    const ctx = serviceContext(deps);
    const started = performance.now();
    const batch = await startBatch(ctx, {
      items: Array.from({ length: CALLS }, (_, i) => ({ prompt: `benchmark prompt ${i}` })),
      targets: [{ provider: 'openai', model: 'bench-model' }],
      samples: 1,
      concurrency: CONCURRENCY,
    });
    await (deps.batches as InProcessBatchExecutor).idle();
    const seconds = (performance.now() - started) / 1000;
    const rows = await deps.database.client.execute({
      sql: "SELECT count(*) AS n, sum(status = 'success') AS ok FROM raw_calls WHERE json_extract(metadata_json, '$.batch_id') = ?",
      args: [batch.id],
    });
    return { seconds, rows: Number(rows.rows[0]!.n), success: Number(rows.rows[0]!.ok) };
  } finally {
    deps.database.close();
    provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

export async function run(): Promise<BenchResult[]> {
  const fast = await runBatch(0);
  const throughput = fast.success / fast.seconds;
  console.log(`zero latency: ${CALLS} calls in ${fast.seconds.toFixed(2)} s = ${throughput.toFixed(0)} captured calls/s; rows ${fast.rows}, success ${fast.success}`);
  const throughputResult: BenchResult = {
    name: 'batch throughput (zero-latency provider)',
    metrics: { calls: CALLS, seconds: fast.seconds, calls_per_s: throughput, rows: fast.rows },
    target: `>= 3000 captured calls/s with all ${CALLS} rows present (measured ${throughput.toFixed(0)}/s, ${fast.rows} rows)`,
    pass: throughput >= 3000 && fast.success === CALLS,
  };
  console.log(verdict(throughputResult));

  const slow = await runBatch(200);
  const ideal = (CALLS * 0.2) / CONCURRENCY;
  const ratio = slow.seconds / ideal;
  console.log(`200 ms latency: ${slow.seconds.toFixed(2)} s vs ideal ${ideal.toFixed(2)} s = ${((ratio - 1) * 100).toFixed(1)}% over; rows ${slow.rows}`);
  const efficiencyResult: BenchResult = {
    name: 'batch wall time (200 ms provider latency)',
    metrics: { seconds: slow.seconds, ideal_seconds: ideal, ratio, rows: slow.rows },
    target: `wall time within 5% of ideal ${ideal.toFixed(2)} s (measured ${slow.seconds.toFixed(2)} s, ${((ratio - 1) * 100).toFixed(1)}% over)`,
    pass: ratio <= 1.05 && slow.success === CALLS,
  };
  console.log(verdict(efficiencyResult));
  return [throughputResult, efficiencyResult];
}

if (isMain(import.meta.url)) await run();
