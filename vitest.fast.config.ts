// `npm run test:fast`: the everyday lane — unit and route tests through app.request and in-process
// servers. What starts processes (the real server, wrangler/workerd, sqld, npm ci for the Docker
// steps, Chromium) or waits out locks and timeouts runs only in `npm test`.
import { defineConfig, mergeConfig } from 'vitest/config';
import base from './vitest.config';

export const SLOW_LANE = [
  'test/browser/**',
  'test/http/login-browser.test.ts',
  'test/worker/**',
  'test/worker-build.test.ts',
  'test/dockerfile.test.ts',
  'test/server-process.test.ts',
  'test/schedule-process.test.ts',
  'test/study-crash.test.ts',
  'test/bench-verdicts.test.ts',
  'test/faults/study-faults.test.ts',
  'test/faults/sqlite-busy.test.ts',
  'test/faults/cost-ceilings.test.ts',
  'test/integrity/shutdown.test.ts',
  'test/integrity/no-stall.test.ts',
  'test/integrity/study-ownership.test.ts',
  'test/integrity/study-budget-race.test.ts',
  'test/integrity/schedule-race.test.ts',
  'test/integrity/derived-data-sqld.test.ts',
  'test/http/server-limits.test.ts',
  'test/services/import-v1-cli.test.ts',
  'test/services/study-coverage.test.ts',
  'test/docs-examples.test.ts',
];

export default mergeConfig(base, defineConfig({ test: { exclude: SLOW_LANE } }));
