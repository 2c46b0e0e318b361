// Before spending: the estimate (checked by hand against a seeded history and the price table), a dry
// run on the first items, and a spending cap the in-process runner stops at and resumes past once raised.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, countCalls, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('study estimate, dry run and spending cap', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-budget-test-key', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    // Prices: gpt-hist $2 in / $10 out per million tokens; gpt-capped $1 / $1; gpt-priced $1,000 / $1,000 (a tenth of a cent a token).
    for (const [model, input, output] of [['gpt-hist', 2, 10], ['gpt-capped', 1, 1], ['gpt-priced', 1000, 1000]] as const) {
      const res = await t.post('/api/v1/prices', { provider: 'openai', model, input_usd_per_million: input, output_usd_per_million: output, effective_from: '2020-01-01' });
      expect(res.status).toBeLessThan(300);
    }
    // gpt-hist's history: three successes (10, 20, 30 output tokens; 100, 200, 300 ms) and a failure (not counted).
    const rows: Array<[string, number | null, number]> = [['success', 10, 100], ['success', 20, 200], ['success', 30, 300], ['failed', null, 5000]];
    for (const [status, completion, latency] of rows) {
      await t.deps.database.client.execute({
        sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, request_hash, metadata_json, completion_tokens, prompt_tokens, latency_ms)
              VALUES ('openai', 'gpt-hist', 'chat', ?1, '{}', CASE ?1 WHEN 'success' THEN '{}' END, CASE ?1 WHEN 'failed' THEN '{}' END, 'seed', '{}', ?2, 5, ?3)`,
        args: [status, completion, latency],
      });
    }
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const count = async (table: string) => Number((await t.deps.database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
  // "abcdefgh" is 8 bytes (2 tokens), "abcdefghij" 10 bytes (3 tokens, rounded up): 5 input tokens per sample of both items.
  const items = [{ id: 'a', prompt: 'abcdefgh' }, { id: 'b', prompt: 'abcdefghij' }];

  it('estimates tasks, tokens, cost and time from the prompts, the history and the price table, calling and storing nothing', async () => {
    const before = { calls: await countCalls(t), groups: await count('groups'), batches: await count('batches') };
    const res = await t.post('/api/v1/studies/estimate', {
      items,
      targets: [{ provider: 'openai', model: 'gpt-hist' }, { provider: 'openai', model: 'gpt-capped', params: { max_tokens: 50 } }, { provider: 'openai', model: 'gpt-unpriced' }],
      samples: 2,
      concurrency: 4,
    });
    expect(res.status).toBe(200);
    const estimate = await res.json();
    expect(estimate).toMatchObject({ tasks: 12, items: 2, targets: 3, samples: 2, input_tokens: 30, output_tokens: 80 + 200 + 1024, concurrency: 4, dry_run_items: null });
    const [hist, capped, echo] = estimate.by_target;
    // 4 tasks each; input 5 × 2 samples = 10 tokens.
    expect(hist).toMatchObject({ tasks: 4, input_tokens: 10, output_tokens_per_task: 20, output_tokens: 80, basis: 'history', history_calls: 3, latency_ms: 200, latency_basis: 'history' });
    expect(hist.cost_usd).toBeCloseTo((10 * 2 + 80 * 10) / 1e6, 12);
    expect(capped).toMatchObject({ output_tokens_per_task: 50, output_tokens: 200, basis: 'max_tokens', history_calls: 0, latency_ms: 2000, latency_basis: 'default' });
    expect(capped.cost_usd).toBeCloseTo((10 + 200) / 1e6, 12);
    expect(echo).toMatchObject({ model: 'gpt-unpriced', output_tokens_per_task: 256, basis: 'default', cost_usd: null });
    expect(echo.cost_reason).toMatch(/no price for openai\/gpt-unpriced/);
    expect(estimate.cost_usd).toBeNull();
    expect(estimate.cost_reason).toMatch(/target 2 \(openai\/gpt-unpriced\)/);
    // (4 × 200 + 4 × 2000 + 4 × 2000) ms of calls over 4 at a time.
    expect(estimate.duration_s).toBeCloseTo(4.2, 6);
    expect(estimate.input_tokens_method).toMatch(/bytes.*\/ 4/);

    const priced = await (await t.post('/api/v1/batches/estimate', { items, targets: [{ provider: 'openai', model: 'gpt-hist' }, { provider: 'openai', model: 'gpt-capped', params: { max_tokens: 50 } }], samples: 2, dry_run_items: 1 })).json();
    // A dry run on the first item: "abcdefgh", 2 tokens × 2 samples per target.
    expect(priced).toMatchObject({ tasks: 4, items: 1, dry_run_items: 1, input_tokens: 8 });
    expect(priced.cost_usd).toBeCloseTo((4 * 2 + 40 * 10) / 1e6 + (4 + 100) / 1e6, 12);

    expect(fake.requestCount).toBe(0);
    expect({ calls: await countCalls(t), groups: await count('groups'), batches: await count('batches') }).toEqual(before);
  });

  it('refuses a bad study body with a 400 naming the field, and a body that is not JSON with a 415', async () => {
    const res = await t.post('/api/v1/studies/estimate', { items, targets: [], samples: 0 });
    expect(res.status).toBe(400);
    const error = (await res.json()).error;
    expect(error.code).toBe('invalid_request');
    expect(JSON.stringify(error.details)).toMatch(/targets|samples/);
    const unknown = await t.post('/api/v1/studies/estimate', { items, targets: [{ provider: 'nope' }] });
    expect(unknown.status).toBe(400);
    expect((await unknown.json()).error.message).toMatch(/targets\.0\.provider/);
    // A study body may be as large as one POST /api/v1/studies takes (32 MiB), over the 2 MiB other routes take.
    const big = await t.post('/api/v1/studies/estimate', { items: Array.from({ length: 2_400 }, (_, i) => ({ prompt: `${'x'.repeat(996)}${String(i).padStart(4, '0')}` })), targets: [{ provider: 'openai', model: 'gpt-hist' }] });
    expect(big.status).toBe(200);
    expect(await big.json()).toMatchObject({ tasks: 2_400, input_tokens: 2_400 * 250 });
    const text = await t.app.request('/api/v1/studies/estimate', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: '{}' });
    expect(text.status).toBe(415);
    expect(fake.requestCount).toBe(0);
  });

  it('runs a dry run on the first N items only, marked as one', async () => {
    const res = await t.post('/api/v1/studies', {
      items: Array.from({ length: 5 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
      dry_run_items: 2,
    });
    expect(res.status).toBe(202);
    const started = await res.json();
    expect(started).toMatchObject({ total: 4, dry_run: { items: 2, of_items: 5 } });
    const done = await waitFor(() => progress(started.id), (p) => p.status !== 'running');
    expect(done).toMatchObject({ status: 'completed', done: 4, dry_run: { items: 2, of_items: 5 } });
    const keys = await t.deps.database.client.execute({
      sql: 'SELECT DISTINCT i.item_key FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ? ORDER BY i.position',
      args: [started.id],
    });
    expect(keys.rows.map((r) => r.item_key)).toEqual(['q0', 'q1']);
    expect(new Set(fake.requests.map((r) => r.body.messages[0].content))).toEqual(new Set(['question 0', 'question 1']));
    const page = await (await t.get(`/studies/${started.id}`)).text();
    expect(page).toMatch(/dry run<\/span> on the first 2 of 5 items/);
  });

  it('stops at the cap without passing it (interrupted, reason budget), then runs to the end once the cap is raised and the study resumed', async () => {
    fake.setLatency(20);
    // Each task: "question N" is 10–11 bytes (3 tokens) and max_tokens 10, so it is reserved at 13 tokens ($0.013);
    // the fake server counts 2 prompt words and 4 answer words ("reply to: question N"), so it costs $0.006.
    const res = await t.post('/api/v1/studies', {
      items: Array.from({ length: 10 }, (_, i) => ({ prompt: `question ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-priced', params: { max_tokens: 10 } }],
      concurrency: 2,
      budget_usd: 0.05,
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    const stopped = await waitFor(() => progress(id), (p) => p.status !== 'running');
    expect(stopped).toMatchObject({ status: 'interrupted', status_reason: 'budget' });
    expect(stopped.done).toBeGreaterThan(0);
    expect(stopped.done).toBeLessThan(10);
    expect(stopped.budget.budget_usd).toBe(0.05);
    expect(stopped.budget.spent_usd).toBeLessThanOrEqual(0.05);
    expect(stopped.budget.spent_usd).toBeCloseTo(stopped.done * 0.006, 9);
    expect(stopped.budget.reserved_usd).toBe(0);
    // Reserved at $0.013 a task, run two at a time: it stopped because the next task could have passed the cap.
    expect(stopped.budget.spent_usd + 2 * 0.013).toBeGreaterThan(0.05);
    const captured = Number((await t.deps.database.client.execute({ sql: 'SELECT sum(c.cost_usd) AS usd FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE t.batch_id = ?', args: [id] })).rows[0]!.usd);
    expect(captured).toBeLessThanOrEqual(0.05);
    expect(fake.requestCount).toBe(stopped.done);
    const page = await (await t.get(`/studies/${id}`)).text();
    expect(page).toMatch(/\$0\.0\d+ spent of the \$0\.050 cap/);
    expect(page).toContain(`action="/studies/${id}/budget"`);

    const raised = await t.post(`/api/v1/studies/${id}/budget`, { budget_usd: 1 });
    expect(raised.status).toBe(200);
    expect((await raised.json()).budget.budget_usd).toBe(1);
    expect((await t.post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    const done = await waitFor(() => progress(id), (p) => p.status !== 'running');
    expect(done).toMatchObject({ status: 'completed', done: 10 });
    expect(done.budget.spent_usd).toBeCloseTo(0.06, 9);
    fake.setLatency(0);
  });

  it('shows the estimate on the Studies form before the run, starting nothing; its dry run and cap fields start a capped dry run', async () => {
    const form = (fields: Record<string, string>) => {
      const body = new FormData();
      for (const [key, value] of Object.entries(fields)) body.append(key, value);
      return body;
    };
    const fields = { prompts: 'abcdefgh\nabcdefghij', targets: 'openai|gpt-hist', samples: '2', concurrency: '4' };
    expect(await (await t.get('/studies')).text()).toContain('name="intent" value="Estimate"');
    const studiesBefore = await count('batches');
    const estimate = await t.app.request('/studies', { method: 'POST', headers: { 'hx-request': 'true' }, body: form({ ...fields, intent: 'Estimate' }) });
    expect(estimate.status).toBe(200);
    const fragment = await estimate.text();
    expect(fragment).toMatch(/^<div id="study-estimate"/);
    // 4 tasks; 10 input and 80 output tokens at $2 / $10 per million: $0.00082.
    expect(fragment).toContain('4 tasks');
    expect(fragment).toContain('≈ $0.0008');
    expect(fragment).toContain('mean of 3 captured');
    const refused = await t.app.request('/studies', { method: 'POST', headers: { 'hx-request': 'true' }, body: form({ ...fields, samples: '0', intent: 'Estimate' }) });
    expect(refused.status).toBe(400);
    expect(await refused.text()).toMatch(/^<div id="study-estimate".*samples/s);
    expect(await count('batches')).toBe(studiesBefore);
    expect(fake.requestCount).toBe(0);

    const started = await t.app.request('/studies', { method: 'POST', body: form({ ...fields, dry_run_items: '1', budget_usd: '1' }) });
    expect(started.status).toBe(303);
    const id = Number(started.headers.get('location')!.split('/').pop());
    const done = await waitFor(() => progress(id), (p) => p.status !== 'running');
    expect(done).toMatchObject({ status: 'completed', total: 2, dry_run: { items: 1, of_items: 2 }, budget: { budget_usd: 1 } });
    // The study page's cap form: refused below zero, else the cap set.
    const bad = await t.app.request(`/studies/${id}/budget`, { method: 'POST', body: new URLSearchParams({ budget_usd: '-1' }) });
    expect(bad.status).toBe(400);
    const raised = await t.app.request(`/studies/${id}/budget`, { method: 'POST', body: new URLSearchParams({ budget_usd: '2.5' }) });
    expect(raised.status).toBe(303);
    expect((await progress(id)).budget.budget_usd).toBe(2.5);
  });

  it('refuses a cap it could not keep (a target without a price) and bad budget bodies, changing nothing', async () => {
    const studies = await count('batches');
    const unpriced = await t.post('/api/v1/studies', { items, targets: [{ provider: 'openai', model: 'gpt-unpriced' }], budget_usd: 1 });
    expect(unpriced.status).toBe(400);
    expect((await unpriced.json()).error.message).toMatch(/^budget_usd: target 0 \(openai\/gpt-unpriced\) has no price/);
    const negative = await t.post('/api/v1/studies', { items, targets: [{ provider: 'openai', model: 'gpt-priced' }], budget_usd: -1 });
    expect(negative.status).toBe(400);
    expect(JSON.stringify((await negative.json()).error.details)).toMatch(/budget_usd/);
    expect(fake.requestCount).toBe(0);
    expect(await count('batches')).toBe(studies);
    expect((await t.post('/api/v1/studies/999999/budget', { budget_usd: 2 })).status).toBe(404);
    expect((await t.post('/api/v1/studies/1/budget', { budget_usd: 'lots' })).status).toBe(400);

    // A run started without a cap prices none of its tasks: a cap set while it runs is refused.
    fake.setLatency(300);
    const running = await (await t.post('/api/v1/studies', { items, targets: [{ provider: 'openai', model: 'gpt-priced' }], concurrency: 1 })).json();
    const late = await t.post(`/api/v1/studies/${running.id}/budget`, { budget_usd: 1 });
    expect(late.status).toBe(409);
    expect((await late.json()).error.message).toMatch(/running without a cap: cancel it, set budget_usd, then resume/);
    expect((await progress(running.id)).budget.budget_usd).toBeNull();
    await t.post(`/api/v1/studies/${running.id}/cancel`, {});
    await waitFor(() => progress(running.id), (p) => p.status === 'cancelled');
    fake.setLatency(0);
  });
});
