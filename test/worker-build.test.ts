// The Workers entry must keep building with wrangler (the edge bundle is checked, not assumed).
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';

describe('Workers build', () => {
  it('bundles src/worker.ts with wrangler', async () => {
    const outdir = mkdtempSync(join(tmpdir(), 'study-worker-'));
    try {
      await promisify(execFile)('npx', ['wrangler', 'deploy', '--dry-run', '--outdir', outdir], {
        env: { ...process.env, WRANGLER_SEND_METRICS: 'false' },
        timeout: 120_000,
      });
      const bundle = join(outdir, 'worker.js');
      expect(existsSync(bundle)).toBe(true);
      expect(statSync(bundle).size).toBeGreaterThan(10_000);
    } finally {
      rmSync(outdir, { recursive: true, force: true });
    }
  }, 150_000);
});
