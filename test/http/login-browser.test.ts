// Signing in from a real browser (headless Chromium), and the pages still working under the CSP.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';

const TOKEN = 'browser-access-token-7c3d';

describe('access control in headless Chromium', () => {
  let h: BrowserHarness;
  const cspViolations: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness({ STUDY_ACCESS_TOKEN: TOKEN });
    h.page.on('console', (message) => {
      if (/Content Security Policy/i.test(message.text())) cspViolations.push(message.text());
    });
    h.page.on('pageerror', (error) => pageErrors.push(error.message));
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('signs in through the form, lands where it was going, and keeps the cookie from scripts', async () => {
    const { page } = h;
    await page.goto(`${h.base}/analytics`);
    expect(new URL(page.url()).pathname).toBe('/login');
    await page.fill('input[name=token]', 'wrong');
    await page.click('button[type=submit]');
    expect(await page.locator('[role=alert]').textContent()).toContain('not right');
    await h.screenshot('login-refused');

    await page.fill('input[name=token]', TOKEN);
    await page.click('button[type=submit]');
    await page.waitForURL(`${h.base}/analytics`);
    await h.screenshot('analytics-after-login');
    expect(await page.evaluate(() => document.cookie)).not.toContain('study_session');
    // Chart.js and the page's own chart script ran from /static under `script-src 'self'`.
    await page.waitForFunction(() => typeof (window as unknown as { Chart?: unknown }).Chart === 'function');
  });

  it('runs htmx forms under the CSP with the session', async () => {
    const { page } = h;
    await page.goto(`${h.base}/inference`);
    await page.fill('textarea[name=prompt]', 'behind the login');
    await page.click('button[type=submit]');
    await page.waitForSelector('#result pre.answer');
    expect(await page.locator('#result pre.answer').first().textContent()).toBe('echo: behind the login');
  });

  it('signs out, after which pages ask for the token again', async () => {
    const { page } = h;
    const status = await page.evaluate(async () => (await fetch('/logout', { method: 'POST', redirect: 'manual' })).type);
    expect(status).toBe('opaqueredirect');
    await page.goto(`${h.base}/calls`);
    expect(new URL(page.url()).pathname).toBe('/login');
    expect(cspViolations).toEqual([]);
    expect(pageErrors).toEqual([]);
  });
});
