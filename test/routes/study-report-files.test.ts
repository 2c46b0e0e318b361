// The report as files (GET /report?format=html|md|tex) and the chart as SVG (/studies/:id/chart.svg):
// a study designed to known accuracies, hostile text in its name, model names, prompts and answers.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const HOSTILE_ANSWER = '<script>alert(1)</script> | 100% & $_x {y} ~ ^ # \\ end';
const MODEL_A = 'gpt_a|50%';
const MODEL_B = 'gpt-b';
const NAME = 'Capitals <b>bold</b> & 100% $x_1$ | line\nbreak';
// Item 0 (hostile) both answer right; items 1–4 A answers right, 1–2 B answers right; item 5 neither.
const ITEMS = [
  { id: 'hostile', prompt: '<script>alert("prompt")</script> say it', expected: HOSTILE_ANSWER },
  ...[1, 2, 3, 4, 5].map((k) => ({ id: `q${k}`, prompt: `question ${k}`, expected: `answer ${k}` })),
];
const rightFor = (model: string, id: string) => id === 'hostile' || (model === MODEL_A ? ['q1', 'q2', 'q3', 'q4'] : ['q1', 'q2']).includes(id);

const figure = (x: number | null) => (x === null ? '—' : x.toFixed(3));
const interval = (low: number | null, high: number | null) => (low === null || high === null ? '—' : `[${figure(low)}, ${figure(high)}]`);
const pValue = (p: number | null) => (p === null ? '—' : p < 0.001 ? p.toExponential(2) : p.toFixed(4));

interface JsonTarget {
  label: string;
  accuracy: { estimate: number; low: number; high: number; items: number; passed: number; samples: number; method: string };
  accuracy_samples_wilson: { low: number; high: number };
}
interface JsonPair {
  primary: boolean;
  accuracy_difference: { difference: number; low: number; high: number; p_value: number | null; p_adjusted: number | null; mde: number | null; items: number; method: string };
}

describe('the report as HTML, Markdown and LaTeX files, and the chart as SVG', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let id: number;
  let report: { targets: JsonTarget[]; pairs: JsonPair[]; comparisons: { note: string } };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    fake.setReplyPolicy(({ body }) => {
      const item = ITEMS.find((i) => i.prompt === body.messages.at(-1).content);
      if (!item) return undefined;
      return rightFor(body.model, item.id) ? item.expected : 'no idea';
    });
    t = await createTestApp({ OPENAI_API_KEY: 'sk-report-files', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', MAX_BATCH_TASKS: '2000' });
    const created = await t.post('/api/v1/studies', {
      name: NAME,
      items: ITEMS,
      targets: [
        { provider: 'openai', model: MODEL_A },
        { provider: 'openai', model: MODEL_B },
      ],
      samples: 2,
      scorers: [{ type: 'exact' }],
    });
    expect(created.status).toBe(202);
    id = (await created.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
    expect((await t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
    await t.deps.scoring.idle();
    report = await (await t.get(`/api/v1/studies/${id}/report`)).json();
  }, 30_000);
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  /** Every figure of the summary and pairs, as the files write them, computed here from the JSON report. */
  const expectedFigures = () => [
    ...report.targets.flatMap((target) => [
      figure(target.accuracy.estimate),
      interval(target.accuracy.low, target.accuracy.high),
      `${target.accuracy.passed}/${target.accuracy.samples}`,
      interval(target.accuracy_samples_wilson.low, target.accuracy_samples_wilson.high),
    ]),
    ...report.pairs.flatMap(({ accuracy_difference: d }) => [figure(d.difference), interval(d.low, d.high), pValue(d.p_value), pValue(d.p_adjusted), figure(d.mde)]),
  ];

  it('is a study with the designed accuracies (the figures the files are checked against)', () => {
    const [a, b] = report.targets;
    expect(a!.accuracy).toMatchObject({ items: 6, passed: 10, samples: 12 });
    expect(a!.accuracy.estimate).toBeCloseTo(5 / 6, 12);
    expect(b!.accuracy.estimate).toBeCloseTo(3 / 6, 12);
    expect(report.pairs).toHaveLength(1);
    expect(report.pairs[0]!.accuracy_difference.difference).toBeCloseTo(1 / 3, 12);
    expect(report.pairs[0]!.accuracy_difference.p_adjusted).not.toBeNull();
  });

  it('gives one self-contained HTML file with the same numbers, escaped, as an attachment', async () => {
    const res = await t.get(`/api/v1/studies/${id}/report?format=html`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="study-${id}.html"`);
    expect(res.headers.get('content-security-policy')).toContain("default-src 'none'");
    const html = await res.text();
    expect(html.startsWith('<!doctype html>')).toBe(true);
    for (const text of expectedFigures()) expect(html).toContain(text);
    expect(html).toContain('Wilson 95% CI over samples (too narrow)');
    expect(html).toContain('p adjusted (Holm)');
    expect(html).toContain('How to read these numbers');
    expect(html).toContain('<svg');
    // Hostile text stays text; the file has no script and refers to nothing outside itself.
    expect(html).not.toMatch(/<script/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;');
    expect(html).toContain('&lt;script&gt;alert(&quot;prompt&quot;)&lt;/script&gt;');
    expect(html).toContain('Capitals &lt;b&gt;bold&lt;/b&gt; &amp; 100%');
    expect(html).not.toMatch(/<link|@import|url\(|\ssrc=|href="(?!#)/i);
    // The matrix: every item of this small study, no "more" line.
    expect(html.match(/<tr><td><strong>/g)).toHaveLength(ITEMS.length);
    expect(html).not.toContain('more item(s)');
  });

  it('gives the summary and pairs as Markdown tables, cells escaped, one line each', async () => {
    const res = await t.get(`/api/v1/studies/${id}/report?format=md`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/markdown; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="study-${id}.md"`);
    const md = await res.text();
    for (const text of expectedFigures()) expect(md).toContain(text);
    expect(md).toContain('# Capitals \\<b\\>bold\\</b\\> & 100% $x\\_1$ \\| line break\n');
    const rows = md.split('\n').filter((line) => line.startsWith('|'));
    // 1 + 1 + 2 summary lines, 1 + 1 + 1 pairs lines; every row has its table's cell count once `\|` is set aside.
    expect(rows).toHaveLength(7);
    const cells = (line: string) => line.replace(/\\\|/g, '').split('|').length - 2;
    expect(rows.slice(0, 4).map(cells)).toEqual([7, 7, 7, 7]);
    expect(rows.slice(4).map(cells)).toEqual([9, 9, 9]);
    expect(md).toContain('| gpt\\_a\\|50% |'.replace('| gpt', '| openai/gpt'));
  });

  it('gives the summary and pairs as LaTeX tabulars, the specials escaped', async () => {
    const res = await t.get(`/api/v1/studies/${id}/report?format=tex`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/x-tex; charset=utf-8');
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="study-${id}.tex"`);
    const tex = await res.text();
    for (const text of expectedFigures()) expect(tex).toContain(text);
    expect(tex.match(/\\begin\{tabular\}\{lrrrrrr\}/g)).toHaveLength(1);
    expect(tex.match(/\\begin\{tabular\}\{lrrrrrrrr\}/g)).toHaveLength(1);
    expect(tex).toContain('openai/gpt\\_a|50\\% &');
    expect(tex).toContain('% Capitals \\textless{}b\\textgreater{}bold\\textless{}/b\\textgreater{} \\& 100\\% \\$x\\_1\\$ | line break\n');
    const body = tex.split('\n').filter((line) => !line.startsWith('%'));
    // Outside comments, no % $ # _ & ~ ^ is left unescaped but the column separators.
    for (const line of body) expect(line.replace(/ & /g, ' ').replace('$\\alpha$', 'alpha').replace(/\\\\$/, '')).not.toMatch(/(?<!\\)[%$#_&~^]/);
    const rowsOf = (columns: number) => body.filter((line) => line.endsWith('\\\\') && line.split(' & ').length === columns);
    expect(rowsOf(7)).toHaveLength(3);
    expect(rowsOf(9)).toHaveLength(2);
  });

  it('answers the same through the deprecated /batches alias', async () => {
    const res = await t.get(`/api/v1/batches/${id}/report?format=md`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-disposition')).toBe(`attachment; filename="study-${id}.md"`);
    expect(await res.text()).toContain(figure(report.targets[0]!.accuracy.estimate));
  });

  it('refuses an unknown format with a 400 naming the field, and an unknown study with a 404', async () => {
    const bad = await t.get(`/api/v1/studies/${id}/report?format=pdf`);
    expect(bad.status).toBe(400);
    const error = (await bad.json()).error;
    expect(error.code).toBe('invalid_request');
    expect(error.message).toMatch(/^format\b/);
    for (const format of ['json', 'html', 'md', 'tex']) {
      const missing = await t.get(`/api/v1/studies/999999/report?format=${format}`);
      expect(missing.status, format).toBe(404);
      expect(missing.headers.get('content-type')).toContain('application/json');
    }
    expect((await t.get('/studies/999999/chart.svg')).status).toBe(404);
  });

  it('draws the accuracy chart as SVG: bar heights are the accuracies on a 0–1 axis, labels escaped', async () => {
    const res = await t.get(`/studies/${id}/chart.svg`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/svg+xml; charset=utf-8');
    const svg = await res.text();
    expect(svg.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"')).toBe(true);
    const heights = [...svg.matchAll(/<rect class="bar"[^>]* height="([\d.]+)"/g)].map((m) => Number(m[1]) / 200);
    expect(heights).toHaveLength(2);
    for (const [i, height] of heights.entries()) expect(height).toBeCloseTo(report.targets[i]!.accuracy.estimate, 4);
    expect(svg).toContain('>1</text>');
    expect(svg).toContain('>0</text>');
    expect(svg).toContain('Capitals &lt;b&gt;bold&lt;/b&gt; &amp; 100%');
    expect(svg).not.toContain('<b>');
  });

  it('caps the matrix of the HTML file at 500 items and says how many more there are', async () => {
    const items = Array.from({ length: 503 }, (_, i) => ({ id: `e${i}`, prompt: `p${i}`, expected: `echo: p${i}` }));
    const created = await t.post('/api/v1/studies', { items, targets: [{ provider: 'echo' }], samples: 1 });
    const big = (await created.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${big}`)).json(), (p) => p.status === 'completed');
    const html = await (await t.get(`/api/v1/studies/${big}/report?format=html`)).text();
    expect(html.match(/<tr><td><strong>/g)).toHaveLength(500);
    expect(html).toContain('… 3 more item(s) not in this file');
    // No scorer has run: said, and no chart drawn from nothing.
    expect(html).toContain('no scorer has run: no accuracy');
    expect(html).not.toContain('<svg');
    const svg = await (await t.get(`/studies/${big}/chart.svg`)).text();
    expect(svg).not.toContain('class="bar"');
    expect(svg).toContain('>n/a</text>');
  }, 30_000);
});
