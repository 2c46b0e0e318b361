// `npm run test:clients`: third-party OpenAI clients against the real gateway. Run from the repo
// root with the app's vitest; the clients themselves resolve from test/clients/node_modules.
import { resolve } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: resolve(import.meta.dirname, '../..'),
    include: ['test/clients/*.test.ts'],
    globalSetup: ['test/clients/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
