// Reviewing a study where you are, in headless Chromium: a study from pasted prompt<TAB>expected
// lines with a scorer made in the builder, scored from the page (the builder there previews on the
// study's own answers), its cells opened in the side panel and walked with the arrow keys, labelled by
// keyboard there and in the review queue (with a note), and the human-adjusted accuracy shown beside
// the automatic one, and its report downloaded as a file. Screenshots of each step go to test/artifacts/.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

// The local server's two answers to each prompt (in either order across the two samples).
const REPLIES: Record<string, [string, string]> = {
  'Capital of France?': ['Paris', 'Lyon'],
  'What is 2+2?': ['4', '4'],
  'Capital of Peru?': ['Cusco', 'Cusco'],
};

describe('reviewing a study in headless Chromium', () => {
  let h: BrowserHarness;
  let fake: FakeOpenAI;
  let studyId: number;
  const errors: string[] = [];
  const sql = async (text: string, args: Array<string | number> = []) => (await h.t.deps.database.client.execute({ sql: text, args })).rows;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    const seen = new Map<string, number>();
    fake.setReplyPolicy(({ body }) => {
      const prompt = body.messages.at(-1).content as string;
      const replies = REPLIES[prompt];
      if (!replies) return undefined;
      const n = seen.get(prompt) ?? 0;
      seen.set(prompt, n + 1);
      return replies[n % 2];
    });
    h = await startBrowserHarness({ OPENAI_API_KEY: 'sk-browser-review', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    collectPageErrors(h.page, errors, { console: true, failedFrom: 400 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('makes a study from pasted prompt<TAB>expected lines with a scorer from the builder, and scores it from the page', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    await page.fill('input[name=name]', 'Review me');
    await page.fill('textarea[name=prompts]', Object.keys(REPLIES).map((prompt, i) => `${prompt}\t${['Paris', '4', 'Lima'][i]}`).join('\n'));
    await page.check('input[value="openai|gpt-4o-mini"]');
    await page.fill('input[name=samples]', '2');
    await page.selectOption('select[name=scorer_type]', 'normalized_exact');
    await page.fill('input[name=scorer_name]', 'answer');
    await page.click('input[type=submit][value="Add scorer"]');
    await page.waitForFunction(() => (document.querySelector('#scorers-json') as HTMLTextAreaElement | null)?.value.includes('"answer"'));
    await h.screenshot('review-1-form');
    await page.click('form[action="/studies"] button[type=submit]');
    await page.waitForURL(/\/studies\/\d+$/);
    studyId = Number(page.url().split('/').pop());
    await page.waitForFunction(() => document.querySelector('#study-live .badge')?.textContent === 'completed', undefined, { timeout: 30_000 });
    // The matrix came with the last progress poll: its counts agree with the progress line.
    await page.waitForFunction(() => document.querySelectorAll('table.matrix tbody tr').length === 3);
    expect(await page.locator('#study-live').textContent()).toContain('12 done');
    expect(await page.locator('table.matrix .cell-stats', { hasText: '2/2' }).count()).toBe(6);

    // The builder on the study page previews a scorer on the study's own captured answers.
    await page.click('details.study-scorer-builder > summary');
    await page.selectOption('#scoring select[name=scorer_type]', 'contains');
    await page.click('#scoring input[type=submit][value=Preview]');
    await page.waitForSelector('#scorer-preview tbody tr');
    expect(await page.locator('#scorer-preview tbody tr').count()).toBe(5);
    await h.screenshot('review-2-builder-on-study');
    await page.click('#scoring input[type=submit][value="Add scorer"]');
    await page.waitForFunction(() => (document.querySelector('#scorers-json') as HTMLTextAreaElement | null)?.value.includes('"contains"'));
    expect(JSON.parse(await page.inputValue('#scorers-json')).map((s: { name?: string; type: string }) => s.name ?? s.type)).toEqual(['answer', 'contains']);

    await page.click('#scoring button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#scoring-run .badge')?.textContent === 'completed');
    await page.waitForFunction(() => document.querySelector('.summary-table')?.textContent?.includes('human-adjusted accuracy'));
    const openai = await page.locator('.summary-table tbody tr').nth(1).textContent();
    // openai: France 1/2, 2+2 2/2, Peru 0/2 → 3/6 over 3 items; no label yet.
    expect(openai).toMatch(/^openai\/gpt-4o-mini50\.0%/);
    expect(openai).toContain('over 3/3 items');
    await page.click('details.how-to-read > summary');
    expect(await page.locator('details.how-to-read').textContent()).toContain('population of questions');
    await h.screenshot('review-3-scored');
  });

  it('opens cells in the side panel without moving the page, walks them with the arrows and labels by keyboard', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies/${studyId}`);
    const peru = page.locator('table.matrix tbody tr', { hasText: 'Capital of Peru?' });
    await peru.locator('td.cell').nth(1).locator('a.cell-link').scrollIntoViewIfNeeded();
    const scrolled = await page.evaluate(() => window.scrollY);
    await peru.locator('td.cell').nth(1).locator('a.cell-link').click();
    await page.waitForSelector('#cell-view .cell-panel');
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    const side = await page.locator('aside.cell-side').boundingBox();
    expect(side!.x).toBeGreaterThan(600);
    const title = () => page.locator('#cell-view h2').textContent();
    expect(await title()).toMatch(/openai/);
    await page.keyboard.press('ArrowLeft');
    await page.waitForFunction(() => document.querySelector('#cell-view h2')?.textContent?.includes('echo'));
    await page.keyboard.press('ArrowUp');
    await page.waitForFunction(() => document.querySelector('#cell-view .item-prompt')?.textContent === 'What is 2+2?');
    expect(await title()).toMatch(/echo/);
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.waitForFunction(() => document.querySelector('#cell-view h2')?.textContent?.includes('openai') && document.querySelector('#cell-view .item-prompt')?.textContent === 'Capital of Peru?');
    expect(await page.locator('td.cell-open').count()).toBe(1);
    expect(await page.evaluate(() => window.scrollY)).toBe(scrolled);
    // "Cusco" twice, failed by the scorer: the reviewer passes both (Cusco is not Lima, but say the question allowed it).
    await page.keyboard.press('j');
    await page.keyboard.press('p');
    await page.keyboard.press('p');
    await page.waitForFunction(() => document.querySelectorAll('#cell-view .human-label.good').length === 2);
    expect(await page.locator('#cell-view .badge-disagree').count()).toBe(2);
    await h.screenshot('review-4-side-panel');
    await page.keyboard.press('Escape');
    expect(await page.locator('#cell-view .cell-panel').count()).toBe(0);
  });

  it('works through the review queue with the keyboard, a note included', async () => {
    const { page } = h;
    await page.click('a.review-link');
    await page.waitForURL(new RegExp(`/studies/${studyId}/review$`));
    expect(await page.locator('.review-disagree').textContent()).toBe('2 where the human label and the scorer disagree');
    expect(await page.locator('.review-unlabelled').textContent()).toBe('10 no human has labelled');
    const rows = page.locator('tr.review-row');
    expect(await rows.count()).toBe(12);
    expect(await page.locator('tr.review-disagreeing').count()).toBe(2);
    // Past the two disagreements (j, n, n) to the first unlabelled answer: France × echo.
    await page.keyboard.press('j');
    await page.keyboard.press('n');
    await page.keyboard.press('n');
    expect(await page.evaluate(() => document.activeElement?.textContent?.includes('Capital of France?'))).toBe(true);
    await page.keyboard.press('e');
    await page.keyboard.type('echo repeats the question');
    await page.keyboard.press('Escape');
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.querySelectorAll('tr.review-row .human-label.bad').length === 1);
    // The focus moved on by itself: the next answer is failed too.
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.querySelectorAll('tr.review-row .human-label.bad').length === 2);
    await h.screenshot('review-5-queue');
    const labels = await sql("SELECT pass, json_extract(detail_json, '$.note') AS note FROM scores WHERE scorer = 'human' AND batch_id = ? ORDER BY id", [studyId]);
    expect(labels.map((r) => [r.pass, r.note])).toEqual([
      [1, null],
      [1, null],
      [0, 'echo repeats the question'],
      [0, null],
    ]);
    await page.reload();
    expect(await page.locator('.review-unlabelled').textContent()).toBe('8 no human has labelled');
  });

  it('shows the human-adjusted accuracy beside the automatic one, and links a call back to its cell', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies/${studyId}`);
    const openai = page.locator('.summary-table tbody tr').nth(1);
    // The two Peru labels overrule the scorer: France 1/2, 2+2 2/2, Peru 2/2 → 5/6.
    expect(await openai.locator('td.human-adjusted').textContent()).toMatch(/^83\.3% \[[\d.]+%–[\d.]+%\] 5\/6over 3 items · 2 labels, 2 overruling the scorer/);
    expect(await page.locator('.summary-table tbody tr').nth(0).locator('td.human-adjusted strong').textContent()).toBe('0.0%');
    await h.screenshot('review-6-human-adjusted');

    const [call] = await sql("SELECT call_id FROM scores WHERE scorer = 'human' AND batch_id = ? ORDER BY id LIMIT 1", [studyId]);
    await page.goto(`${h.base}/calls/${call!.call_id}`);
    await page.click('a.study-cell-link');
    await page.waitForURL(new RegExp(`/studies/${studyId}/cells/\\d+/1$`));
    expect(await page.locator('.cell-panel .item-prompt').textContent()).toBe('Capital of Peru?');
    expect(errors).toEqual([]);
  });
  it('downloads the reviewed study\'s report as one HTML file that opens from disk with its numbers', async () => {
    const { page } = h;
    const report = await (await fetch(`${h.base}/api/v1/studies/${studyId}/report`)).json();
    await page.goto(`${h.base}/studies/${studyId}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.report-downloads a:text("HTML file")')]);
    const dir = mkdtempSync(join(tmpdir(), 'review-report-'));
    try {
      const path = join(dir, download.suggestedFilename());
      await download.saveAs(path);
      expect(download.suggestedFilename()).toBe(`study-${studyId}.html`);
      expect(readFileSync(path, 'utf8')).not.toMatch(/<script|<link /);
      await page.goto(pathToFileURL(path).href);
      const accuracies = await page.$$eval('table.summary tbody tr', (trs) => trs.map((tr) => tr.querySelectorAll('td')[1]!.textContent));
      expect(accuracies).toEqual(report.targets.map((t: { accuracy: { estimate: number } }) => t.accuracy.estimate.toFixed(3)));
      await h.screenshot('review-7-report-file');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
