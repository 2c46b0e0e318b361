import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // Unit tests of pure modules live beside them (src/studies/statistics/paired.test.ts); the
    // route, database and process tests live under test/.
    include: ['test/**/*.test.ts', 'test/**/*.test.tsx', 'src/**/*.test.ts'],
    // test/clients is its own lane (`npm run test:clients`), with its own packages: installed or
    // not, neither its tests nor anything in its node_modules runs here.
    exclude: [...configDefaults.exclude, 'test/clients/**'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
