// `npm run build:worker`: static assets, then the Workers bundle (`wrangler deploy --dry-run`), then its
// gzipped size against the 1 MiB budget (SPEC, Performance 5). Exits non-zero over budget.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { buildAssets } from './build-assets';

export const BUNDLE_BUDGET_BYTES = 1024 * 1024;
const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

export interface BundleSize {
  files: string[];
  rawBytes: number;
  gzipBytes: number;
}

/** Sizes every module wrangler wrote (source maps aside), as Cloudflare counts them: gzipped. */
export function measureBundle(outdir: string): BundleSize {
  const files = readdirSync(outdir, { recursive: true, encoding: 'utf8' })
    .filter((f) => !f.endsWith('.map') && statSync(join(outdir, f)).isFile())
    .filter((f) => /\.(m?js|cjs|wasm|bin|txt|html|json)$/.test(f));
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of files) {
    const bytes = readFileSync(join(outdir, file));
    rawBytes += bytes.length;
    gzipBytes += gzipSync(bytes, { level: 9 }).length;
  }
  return { files, rawBytes, gzipBytes };
}

export function buildWorker(outdir = join(root, 'dist', 'worker')): BundleSize {
  buildAssets();
  execFileSync('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
    cwd: root,
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
  });
  return measureBundle(outdir);
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const outdirArg = process.argv.indexOf('--outdir');
  const outdir = outdirArg > 0 ? resolve(process.argv[outdirArg + 1]!) : undefined;
  const size = buildWorker(outdir);
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  const ok = size.gzipBytes <= BUNDLE_BUDGET_BYTES;
  console.log(
    `Workers bundle: ${size.files.join(', ')} — ${kib(size.rawBytes)} raw, ${kib(size.gzipBytes)} gzipped ` +
      `(budget ${kib(BUNDLE_BUDGET_BYTES)}): ${ok ? 'OK' : 'OVER BUDGET'}`,
  );
  if (!ok) process.exit(1);
}
