// Spec target 5: the Workers bundle is ≤ 1 MiB gzipped — measured by the same build and count as
// `npm run build:worker` (scripts/build-worker.ts), the one measurement of the bundle.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUNDLE_BUDGET_BYTES, buildWorker } from '../scripts/build-worker';
import { exitWith, isMain, verdict, type BenchResult } from './support';

export async function run(): Promise<BenchResult> {
  // BENCH_BUNDLE_BUDGET_BYTES only shows the verdict failing (test/bench-verdicts.test.ts).
  const budget = Number(process.env.BENCH_BUNDLE_BUDGET_BYTES ?? BUNDLE_BUDGET_BYTES);
  const outdir = mkdtempSync(join(tmpdir(), 'bench-worker-'));
  try {
    const size = buildWorker(outdir);
    console.log(`worker bundle: ${(size.rawBytes / 1024).toFixed(0)} KiB raw, ${(size.gzipBytes / 1024).toFixed(0)} KiB gzipped`);
    const result: BenchResult = {
      name: 'Workers bundle size',
      metrics: { raw_bytes: size.rawBytes, gzip_bytes: size.gzipBytes },
      target: `<= ${(budget / 1024).toFixed(0)} KiB gzipped (measured ${(size.gzipBytes / 1024).toFixed(0)} KiB)`,
      pass: size.gzipBytes <= budget,
    };
    console.log(verdict(result));
    return result;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) exitWith(await run());
