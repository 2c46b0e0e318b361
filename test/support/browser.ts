// Real headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, against the real
// app served over HTTP on 127.0.0.1 with its static assets.
import { serve, type ServerType } from '@hono/node-server';
import { mkdirSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';
import { createApp } from '../../src/app';
import { nodeStaticAssets } from '../../src/node/static-assets';
import { createTestApp, type TestApp } from './app';

export const ARTIFACTS = 'test/artifacts';

export interface BrowserHarness {
  t: TestApp;
  base: string;
  browser: Browser;
  page: Page;
  screenshot(name: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * Collects what goes wrong on a page as it is used: script errors, and (as asked) console errors
 * (CSP refusals; "Failed to load resource" aside, which `failedFrom` covers) and answers with a
 * status from `failedFrom` up (the browser's own favicon probe aside), into `errors`, which a test
 * expects empty.
 */
export function collectPageErrors(page: Page, errors: string[], options: { console?: boolean; failedFrom: 400 | 500 }): void {
  page.on('pageerror', (e) => errors.push(e.message));
  if (options.console) {
    page.on('console', (m) => {
      if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) errors.push(m.text());
    });
  }
  page.on('response', (r) => {
    if (r.status() >= options.failedFrom && !r.url().endsWith('/favicon.ico')) errors.push(`${r.status()} ${r.url()}`);
  });
}

export async function startBrowserHarness(env: Record<string, string> = {}): Promise<BrowserHarness> {
  const t = await createTestApp(env);
  const app = createApp(t.deps, { staticAssets: nodeStaticAssets() });
  const server: ServerType = await new Promise((resolve) => {
    const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
  });
  const { port } = server.address() as { port: number };
  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.setDefaultTimeout(15_000);
  mkdirSync(ARTIFACTS, { recursive: true });
  return {
    t,
    base: `http://127.0.0.1:${port}`,
    browser,
    page,
    screenshot: async (name) => void (await page.screenshot({ path: `${ARTIFACTS}/${name}.png`, fullPage: true })),
    async close() {
      await browser.close();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      t.close();
    },
  };
}
