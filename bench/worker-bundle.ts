// Spec target 5: the Workers bundle is ≤ 1 MiB gzipped.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { isMain, verdict, type BenchResult } from './support';

const LIMIT = 1024 * 1024;

export async function run(): Promise<BenchResult> {
  const outdir = mkdtempSync(join(tmpdir(), 'bench-worker-'));
  try {
    execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
      env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
    const bundles = readdirSync(outdir).filter((f) => f.endsWith('.js'));
    const raw = bundles.reduce((sum, f) => sum + readFileSync(join(outdir, f)).length, 0);
    const gzipped = bundles.reduce((sum, f) => sum + gzipSync(readFileSync(join(outdir, f)), { level: 9 }).length, 0);
    console.log(`worker bundle: ${(raw / 1024).toFixed(0)} KiB raw, ${(gzipped / 1024).toFixed(0)} KiB gzipped`);
    const result: BenchResult = {
      name: 'Workers bundle size',
      metrics: { raw_bytes: raw, gzip_bytes: gzipped },
      target: `<= 1024 KiB gzipped (measured ${(gzipped / 1024).toFixed(0)} KiB)`,
      pass: gzipped <= LIMIT,
    };
    console.log(verdict(result));
    return result;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

if (isMain(import.meta.url)) await run();
