// `npm run bench` can fail: a missed target makes it exit 1 (shown here with the bundle bench and a
// budget the bundle cannot meet, set only for this test).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

describe('npm run bench', () => {
  it('exits 1 and says FAIL when a target is missed', () => {
    const dir = mkdtempSync(join(tmpdir(), 'bench-verdict-'));
    try {
      const results = join(dir, 'results.json');
      const run = spawnSync('npx', ['tsx', 'bench/run.ts'], {
        env: { ...process.env, BENCH_ONLY: 'worker-bundle', BENCH_BUNDLE_BUDGET_BYTES: '1000', BENCH_RESULTS: results, WRANGLER_SEND_METRICS: 'false' },
        encoding: 'utf8',
        timeout: 120_000,
      });
      expect(run.status).toBe(1);
      expect(run.stdout).toMatch(/^FAIL worker-bundle · Workers bundle size: <= 1 KiB gzipped/m);
      expect(run.stdout).toContain('1 target(s) missed');
      const written = JSON.parse(readFileSync(results, 'utf8'));
      expect(written.results[0]).toMatchObject({ bench: 'worker-bundle', pass: false });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 150_000);
});
