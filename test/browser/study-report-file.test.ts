// The study's report as a file, in headless Chromium: downloaded from the study page's link, opened
// from disk with every network request refused, it shows the numbers of GET /report; hostile answers
// stay text. The accuracy chart's SVG parses as XML and its bars are the accuracies.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ARTIFACTS, startBrowserHarness, type BrowserHarness } from '../support/browser';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

// Would fetch an image and set a flag if it were ever markup: it must stay text.
const HOSTILE = '<img src="http://127.0.0.1:9/pwned.png" onerror="window.__pwned = 1"><script>window.__pwned = 2</script>';
const ITEMS = [
  { id: 'hostile', prompt: `${HOSTILE} repeat this`, expected: HOSTILE },
  ...[1, 2, 3, 4, 5, 6, 7].map((k) => ({ id: `q${k}`, prompt: `question ${k}`, expected: `answer ${k}` })),
];
// gpt-a answers items 1–6 right, gpt-b items 1–3; both answer the hostile item right, neither item 7.
const right = (model: string, id: string) => id === 'hostile' || (model === 'gpt-a' ? ['q1', 'q2', 'q3', 'q4', 'q5', 'q6'] : ['q1', 'q2', 'q3']).includes(id);

const figure = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const interval = (low: number | null, high: number | null) => (low === null || high === null ? '—' : `[${figure(low)}, ${figure(high)}]`);
const pValue = (p: number | null) => (p === null ? '—' : p < 0.001 ? p.toExponential(2) : p.toFixed(4));

describe('the HTML report file and the SVG chart, in headless Chromium', () => {
  let h: BrowserHarness;
  let fake: FakeOpenAI;
  let id: number;
  let dir: string;
  // The JSON report as /report answers it.
  let report: any;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setReplyPolicy(({ body }) => {
      const item = ITEMS.find((i) => i.prompt === body.messages.at(-1).content);
      return item ? (right(body.model, item.id) ? item.expected : 'no idea') : undefined;
    });
    h = await startBrowserHarness({ OPENAI_API_KEY: 'sk-browser-report-file', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    dir = mkdtempSync(join(tmpdir(), 'report-file-'));
    const created = await h.t.post('/api/v1/studies', {
      name: 'Report file <em>study</em>',
      items: ITEMS,
      targets: [
        { provider: 'openai', model: 'gpt-a' },
        { provider: 'openai', model: 'gpt-b' },
      ],
      samples: 3,
      scorers: [{ name: 'exact', type: 'exact' }],
    });
    expect(created.status).toBe(202);
    id = (await created.json()).id;
    await waitFor(async () => (await h.t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
    expect((await h.t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
    await h.t.deps.scoring.idle();
    report = await (await h.t.get(`/api/v1/studies/${id}/report`)).json();
  }, 60_000);
  afterAll(async () => {
    await h?.close();
    await fake?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('downloads the HTML report from the study page and shows the same numbers opened from disk with the network blocked', async () => {
    expect(report.targets.map((t: { accuracy: { estimate: number } }) => t.accuracy.estimate)).toEqual([7 / 8, 4 / 8]);
    const { page } = h;
    await page.goto(`${h.base}/studies/${id}`);
    await h.screenshot('report-file-study-page');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('.report-downloads a:text("HTML file")')]);
    expect(download.suggestedFilename()).toBe(`study-${id}.html`);
    const path = join(dir, download.suggestedFilename());
    await download.saveAs(path);
    const fileUrl = pathToFileURL(path).href;

    const context = await h.browser.newContext({ viewport: { width: 1280, height: 900 } });
    try {
      const requested: string[] = [];
      context.on('request', (request) => requested.push(request.url()));
      await context.route('**/*', (route) => (route.request().url() === fileUrl ? route.continue() : route.abort()));
      const offline = await context.newPage();
      const errors: string[] = [];
      offline.on('pageerror', (error) => errors.push(error.message));
      await offline.goto(fileUrl);
      await offline.waitForSelector('table.summary');

      const rows = (selector: string) => offline.$$eval(`${selector} tbody tr`, (trs) => trs.map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent)));
      expect(await rows('table.summary')).toEqual(
        report.targets.map((t: any) => [
          t.label,
          figure(t.accuracy.estimate),
          interval(t.accuracy.low, t.accuracy.high),
          String(t.accuracy.items),
          t.accuracy.method,
          `${t.accuracy.passed}/${t.accuracy.samples}`,
          interval(t.accuracy_samples_wilson.low, t.accuracy_samples_wilson.high),
        ]),
      );
      expect(await rows('table.pairs')).toEqual(
        report.pairs.map(({ a, b, primary, accuracy_difference: d }: any) => [
          report.targets[a].label,
          report.targets[b].label,
          String(d.items),
          figure(d.difference),
          interval(d.low, d.high),
          d.method,
          pValue(d.p_value),
          primary ? 'primary (unadjusted)' : pValue(d.p_adjusted),
          figure(d.mde),
        ]),
      );
      expect(await offline.textContent('table.pairs thead')).toContain('p adjusted (Holm)');
      // The inline chart: one bar per target, as tall as its accuracy.
      const bars = await offline.$$eval('svg rect.bar', (rects) => rects.map((r) => Number(r.getAttribute('height'))));
      expect(bars.map((height) => height / 200)).toEqual(report.targets.map((t: any) => expect.closeTo(t.accuracy.estimate, 4)));
      // The hostile answer is text in the matrix, and nothing of it ran.
      expect(await offline.textContent('table.matrix')).toContain(HOSTILE);
      expect(await offline.evaluate(() => (window as unknown as { __pwned?: number }).__pwned)).toBeUndefined();
      expect(await offline.title()).toBe(`Report file <em>study</em> — study ${id}`);
      await offline.screenshot({ path: `${ARTIFACTS}/report-file-offline.png`, fullPage: true });
      expect(errors).toEqual([]);
      // Nothing but the file itself was asked for.
      expect(requested.filter((url) => url !== fileUrl)).toEqual([]);
      // The control: a page that does fetch something is seen asking (and refused).
      await offline.setContent('<img src="http://127.0.0.1:9/probe.png">');
      await waitFor(async () => requested, (urls) => urls.includes('http://127.0.0.1:9/probe.png'), 5_000);
    } finally {
      await context.close();
    }
  });

  it('serves the chart as SVG that parses as XML, its bars the accuracies on a 0–1 axis', async () => {
    const svg = await (await h.t.get(`/studies/${id}/chart.svg`)).text();
    const { page } = h;
    await page.goto(`${h.base}/studies/${id}/chart.svg`);
    const parsed = await page.evaluate((text) => {
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        error: doc.getElementsByTagName('parsererror').length,
        root: doc.documentElement.namespaceURI,
        bars: [...doc.querySelectorAll('rect.bar')].map((r) => ({ height: Number(r.getAttribute('height')), y: Number(r.getAttribute('y')) })),
        labels: [...doc.querySelectorAll('text.label')].map((t) => t.textContent),
        ticks: [...doc.querySelectorAll('g.tick text')].map((t) => t.textContent),
      };
    }, svg);
    expect(parsed.error).toBe(0);
    expect(parsed.root).toBe('http://www.w3.org/2000/svg');
    expect(parsed.ticks).toEqual(['0', '0.25', '0.5', '0.75', '1']);
    expect(parsed.labels).toEqual(report.targets.map((t: { label: string }) => t.label));
    expect(parsed.bars.map((b) => b.height / 200)).toEqual(report.targets.map((t: any) => expect.closeTo(t.accuracy.estimate, 4)));
    // Bars stand on the 0 line (y + height is the same baseline for every bar).
    expect(new Set(parsed.bars.map((b) => Math.round(b.y + b.height)))).toEqual(new Set([224]));
    await page.screenshot({ path: `${ARTIFACTS}/report-chart-svg.png` });
  });
});
