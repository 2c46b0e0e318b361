// The Workers entry must keep building with wrangler (the edge bundle is checked, not assumed).
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BUDGET_BYTES, buildWorker } from '../scripts/build-worker';

describe('Workers build', () => {
  it('bundles src/worker.ts with wrangler (static assets first), within 1 MiB gzipped', () => {
    const outdir = mkdtempSync(join(tmpdir(), 'study-worker-'));
    try {
      const size = buildWorker(outdir);
      const bundle = join(outdir, 'worker.js');
      expect(existsSync(bundle)).toBe(true);
      expect(statSync(bundle).size).toBeGreaterThan(10_000);
      expect(size.gzipBytes).toBeGreaterThan(10_000);
      expect(size.gzipBytes).toBeLessThanOrEqual(BUNDLE_BUDGET_BYTES);
      expect(existsSync(join('dist', 'assets', 'static', 'htmx.min.js'))).toBe(true);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 150_000);
});
