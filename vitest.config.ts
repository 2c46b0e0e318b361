import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests of pure modules live beside them (src/studies/statistics/paired.test.ts); the
    // route, database and process tests live under test/.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
