// The analytics dashboard and the price page in a real browser: Chart.js draws, htmx search swaps in.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';

describe('analytics pages in headless Chromium', () => {
  let h: BrowserHarness;
  const dialogs: string[] = [];
  const pageErrors: string[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness();
    h.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
    h.page.on('pageerror', (error) => pageErrors.push(error.message));
    for (const prompt of ['Which river feeds the Okavango delta?', '<img src=x onerror=alert(1)> owls at night']) {
      await h.t.post('/api/v1/inference', { provider: 'echo', prompt, samples: 3 });
    }
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('draws the comparison and time-series charts with Chart.js', async () => {
    const { page } = h;
    await page.goto(`${h.base}/analytics?days=7&bucket=hour`);
    await page.waitForSelector('canvas#chart-series[data-drawn]');
    const charts = await page.evaluate(() =>
      ['chart-latency', 'chart-usage', 'chart-series'].map((id) => {
        const chart = (window as unknown as { Chart: { getChart(id: string): { data: { datasets: unknown[] } } | undefined } }).Chart.getChart(id);
        return chart ? chart.data.datasets.length : 0;
      }),
    );
    expect(charts).toEqual([2, 2, 4]);
    expect(await page.locator('.card').first().textContent()).toContain('6');
    await h.screenshot('analytics');
    expect(pageErrors).toEqual([]);
  });

  it('swaps search results in as you type, highlighted and escaped', async () => {
    const { page } = h;
    await page.goto(`${h.base}/analytics`);
    await page.fill('input[name=q]', 'owls');
    await page.waitForSelector('#search-results mark');
    expect(await page.locator('#search-results mark').first().textContent()).toBe('owls');
    expect(await page.locator('#search-results').textContent()).toContain('<img src=x onerror=alert(1)>');
    await page.fill('input[name=q]', '"NEAR(');
    await page.waitForSelector('#search-results :text("No call matches")');
    await page.waitForTimeout(200);
    expect(dialogs).toEqual([]);
  });

  it('adds a price from the form and shows it in force', async () => {
    const { page } = h;
    await page.goto(`${h.base}/prices`);
    await page.fill('input[name=provider]', 'acme');
    await page.fill('input[name=model]', 'rocket-1');
    await page.fill('input[name=input_usd_per_million]', '1.25');
    await page.fill('input[name=output_usd_per_million]', '5');
    await page.fill('input[name=effective_from]', '2025-06-01');
    await page.click('form button[type=submit]');
    await page.waitForURL(/\/prices\?saved=/);
    const row = page.locator('tr', { hasText: 'rocket-1' });
    expect(await row.textContent()).toContain('$1.25');
    expect(await row.locator('.badge').textContent()).toBe('in force');
  });
});
