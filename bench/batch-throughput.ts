// Spec target 2: 10,000 calls at concurrency 64 — ≥ 3,000 captured calls/s against a zero-latency
// provider with all rows present; against 200 ms latency, wall time within 5% of 10,000 × 0.2 s / 64.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bootstrap } from '../src/bootstrap';
import { serviceContext } from '../src/deps';
import type { InProcessStudyExecutor } from '../src/studies/runner/runner';
import { startStudy } from '../src/studies/service';
import OpenAI from 'openai';
import pLimit from 'p-limit';
import { undiciRequestFetch } from '../src/node/node-fetch';
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
    // When the first provider call goes out: what creating the study costs before any call runs.
    const openaiProvider = deps.providers.get('openai')!;
    const complete = openaiProvider.complete.bind(openaiProvider);
    let firstCallAt: number | undefined;
    openaiProvider.complete = (request) => {
      firstCallAt ??= performance.now();
      return complete(request);
    };
    const started = performance.now();
    const batch = await startStudy(ctx, {
      items: Array.from({ length: CALLS }, (_, i) => ({ prompt: `benchmark prompt ${i}` })),
      targets: [{ provider: 'openai', model: 'bench-model' }],
      samples: 1,
      concurrency: CONCURRENCY,
    });
    await (deps.studies as InProcessStudyExecutor).idle();
    const seconds = (performance.now() - started) / 1000;
    const rows = await deps.database.client.execute({
      sql: "SELECT count(*) AS n, sum(status = 'success') AS ok FROM raw_calls WHERE json_extract(metadata_json, '$.batch_id') = ?",
      args: [batch.id],
    });
    const firstCallMs = (firstCallAt ?? Number.NaN) - started;
    return { seconds, firstCallMs, rows: Number(rows.rows[0]!.n), success: Number(rows.rows[0]!.ok) };
  } finally {
    deps.database.close();
    provider.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The ceiling under the batch: the same calls through the openai SDK over the same fetch, at the
 * same concurrency, against the same provider, with nothing validated, captured or stored.
 */
async function sdkOnly(latencyMs: number) {
  const provider = await startFakeProvider(latencyMs);
  try {
    const sdk = new OpenAI({ baseURL: provider.url, apiKey: 'sk-bench', maxRetries: 0, fetch: undiciRequestFetch() });
    const limit = pLimit(CONCURRENCY);
    const started = performance.now();
    await Promise.all(
      Array.from({ length: CALLS }, (_, i) =>
        limit(() => sdk.chat.completions.create({ model: 'bench-model', messages: [{ role: 'user', content: `benchmark prompt ${i}` }] })),
      ),
    );
    return (performance.now() - started) / 1000;
  } finally {
    provider.stop();
  }
}

export async function run(): Promise<BenchResult[]> {
  const sdkFastSeconds = await sdkOnly(0);
  const sdkCeiling = CALLS / sdkFastSeconds;
  console.log(`zero latency, SDK alone (nothing captured): ${sdkCeiling.toFixed(0)} calls/s`);
  const fast = await runBatch(0);
  const throughput = fast.success / fast.seconds;
  console.log(`zero latency: ${CALLS} calls in ${fast.seconds.toFixed(2)} s = ${throughput.toFixed(0)} captured calls/s; rows ${fast.rows}, success ${fast.success}`);
  const throughputResult: BenchResult = {
    name: 'batch throughput (zero-latency provider)',
    metrics: { calls: CALLS, seconds: fast.seconds, calls_per_s: throughput, rows: fast.rows, sdk_alone_calls_per_s: sdkCeiling },
    target:
      `>= 3000 captured calls/s with all ${CALLS} rows present (measured ${throughput.toFixed(0)}/s, ${fast.rows} rows; ` +
      `the SDK alone reaches ${sdkCeiling.toFixed(0)}/s here)`,
    pass: throughput >= 3000 && fast.success === CALLS,
  };
  console.log(verdict(throughputResult));

  const ideal = (CALLS * 0.2) / CONCURRENCY;
  const over = (seconds: number) => `${((seconds / ideal - 1) * 100).toFixed(1)}%`;
  const sdkSlowSeconds = await sdkOnly(200);
  console.log(`200 ms latency, SDK alone (nothing captured): ${sdkSlowSeconds.toFixed(2)} s = ${over(sdkSlowSeconds)} over the ideal`);
  const slow = await runBatch(200);
  const ratio = slow.seconds / ideal;
  console.log(`200 ms latency: ${slow.seconds.toFixed(2)} s vs ideal ${ideal.toFixed(2)} s = ${over(slow.seconds)} over; rows ${slow.rows}`);
  // Each worker makes its calls one after another: past the first call, the wall time is the busiest
  // worker's calls, each 200 ms plus what the round trip, capture and the start of the next call add.
  const perWorker = Math.ceil(CALLS / CONCURRENCY);
  const addedPerCall = ((slow.seconds * 1000 - slow.firstCallMs) / perWorker - 200).toFixed(2);
  console.log(`  first call ${slow.firstCallMs.toFixed(0)} ms after the study was asked for; then ${perWorker} calls a worker, each 200 ms + ${addedPerCall} ms`);
  const efficiencyResult: BenchResult = {
    name: 'batch wall time (200 ms provider latency)',
    metrics: { seconds: slow.seconds, ideal_seconds: ideal, ratio, rows: slow.rows, sdk_alone_seconds: sdkSlowSeconds, first_call_ms: slow.firstCallMs },
    target:
      `wall time within 5% of ideal ${ideal.toFixed(2)} s (measured ${slow.seconds.toFixed(2)} s, ${over(slow.seconds)} over; ` +
      `the SDK alone takes ${sdkSlowSeconds.toFixed(2)} s, ${over(sdkSlowSeconds)} over)`,
    pass: ratio <= 1.05 && slow.success === CALLS,
  };
  console.log(verdict(efficiencyResult));
  return [throughputResult, efficiencyResult];
}

if (isMain(import.meta.url)) await run();
