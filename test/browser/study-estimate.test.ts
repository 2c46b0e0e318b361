// The Studies form's "Estimate" in headless Chromium: htmx posts the form with the button's intent, the
// estimate shows above "Start study" and nothing starts; then a dry run on the first item is started.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, startBrowserHarness, type BrowserHarness } from '../support/browser';

describe('the estimate on the Studies form, in headless Chromium', () => {
  let h: BrowserHarness;
  const errors: string[] = [];
  beforeAll(async () => {
    h = await startBrowserHarness();
    collectPageErrors(h.page, errors, { failedFrom: 500 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  const studies = async () => Number((await h.t.deps.database.client.execute('SELECT count(*) AS n FROM batches')).rows[0]!.n);

  it('shows tasks, tokens, cost and time before the run, starting nothing, then starts a dry run marked as one', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    await page.fill('textarea[name=prompts]', 'Capital of France?\tParis\nWhat is 2+2?\t4\nCapital of Peru?\tLima');
    await page.fill('input[name=samples]', '2');
    await page.click('input[type=submit][value=Estimate]');
    await page.waitForSelector('#study-estimate .panel');
    const estimate = await page.locator('#study-estimate').textContent();
    // 3 prompts × 2 samples on the one target the form picks by default (echo).
    expect(estimate).toContain('6 tasks');
    expect(estimate).toMatch(/output per task/);
    expect(page.url()).toBe(`${h.base}/studies`);
    expect(await studies()).toBe(0);
    await h.screenshot('study-estimate');

    await page.fill('input[name=dry_run_items]', '1');
    await Promise.all([page.waitForURL(/\/studies\/\d+$/), page.click('button[type=submit]:has-text("Start study")')]);
    await page.waitForSelector('.run-limits >> text=on the first 1 of 3 items');
    expect(await studies()).toBe(1);
    await h.screenshot('study-dry-run');
    expect(errors).toEqual([]);
  }, 60_000);
});
