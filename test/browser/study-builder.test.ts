// A first study as a new user with only the echo provider makes it, in headless Chromium: prompts
// pasted with their expected answers (prompt<TAB>expected), scorers made with the builder (type,
// options, preview, add), started and scored; then the groups and calls pages it leads to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { waitFor } from '../support/wait';

describe('building a first study in headless Chromium', () => {
  let h: BrowserHarness;
  let studyId: number;
  const errors: string[] = [];

  beforeAll(async () => {
    h = await startBrowserHarness();
    // Script errors and CSP refusals show as console errors (a refused form's 400 is expected, and checked where it happens).
    collectPageErrors(h.page, errors, { console: true, failedFrom: 500 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
  });

  it('pastes prompt<TAB>expected lines, builds two scorers with previews, and starts the study', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    await page.fill('input[name=name]', 'first study');
    await page.fill('textarea[name=prompts]', 'Capital of France?\tParis\nWhat is 2+2?\t4\nCapital of Peru?\t["Lima", "Lima, Peru"]');
    await page.fill('input[name=samples]', '2');

    // Only the chosen type's options show.
    expect(await page.isVisible('fieldset.for-normalized_exact >> text=Normalise')).toBe(true);
    expect(await page.isVisible('input[name=scorer_pattern]')).toBe(false);
    await page.selectOption('select[name=scorer_type]', 'contains');
    await page.fill('input[name=scorer_name]', 'mentions');
    await page.check('input[name=scorer_normalize][value=case_fold]');
    // echo answers "echo: <prompt>": it mentions the country, not the capital.
    await page.fill('input[name=scorer_sample_answer]', 'echo: Capital of France?');
    await page.fill('input[name=scorer_sample_expected]', 'FRANCE');
    await page.click('input[type=submit][value=Preview]');
    await page.waitForSelector('#scorer-preview .badge-success');
    expect(await page.locator('#scorer-preview code').textContent()).toBe('france');
    await page.fill('input[name=scorer_sample_expected]', 'Paris');
    // Enter in a builder field previews (public/scorer-builder.js) instead of starting the study.
    await page.press('input[name=scorer_sample_expected]', 'Enter');
    await page.waitForSelector('#scorer-preview .badge-failed');
    expect(page.url()).toBe(`${h.base}/studies`);
    await h.screenshot('study-builder-preview');
    await page.click('input[type=submit][value="Add scorer"]');
    await page.waitForFunction(() => (document.querySelector('#scorers-json') as HTMLTextAreaElement | null)?.value.includes('mentions'));

    await page.selectOption('select[name=scorer_type]', 'numeric');
    expect(await page.isVisible('input[name=scorer_abs_tol]')).toBe(true);
    expect(await page.isVisible('input[name=scorer_extract_pattern]')).toBe(false);
    await page.selectOption('select[name=scorer_extract]', 'regex');
    expect(await page.isVisible('input[name=scorer_extract_pattern]')).toBe(true);
    await page.fill('input[name=scorer_extract_pattern]', 'is ([\\d.]+)');
    await page.fill('input[name=scorer_abs_tol]', '0.5');
    await page.fill('input[name=scorer_name]', 'sum');
    await page.fill('input[name=scorer_sample_answer]', 'The sum is 4.3');
    await page.fill('input[name=scorer_sample_expected]', '4');
    await page.click('input[type=submit][value=Preview]');
    await page.waitForSelector('#scorer-preview .badge-success');
    expect(await page.locator('#scorer-preview code').textContent()).toBe('4.3');
    await page.click('input[type=submit][value="Add scorer"]');
    await page.waitForFunction(() => (document.querySelector('#scorers-json') as HTMLTextAreaElement | null)?.value.includes('"sum"'));
    const written = JSON.parse(await page.inputValue('#scorers-json'));
    expect(written).toEqual([
      { name: 'mentions', type: 'contains', normalize: { nfkc: false, case_fold: true, strip_punctuation: false, whitespace: false } },
      { name: 'sum', type: 'numeric', extract: { type: 'regex', pattern: 'is ([\\d.]+)' }, abs_tol: 0.5 },
    ]);
    // A model scorer is checked, not run.
    await page.selectOption('select[name=scorer_type]', 'llm_judge');
    await page.click('input[type=submit][value=Preview]');
    await page.waitForSelector('#scorer-preview >> text=not previewed');
    await h.screenshot('study-builder');

    await page.click('form[action="/studies"] button[type=submit]');
    await page.waitForURL(/\/studies\/\d+$/);
    studyId = Number(page.url().split('/').pop());
    await page.waitForFunction(() => document.querySelector('#study-live .badge')?.textContent === 'completed', undefined, { timeout: 30_000 });
    const items = await h.t.deps.database.client.execute({ sql: 'SELECT prompt, expected_json FROM batch_items WHERE batch_id = ? ORDER BY position', args: [studyId] });
    expect(items.rows.map((row) => [row.prompt, JSON.parse(String(row.expected_json))])).toEqual([
      ['Capital of France?', 'Paris'],
      ['What is 2+2?', '4'],
      ['Capital of Peru?', ['Lima', 'Lima, Peru']],
    ]);

    expect((await h.t.post(`/api/v1/studies/${studyId}/score`, {})).status).toBe(202);
    const report = await waitFor(
      () => h.t.get(`/api/v1/studies/${studyId}/report?scorer=mentions`).then((r) => r.json()),
      (r) => r.targets?.[0]?.scored === 6,
    );
    // Every sample is scored (none "without a score"): echo never repeats the capital.
    expect(report.targets[0]).toMatchObject({ scored: 6, passes: 0 });
    expect(errors).toEqual([]);
  });

  it('refuses a misspelt sweep parameter with the suggestion, keeping the form filled in', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    await page.fill('textarea[name=prompts]', 'Name a colour.');
    await page.fill('textarea[name=sweep]', 'temprature = 0, 1');
    await page.click('form[action="/studies"] button[type=submit]');
    await page.waitForSelector('.error-box');
    expect(await page.locator('.error-box').textContent()).toContain('did you mean temperature?');
    expect(await page.inputValue('textarea[name=sweep]')).toBe('temprature = 0, 1');
    expect(await page.inputValue('textarea[name=prompts]')).toBe('Name a colour.');
    await h.screenshot('study-form-unknown-param');
  });

  it('lays out the groups form in a row and lists the study; the calls page says where each call came from', async () => {
    const { page } = h;
    await page.goto(`${h.base}/groups`);
    const type = await page.locator('select[name=group_type]').boundingBox();
    const name = await page.locator('form[action="/groups"] input[name=name]').boundingBox();
    expect(Math.abs(type!.y + type!.height - (name!.y + name!.height))).toBeLessThan(4);
    expect(name!.x).toBeGreaterThan(type!.x + type!.width);
    expect(name!.width).toBeGreaterThan(200);
    await h.screenshot('groups');

    await page.goto(`${h.base}/calls`);
    const sources = await page.locator('td.source').allTextContents();
    expect(sources).toHaveLength(6);
    expect(new Set(sources)).toEqual(new Set([`study ${studyId}`]));
    await page.click(`td.source a[href="/studies/${studyId}"] >> nth=0`);
    await page.waitForURL(new RegExp(`/studies/${studyId}$`));
    await h.screenshot('calls-source');
    expect(errors).toEqual([]);
  });
});
