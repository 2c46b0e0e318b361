import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { nodeStaticAssets } from '../../src/node/static-assets';
import { createTestApp, type TestApp } from '../support/app';

describe('analytics, search and prices over HTTP', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
    // Captured through the real API: echo answers "echo: <prompt>", 1 success per sample.
    for (const prompt of ['Describe the Okavango delta', '<script>alert("pwned")</script> tell me about owls']) {
      expect((await t.post('/api/v1/inference', { provider: 'echo', prompt, samples: 2 })).status).toBe(200);
    }
  });
  afterAll(() => t.close());

  /** "days: Too small…", or for an unknown key "query: Unrecognized key: \"colour\"". */
  const namesField = (field: string) => new RegExp(`^${field}: |"${field}"`);
  const json = async (path: string) => {
    const res = await t.get(path);
    return { status: res.status, body: await res.json() };
  };

  it('summarises calls, tokens, failure rate and cost (the offline echo provider is priced at $0)', async () => {
    const { status, body } = await json('/api/v1/analytics/summary');
    expect(status).toBe(200);
    expect(body).toMatchObject({ calls: 4, success: 4, failed: 0, failure_rate: 0, providers: 1, models: 1, cost_usd: 0, unpriced_calls: 0 });
    expect(body.total_tokens).toBe(body.prompt_tokens + body.completion_tokens);
    expect((await json('/api/v1/analytics/summary?days=1&provider=echo')).body.calls).toBe(4);
    expect((await json('/api/v1/analytics/summary?from=2020-01-01&to=2020-12-31')).body).toMatchObject({ calls: 0, cost_usd: 0, window: { from: '2020-01-01', to: '2020-12-31' } });
  });

  it('compares providers and models with latency percentiles', async () => {
    const { status, body } = await json('/api/v1/analytics/providers?days=7');
    expect(status).toBe(200);
    expect(body.models).toEqual([
      expect.objectContaining({ provider: 'echo', model: 'echo-1', calls: 4, failure_rate: 0, p50_latency_ms: expect.any(Number), p95_latency_ms: expect.any(Number) }),
    ]);
    expect(body.latency_percentiles).toMatch(/±2\.5%/);
  });

  it('returns a time series with a point per bucket, and the recent calls', async () => {
    const series = await json('/api/v1/analytics/timeseries?bucket=hour&days=1');
    expect(series.status).toBe(200);
    expect(series.body.points.reduce((n: number, p: { calls: number }) => n + p.calls, 0)).toBe(4);
    const recent = await json('/api/v1/analytics/recent?limit=3');
    expect(recent.body.calls).toHaveLength(3);
    expect(recent.body.calls[0]).toMatchObject({ provider: 'echo', status: 'success', cost_usd: 0, priced: true, prompt_preview: expect.stringContaining('owls') });
  });

  it('searches prompts and responses', async () => {
    const { status, body } = await json('/api/v1/search?q=okavango');
    expect(status).toBe(200);
    expect(body.results).toHaveLength(2);
    expect(body.results[0].matches.map((m: { field: string }) => m.field)).toEqual(['prompt', 'response']);
    for (const q of ['"', 'NEAR(owls', 'owl*', 'a AND (b', "'; DROP TABLE raw_calls; --"]) {
      const res = await t.get(`/api/v1/search?q=${encodeURIComponent(q)}`);
      expect(res.status, q).toBe(200);
    }
  });

  describe('rejects bad queries with a 400 naming the field', () => {
    const cases: Array<[string, string]> = [
      ['/api/v1/analytics/summary?days=0', 'days'],
      ['/api/v1/analytics/summary?days=367', 'days'],
      ['/api/v1/analytics/summary?days=7&from=2026-01-01', 'days'],
      ['/api/v1/analytics/summary?from=2026-13-01', 'from'],
      ['/api/v1/analytics/summary?from=2026-02-01&to=2026-01-01', 'to'],
      ['/api/v1/analytics/providers?group_id=abc', 'group_id'],
      ['/api/v1/analytics/timeseries?bucket=week', 'bucket'],
      ['/api/v1/analytics/timeseries?bucket=minute&days=3', 'days'],
      ['/api/v1/analytics/recent?limit=1000', 'limit'],
      ['/api/v1/search', 'q'],
      ['/api/v1/search?q=%20%20', 'q'],
      ['/api/v1/search?q=x&order=random', 'order'],
      ['/api/v1/analytics/summary?colour=red', 'colour'],
    ];
    for (const [path, field] of cases) {
      it(path, async () => {
        const { status, body } = await json(path);
        expect(status).toBe(400);
        expect(body.error.message).toMatch(namesField(field));
      });
    }
  });

  describe('prices', () => {
    const price = { provider: 'acme', model: 'rocket-1', input_usd_per_million: 1.5, output_usd_per_million: 6, effective_from: '2026-01-01' };

    it('lists the seeded public prices', async () => {
      const { body } = await json('/api/v1/prices?provider=openai&model=gpt-4o-mini');
      expect(body.prices).toEqual([expect.objectContaining({ input_usd_per_million: 0.15, output_usd_per_million: 0.6, effective_from: '2025-01-01', in_force: true })]);
    });

    it('adds a version (201), corrects it (200), and a later version takes over', async () => {
      const created = await t.post('/api/v1/prices', price);
      expect(created.status).toBe(201);
      expect((await created.json()).price).toMatchObject(price);
      const corrected = await t.post('/api/v1/prices', { ...price, output_usd_per_million: 5 });
      expect(corrected.status).toBe(200);
      expect(await corrected.json()).toMatchObject({ created: false, price: { output_usd_per_million: 5 } });
      await t.post('/api/v1/prices', { ...price, input_usd_per_million: 1, effective_from: '2026-02-01' });
      const { body } = await json('/api/v1/prices?provider=acme');
      expect(body.prices.map((p: { effective_from: string; in_force: boolean }) => [p.effective_from, p.in_force])).toEqual([
        ['2026-02-01', true],
        ['2026-01-01', false],
      ]);
    });

    const invalid: Array<[string, unknown, string]> = [
      ['a missing model', { ...price, model: undefined }, 'model'],
      ['a negative price', { ...price, input_usd_per_million: -1 }, 'input_usd_per_million'],
      ['a price given as text', { ...price, output_usd_per_million: 'cheap' }, 'output_usd_per_million'],
      ['a date that is not a date', { ...price, effective_from: '2026-02-30' }, 'effective_from'],
      ['a timestamp instead of a date', { ...price, effective_from: '2026-02-01T10:00:00Z' }, 'effective_from'],
      ['an unknown field', { ...price, currency: 'EUR' }, 'currency'],
    ];
    for (const [label, body, field] of invalid) {
      it(`rejects ${label}, naming ${field}`, async () => {
        const res = await t.post('/api/v1/prices', body);
        expect(res.status).toBe(400);
        expect((await res.json()).error.message).toMatch(namesField(field));
      });
    }
  });

  describe('pages', () => {
    it('renders the dashboard with cards, chart data, recent calls and escaped prompts', async () => {
      const res = await t.get('/analytics?days=7&bucket=hour');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<script src="/static/chart.umd.js"');
      expect(html).toContain('<canvas id="chart-latency"');
      expect(html).toContain('href="/calls/1"');
      expect(html).toContain('echo/echo-1');
      expect(html).not.toContain('<script>alert');
      expect(html).toContain('&lt;script&gt;alert(&quot;pwned&quot;)&lt;/script&gt;');
      const data = [...html.matchAll(/<script type="application\/json" data-chart-for="([^"]+)">([^<]*)<\/script>/g)];
      expect(data.map((m) => m[1])).toEqual(['chart-latency', 'chart-usage', 'chart-series']);
      const series = JSON.parse(data[2]![2]!);
      expect(series.datasets[0].data.reduce((a: number, b: number) => a + b, 0)).toBe(4);
    });

    it('embeds chart JSON so no text can close its script element', async () => {
      await t.post('/api/v1/inference', { provider: 'echo', model: '</script><script>alert(1)</script>', prompt: 'x' });
      const html = await (await t.get('/analytics')).text();
      expect(html).not.toContain('</script><script>alert(1)');
      expect(html).toContain('\\u003c/script\\u003e\\u003cscript\\u003ealert(1)');
    });

    it('shows a bad selector as a message with the default view', async () => {
      const res = await t.get('/analytics?bucket=minute&days=30');
      expect(res.status).toBe(200);
      expect(await res.text()).toContain('days: minute buckets cover at most 2 days');
    });

    it('swaps in search results with highlights, escaping the text around them', async () => {
      const res = await t.get('/analytics/search?q=owls');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<mark>owls</mark>');
      expect(html).toContain('&lt;script&gt;');
      expect(html).not.toContain('<html');
      expect(await (await t.get('/analytics/search?q=%22NEAR(')).text()).toContain('No call matches');
      expect(await (await t.get('/analytics?q=okavango')).text()).toContain('<mark>Okavango</mark>');
    });

    it('lists prices and saves a version from the form', async () => {
      const page = await t.get('/prices');
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('gpt-4o-mini');
      const form = (fields: Record<string, string>) =>
        t.app.request('/prices', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: new URLSearchParams(fields).toString() });
      const fields = { provider: 'form-co', model: '<b>m</b>', input_usd_per_million: '2', output_usd_per_million: '3', effective_from: '2026-03-01' };
      const saved = await form(fields);
      expect(saved.status).toBe(303);
      const after = await (await t.get(saved.headers.get('location')!)).text();
      expect(after).toContain('&lt;b&gt;m&lt;/b&gt;');
      expect((await (await t.get('/api/v1/prices?provider=form-co')).json()).prices).toHaveLength(1);

      const rejected = await form({ ...fields, input_usd_per_million: '' });
      expect(rejected.status).toBe(400);
      expect(await rejected.text()).toContain('input_usd_per_million: ');
    });

    it('serves Chart.js and the chart script from the static allow-list', async () => {
      const assets = nodeStaticAssets();
      const chart = await assets.request('/chart.umd.js');
      expect(chart.status).toBe(200);
      expect(await chart.text()).toContain('Chart.js v4');
      const charts = await assets.request('/charts.js');
      expect(await charts.text()).toContain('data-chart-for');
    });
  });
});
