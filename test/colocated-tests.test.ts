// Unit tests may live beside their module under src/ (src/studies/statistics/*.test.ts). Bundlers
// follow imports from the entries (src/worker.ts, src/node.ts), so such a test stays out of the
// Workers and Node bundles for as long as no production module imports it or vitest.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import { projectRoot } from '../src/node/project-root';

const src = join(projectRoot(), 'src');
const sources = readdirSync(src, { recursive: true, encoding: 'utf8' })
  .filter((file) => /\.tsx?$/.test(file))
  .map((file) => join(src, file));

describe('tests colocated under src/', () => {
  it('are picked up: the statistics core has its tests beside it', () => {
    expect(sources.some((file) => file.endsWith(join('studies', 'statistics', 'paired.test.ts')))).toBe(true);
  });

  it('are imported by no production module, and no production module imports vitest', () => {
    const offenders = sources
      .filter((file) => !/\.test\.tsx?$/.test(file))
      .filter((file) => /from\s+['"](vitest|[^'"]*\.test(\.tsx?)?)['"]|import\(\s*['"][^'"]*\.test/.test(readFileSync(file, 'utf8')))
      .map((file) => relative(src, file));
    expect(offenders).toEqual([]);
  });
});
