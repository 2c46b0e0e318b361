// Clone and change in headless Chromium: from a study's page to its filled-in clone form, the
// template swapped for two prompt variants, and the new study's columns labelled "model · variant".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { waitFor } from '../support/wait';

describe('clone and change in headless Chromium', () => {
  let h: BrowserHarness;
  const errors: string[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness();
    collectPageErrors(h.page, errors, { failedFrom: 500 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('opens the form from the study page, changes the template into two variants and starts the copy', async () => {
    const res = await h.t.post('/api/v1/studies', { name: 'echo study', items: [{ prompt: 'Capital of France?' }, { prompt: '2+2?' }], targets: [{ provider: 'echo' }], template: 'Q: {user_input}', samples: 1 });
    const { id } = await res.json();
    await waitFor(async () => (await h.t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');

    const { page } = h;
    await page.goto(`${h.base}/studies/${id}`);
    await page.click('text=Clone and change');
    await page.waitForURL(`${h.base}/studies/${id}/clone`);
    expect(await page.inputValue('input[name=template]')).toBe('Q: {user_input}');
    expect(await page.inputValue('input[name=name]')).toBe('echo study (clone)');
    await page.fill('input[name=template]', '');
    await page.fill('textarea[name=prompts]', '[{"name": "ask", "template": "Q: {user_input}"}, {"name": "terse", "template": "Briefly: {user_input}"}]');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/studies\/\d+$/);
    const copyId = Number(page.url().split('/').pop());
    expect(copyId).not.toBe(id);
    await waitFor(async () => (await h.t.get(`/api/v1/studies/${copyId}`)).json(), (p) => p.status === 'completed');
    await page.reload();
    const text = await page.textContent('body');
    expect(text).toContain('echo/echo-1 · ask');
    expect(text).toContain('echo/echo-1 · terse');
    expect(text).toContain('echo: Briefly: 2+2?');
    await h.screenshot('study-clone-variants');
    expect(errors).toEqual([]);
  }, 60_000);
});
