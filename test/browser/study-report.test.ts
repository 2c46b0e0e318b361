// A study that answers the question, in headless Chromium: a CSV of items with expected answers and
// fields, echo and a local OpenAI-compatible server (with faults) swept over temperature, scored from
// the page, read as a matrix with intervals, filtered, and labelled by a reviewer with the keyboard.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectPageErrors, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const ITEMS: Array<{ id: string; prompt: string; expected: string; category: string; right: string; wrong: string }> = [
  { id: 'france', prompt: 'What is the capital of France?', expected: 'Paris', category: 'europe', right: 'Paris', wrong: 'Lyon' },
  { id: 'peru', prompt: 'What is the capital of Peru?', expected: 'Lima', category: 'americas', right: 'Lima', wrong: 'Cusco' },
  { id: 'australia', prompt: 'What is the capital of Australia?', expected: 'Canberra', category: 'oceania', right: 'Canberra', wrong: 'Sydney' },
  { id: 'canada', prompt: 'What is the capital of Canada?', expected: 'Ottawa', category: 'americas', right: 'Ottawa', wrong: 'Toronto' },
  { id: 'turkey', prompt: 'What is the capital of Turkey?', expected: 'Ankara', category: 'europe', right: 'Ankara', wrong: 'Istanbul' },
];
const SCORERS = [{ name: 'capital', type: 'normalized_exact', extract: { type: 'regex', pattern: 'answer is ([A-Za-z]+)' } }];

describe('a study page that answers the question, in headless Chromium', () => {
  let h: BrowserHarness;
  let fake: FakeOpenAI;
  let studyId: number;
  const errors: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    // temperature 0: always the same answer (wrong for Australia); temperature 1: every third sample of an item is wrong.
    const seen = new Map<string, number>();
    fake.setReplyPolicy(({ body }) => {
      const prompt = body.messages.at(-1).content as string;
      const item = ITEMS.find((i) => i.prompt === prompt);
      if (!item) return undefined;
      if (body.temperature === 0) return `The answer is ${item.id === 'australia' ? item.wrong : item.right}.`;
      const n = seen.get(prompt) ?? 0;
      seen.set(prompt, n + 1);
      return n % 3 === 2 ? `Hmm, the answer is ${item.wrong}.` : `The answer is ${item.right}.`;
    });
    // A few provider faults (503, not retried here): captured as failed tasks.
    let calls = 0;
    fake.setFaultPolicy(() => (++calls % 17 === 0 ? { kind: 'status', status: 503 } : undefined));
    h = await startBrowserHarness({ OPENAI_API_KEY: 'sk-browser-study', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    // Script errors, CSP refusals and failed requests (the browser's own favicon probe aside).
    collectPageErrors(h.page, errors, { console: true, failedFrom: 400 });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('creates a swept study from a CSV with expected answers and fields, scores it from the page and shows the matrix', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    await page.fill('input[name=name]', 'Capitals, swept over temperature');
    const csv = ['id,prompt,expected,category', ...ITEMS.map((i) => `${i.id},${i.prompt},${i.expected},${i.category}`)].join('\n');
    await page.setInputFiles('input[name=file]', { name: 'capitals.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.check('input[value="openai|gpt-4o-mini"]');
    await page.fill('input[name=samples]', '6');
    await page.fill('textarea[name=sweep]', 'temperature = 0, 1');
    await page.fill('textarea[name=scorers]', JSON.stringify(SCORERS));
    await h.screenshot('study-form-sweep');
    await page.click('form[action="/studies"] button[type=submit]');
    await page.waitForURL(/\/studies\/\d+$/);
    studyId = Number(page.url().split('/').pop());
    await page.waitForFunction(() => document.querySelector('#study-live .badge')?.textContent === 'completed', undefined, { timeout: 30_000 });
    // 5 items × (echo, openai) × 2 temperatures × 6 samples.
    const progress = await (await h.t.get(`/api/v1/studies/${studyId}`)).json();
    expect(progress).toMatchObject({ total: 120, status: 'completed' });
    expect(progress.targets.map((t: { provider: string; sweep: unknown }) => [t.provider, t.sweep])).toEqual([
      ['echo', { temperature: 0 }],
      ['echo', { temperature: 1 }],
      ['openai', { temperature: 0 }],
      ['openai', { temperature: 1 }],
    ]);
    expect(progress.failed).toBeGreaterThan(0);

    await page.click('#scoring button[type=submit]');
    await page.waitForFunction(() => document.querySelector('#scoring-run .badge')?.textContent === 'completed');
    await page.waitForFunction(() => document.querySelector('.summary-table')?.textContent?.includes('accuracy (over items)'));
    const headers = await page.locator('table.matrix thead th').allTextContents();
    expect(headers).toEqual(['item', 'echo/echo-1 · temperature=0', 'echo/echo-1 · temperature=1', 'openai/gpt-4o-mini · temperature=0', 'openai/gpt-4o-mini · temperature=1']);
    expect(await page.locator('table.matrix tbody tr').count()).toBe(5);
    expect(await page.locator('table.matrix tbody tr').first().locator('.item-prompt').textContent()).toBe('What is the capital of France?');
    const summary = await page.locator('.summary-table tbody tr').allTextContents();
    // openai at temperature 0 answers 4 of 5 items right every time (majority vote 4/5, Wilson over the 5 items); echo never
    // gives an answer to extract. Its accuracy is over 5 items too: Wilson over items, not over its ~30 samples.
    expect(summary[2]).toMatch(/^openai\/gpt-4o-mini · temperature=0/);
    expect(summary[2]).toMatch(/80\.0% \[37\.6%–96\.4%\]\s*4\/5/);
    expect(summary[2]).toMatch(/over 5\/5 items\s*sample-level Wilson \[[\d.]+%–[\d.]+%\] over \d+ samples/);
    expect(summary[0]).toContain('0.0%');
    expect(await page.locator('canvas[data-drawn]').count()).toBe(1);
    expect(await page.locator('table.pairs-table tbody tr').count()).toBe(6);
    // Every pair's p-value adjusted for the six comparisons (Holm), said above the table.
    expect(await page.locator('p', { hasText: 'p_adjusted: Holm (family-wise error) over' }).count()).toBe(1);
    expect(await page.locator('table.pairs-table thead th').allTextContents()).toContain('p · p_adjusted (Holm)');
    // Significance is coloured by the adjusted p-value, pair by pair, as the JSON report gives it.
    const report = await (await h.t.get(`/api/v1/studies/${studyId}/report`)).json();
    const coloured = await page.locator('table.pairs-table tbody tr').evaluateAll((rows) => rows.map((row) => row.querySelector('.p-adjusted')?.classList.contains('good')));
    expect(coloured).toEqual(report.pairs.map((p: { accuracy_difference: { p_adjusted: number | null } }) => p.accuracy_difference.p_adjusted !== null && p.accuracy_difference.p_adjusted < 0.05));
    // The chart's error bars are the item-clustered interval (not the sample-level Wilson one).
    const spec = JSON.parse((await page.locator('script[data-chart-for]').textContent())!);
    const percent = (x: number) => Math.round(x * 10000) / 100;
    expect(spec.datasets[0].errors).toEqual(report.targets.map((t: { accuracy: { low: number; high: number } }) => [percent(t.accuracy.low), percent(t.accuracy.high)]));
    expect(spec.datasets[0].errors[3]).not.toEqual([percent(report.targets[3].accuracy_samples_wilson.low), percent(report.targets[3].accuracy_samples_wilson.high)]);
    // The note on how to read them opens on a click.
    expect(await page.isVisible('details.how-to-read li >> nth=0')).toBe(false);
    await page.click('details.how-to-read > summary');
    expect(await page.locator('details.how-to-read li').first().textContent()).toMatch(/^Accuracy is the share of passing samples, weighted by item/);
    await h.screenshot('study-report');
  });

  it('filters to the items where targets disagree and to a slice', async () => {
    const { page } = h;
    await page.check('input[name=disagree]');
    await page.click('#study-results form.filters button[type=submit]');
    await page.waitForURL(/disagree=1/);
    const disagreeing = await page.locator('table.matrix tbody tr .item-key').allTextContents();
    expect(disagreeing.length).toBeGreaterThan(0);
    expect(disagreeing.every((key) => key.includes('disagree'))).toBe(true);
    await h.screenshot('study-disagreements');
    await page.goto(`${h.base}/studies/${studyId}?field=category&value=americas`);
    expect((await page.locator('table.matrix tbody tr .item-key').allTextContents()).map((k) => k.replace('disagree', '').trim())).toEqual(['peru', 'canada']);
  });

  it('opens a cell without leaving the page and labels its samples with the keyboard', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies/${studyId}`);
    await page.evaluate(() => ((window as unknown as { stillHere: boolean }).stillHere = true));
    // Australia × openai at temperature 0: answered "Sydney" every time.
    const australia = page.locator('table.matrix tbody tr', { hasText: 'australia' });
    await australia.locator('td.cell').nth(2).locator('a.cell-link').click();
    await page.waitForSelector('#cell-view .cell-panel');
    const rows = page.locator('#cell-view tr[data-label-row]');
    const samples = await rows.count();
    expect(samples).toBe(6);
    await page.keyboard.press('j');
    await page.keyboard.press('f');
    await page.waitForFunction(() => document.querySelectorAll('#cell-view .human-label.bad').length === 1);
    // The focus moved on to the next sample: label it pass, disagreeing with the scorer.
    await page.keyboard.press('p');
    await page.waitForFunction(() => document.querySelectorAll('#cell-view .human-label.good').length === 1);
    await page.waitForFunction(() => document.querySelectorAll('#cell-view .badge-disagree').length === 1, undefined, { timeout: 5_000 }).catch(() => undefined);
    expect(await page.locator('#cell-view .badge-disagree').count()).toBe(1);
    expect(await page.evaluate(() => (window as unknown as { stillHere?: boolean }).stillHere)).toBe(true);
    await h.screenshot('study-cell-labels');

    const labelled = await h.t.deps.database.client.execute({ sql: "SELECT call_id, pass FROM scores WHERE scorer = 'human' AND batch_id = ? ORDER BY id", args: [studyId] });
    expect(labelled.rows.map((r) => r.pass)).toEqual([0, 1]);
    const scores = await (await h.t.get(`/api/v1/calls/${labelled.rows[1]!.call_id}/scores`)).json();
    expect(scores.human).toMatchObject({ pass: true, label: 'pass' });
    expect(scores.disagreements).toEqual([{ scorer: 'capital', version: 1 }]);

    await page.reload();
    const summary = await page.locator('.summary-table tbody tr').nth(2).textContent();
    expect(summary).toMatch(/2 · agree 1\/2/);
    expect(await page.locator('table.matrix .badge', { hasText: '✎ 2' }).count()).toBe(1);
  });

  it('labels a call on its own page with a key press', async () => {
    const { page } = h;
    const [row] = (await h.t.deps.database.client.execute({ sql: "SELECT call_id FROM scores WHERE scorer = 'capital' AND batch_id = ? AND pass = 1 LIMIT 1", args: [studyId] })).rows;
    await page.goto(`${h.base}/calls/${row!.call_id}`);
    await page.focus('.call-scores [data-label-row]');
    await page.keyboard.press('p');
    await page.waitForFunction(() => document.querySelector('.call-scores .human-label')?.textContent === 'pass');
    expect(await page.locator('.scores-table tbody tr').first().textContent()).toContain('capital');
    await h.screenshot('call-labelled');
    await page.keyboard.press('x');
    await page.waitForFunction(() => document.querySelector('.call-scores .human-label')?.textContent === 'unlabelled');
    expect(errors, errors.join('\n')).toEqual([]);
  });
});
