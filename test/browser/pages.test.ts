// The workbench in a real browser: inference, compare, a study to 100%, calls, detail, chat, escaping.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startBrowserHarness, type BrowserHarness } from '../support/browser';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('pages in headless Chromium', () => {
  let h: BrowserHarness;
  let fake: FakeOpenAI;
  const dialogs: string[] = [];
  const failedRequests: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    h = await startBrowserHarness({ LLM_ENDPOINT_SLOW_BASE_URL: fake.url, LLM_ENDPOINT_SLOW_MODELS: 'slow-model' });
    h.page.on('response', (response) => {
      if (response.status() >= 400) failedRequests.push(`${response.status()} ${response.url()}`);
    });
    h.page.on('dialog', (dialog) => {
      dialogs.push(dialog.message());
      void dialog.dismiss();
    });
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await fake?.close();
  });

  it('asks for nothing that is not there: no 404 for an icon or anything else', async () => {
    await h.page.goto(`${h.base}/`);
    await h.page.goto(`${h.base}/api/v1/providers`);
    await h.page.waitForTimeout(200);
    expect(failedRequests).toEqual([]);
    expect((await h.page.request.get(`${h.base}/favicon.ico`)).status()).toBe(200);
  });

  it('runs an inference and shows the answer, tokens, latency and a link to the call', async () => {
    const { page } = h;
    await page.goto(`${h.base}/inference`);
    await page.fill('textarea[name=prompt]', 'What colour is the sky?');
    await page.fill('input[name=samples]', '2');
    await page.click('button[type=submit]');
    await page.waitForSelector('#result .result');
    expect(await page.locator('#result .result').count()).toBe(2);
    expect(await page.locator('#result pre.answer').first().textContent()).toBe('echo: What colour is the sky?');
    expect(await page.locator('#result header').first().textContent()).toMatch(/tokens/);
    await h.screenshot('inference');
    await page.click('#result a[href^="/calls/"]');
    await page.waitForURL(/\/calls\/\d+$/);
    expect(await page.locator('h1').textContent()).toMatch(/Call #\d+/);
    expect(await page.locator('details.json pre').first().textContent()).toContain('What colour is the sky?');
    await h.screenshot('call-detail');
  });

  it('shows a prompt containing a script tag as text, with no dialog', async () => {
    const { page } = h;
    const evil = '<script>alert(1)</script><img src=x onerror=alert(2)>';
    await page.goto(`${h.base}/inference`);
    await page.fill('textarea[name=prompt]', evil);
    await page.click('button[type=submit]');
    await page.waitForSelector('#result pre.answer');
    expect(await page.locator('#result pre.answer').textContent()).toBe(`echo: ${evil}`);
    await page.goto(`${h.base}/calls`);
    expect(await page.locator('table.calls').textContent()).toContain('<script>alert(1)</script>');
    await page.waitForTimeout(300);
    expect(dialogs).toEqual([]);
  });

  it('compares one prompt across targets in columns', async () => {
    const { page } = h;
    await page.goto(`${h.base}/compare`);
    await page.fill('textarea[name=prompt]', 'Say hi');
    await page.check('input[value="slow|slow-model"]');
    await page.click('button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('#columns .column pre.answer').length === 2);
    const answers = await page.locator('#columns pre.answer').allTextContents();
    expect(answers.sort()).toEqual(['echo: Say hi', 'reply to: Say hi']);
    await h.screenshot('compare');
  });

  it('runs a small study and watches its progress reach 100%', async () => {
    const { page } = h;
    fake.setLatency(250);
    await page.goto(`${h.base}/studies`);
    await page.fill('input[name=name]', 'browser study');
    await page.fill('textarea[name=prompts]', 'first prompt\nsecond prompt\nthird prompt');
    await page.uncheck('input[value="echo|echo-1"]');
    await page.check('input[value="slow|slow-model"]');
    await page.fill('input[name=samples]', '2');
    await page.fill('input[name=concurrency]', '1');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/studies\/\d+$/);
    const firstSeen = Number((await page.locator('.percent').textContent())?.replace('%', ''));
    expect(firstSeen).toBeLessThan(100);
    await page.waitForFunction(() => document.querySelector('.percent')?.textContent === '100%', undefined, { timeout: 20_000 });
    expect(await page.locator('.badge').first().textContent()).toBe('completed');
    // The poll that sees the study finish brings in the final results.
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('.results-table .cell-stats')];
      return cells.length === 3 && cells.every((cell) => cell.textContent?.includes('2/2'));
    });
    expect(await page.locator('.results-table tbody tr').count()).toBe(3);
    expect(await page.locator('.results-table').textContent()).toContain('×2 reply to: first prompt');
    await h.screenshot('study');
    fake.setLatency(0);
  });

  it('filters calls to the failed ones and opens one', async () => {
    const { page } = h;
    fake.failNext({ kind: 'status', status: 400 });
    await h.t.post('/api/v1/inference', { provider: 'slow', model: 'slow-model', prompt: 'this one will fail' });
    await page.goto(`${h.base}/calls`);
    await page.selectOption('select[name=status]', 'failed');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => {
      const rows = document.querySelectorAll('table.calls tbody tr');
      return rows.length > 0 && [...rows].every((r) => r.classList.contains('row-failed'));
    });
    expect(page.url()).toContain('status=failed');
    await h.screenshot('calls-failed');
    await page.click('table.calls tbody tr a');
    await page.waitForURL(/\/calls\/\d+$/);
    expect(await page.locator('h1 .badge').textContent()).toBe('failed');
    expect(await page.locator('details.json summary').first().textContent()).toBe('Error');
  });

  it('searches calls by text', async () => {
    const { page } = h;
    await page.goto(`${h.base}/calls`);
    await page.fill('input[name=q]', 'colour');
    await page.click('form.filters button[type=submit]');
    await page.waitForFunction(() => document.querySelectorAll('table.calls tbody tr').length === 2);
    expect(await page.locator('table.calls').textContent()).toContain('What colour is the sky?');
  });

  it('keeps a chat history across page loads', async () => {
    const { page } = h;
    await page.goto(`${h.base}/conversations`);
    await page.fill('textarea[name=system_prompt]', 'Be brief.');
    await page.click('button[type=submit]');
    await page.waitForURL(/\/conversations\/\d+$/);
    for (const message of ['hello', 'how are you?']) {
      await page.fill('.chat-form textarea', message);
      await page.click('.chat-form button');
      await page.waitForFunction((m) => [...document.querySelectorAll('.bubble.assistant')].some((b) => b.textContent?.includes(`echo: ${m}`)), message);
    }
    await page.reload();
    expect(await page.locator('.bubble.user').allTextContents()).toEqual(['hello', 'how are you?']);
    expect(await page.locator('.bubble.assistant').count()).toBe(2);
    await h.screenshot('conversation');
  });

  it('renders every page without errors', async () => {
    const { page } = h;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    for (const path of ['/', '/groups', '/studies', '/conversations']) {
      const response = await page.goto(`${h.base}${path}`);
      expect(response?.status(), path).toBe(200);
      await h.screenshot(`page${path.replace(/\//g, '-') || '-home'}`);
    }
    expect(errors).toEqual([]);
  });

  it('reads the upload hint on the Studies page as one flowing sentence', async () => {
    const { page } = h;
    await page.goto(`${h.base}/studies`);
    const hint = page.locator('label:has(input[type=file]) > span');
    const lineHeight = await hint.evaluate((el) => parseFloat(getComputedStyle(el).lineHeight) || 18);
    const box = (await hint.boundingBox())!;
    // Eight separate blocks would stack eight lines; one sentence wraps to at most three at this width.
    expect(box.height).toBeLessThan(lineHeight * 4);
    expect(await hint.locator('code').count()).toBe(5);
  });

  it('shows the API reference from the generated document, with no console errors', async () => {
    const { page } = h;
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (message) => {
      if (message.type() === 'error') errors.push(message.text());
    });
    await page.goto(`${h.base}/api-docs`);
    await page.waitForSelector('.opblock-summary-path');
    const paths = await page.locator('.opblock-summary-path').allTextContents();
    expect(paths.map((p) => p.replace(/\u200b/g, ''))).toEqual(expect.arrayContaining(['/api/v1/inference', '/api/v1/calls/{id}', '/api/v1/studies/{id}/report']));
    await h.screenshot('api-reference');
    expect(errors).toEqual([]);
  });
});
