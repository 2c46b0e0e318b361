// Studies through HTTP: sweeps expanding into targets, the report of a study cut short (failures and
// pending tasks), the study page and its cells, labels with who gave them, and the scored export.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('studies through HTTP', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-report-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', MAX_BATCH_TASKS: '2000' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const stopped = (id: number) => waitFor(() => progress(id), (p) => p.status !== 'running' && p.status !== 'cancelling');

  it('expands a sweep into one target per combination, each sending its own parameters', async () => {
    fake.reset();
    const res = await t.post('/api/v1/studies', {
      items: [{ prompt: 'Name a colour.' }],
      targets: [{ provider: 'openai', model: 'gpt-test', params: { temperature: 2, seed: 1 } }],
      sweep: { temperature: [0, 0.7], top_p: [1, 0.9] },
      samples: 1,
      concurrency: 1,
    });
    expect(res.status).toBe(202);
    const { id, targets } = await res.json();
    expect(targets).toEqual([
      { provider: 'openai', model: 'gpt-test', params: { temperature: 0, top_p: 1, seed: 1 }, sweep: { temperature: 0, top_p: 1 } },
      { provider: 'openai', model: 'gpt-test', params: { temperature: 0, top_p: 0.9, seed: 1 }, sweep: { temperature: 0, top_p: 0.9 } },
      { provider: 'openai', model: 'gpt-test', params: { temperature: 0.7, top_p: 1, seed: 1 }, sweep: { temperature: 0.7, top_p: 1 } },
      { provider: 'openai', model: 'gpt-test', params: { temperature: 0.7, top_p: 0.9, seed: 1 }, sweep: { temperature: 0.7, top_p: 0.9 } },
    ]);
    await stopped(id);
    expect(fake.requests.map((r) => [r.body.temperature, r.body.top_p, r.body.seed])).toEqual([[0, 1, 1], [0, 0.9, 1], [0.7, 1, 1], [0.7, 0.9, 1]]);
    const report = await (await t.get(`/api/v1/studies/${id}/report`)).json();
    expect(report.targets.map((target: { label: string }) => target.label)).toEqual([
      'openai/gpt-test · temperature=0 top_p=1',
      'openai/gpt-test · temperature=0 top_p=0.9',
      'openai/gpt-test · temperature=0.7 top_p=1',
      'openai/gpt-test · temperature=0.7 top_p=0.9',
    ]);
  });

  it('refuses a sweep that is not valid or too large, naming the field', async () => {
    const base = { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }] };
    const refused = async (body: unknown, message: RegExp) => {
      const res = await t.post('/api/v1/studies', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
    };
    await refused({ ...base, sweep: { temperature: [0, 3] } }, /^sweep\.temperature\.1: /);
    await refused({ ...base, sweep: { stream: [true] } }, /^sweep\.stream\.0: streaming is offered by the gateway/);
    await refused({ ...base, sweep: { temperature: [0.5, 0.5] } }, /^sweep\.temperature: values must be distinct/);
    await refused({ ...base, sweep: { temperature: [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8], top_p: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8] } }, /72 combinations; at most 64/);
    await refused({ ...base, targets: Array(20).fill({ provider: 'echo' }), sweep: { seed: [1, 2, 3, 4, 5, 6] } }, /targets × sweep combinations is 120; at most 100/);
    await refused({ ...base, items: Array(300).fill({ prompt: 'x' }), sweep: { seed: [1, 2, 3, 4, 5, 6, 7] }, samples: 1 }, /2,100; at most 2,000 .*MAX_BATCH_TASKS/);
  });

  it('reports a study cut short: failed tasks, pending tasks and the answers it has', async () => {
    fake.reset();
    fake.setLatency(150);
    fake.setFaultPolicy((req) => (req.body.messages.at(-1).content === 'two' ? { kind: 'status', status: 500 } : undefined));
    const { id } = await (await t.post('/api/v1/studies', {
      items: [{ id: 'one', prompt: 'one', expected: 'reply to: one' }, { id: 'two', prompt: 'two', expected: 'x' }, { id: 'three', prompt: 'three', expected: 'x' }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
      concurrency: 1,
      scorers: [{ type: 'exact' }],
      seed: 42,
    })).json();
    // Tasks run in the study's seeded order: seed 42 runs items "one" and "two" (shuffled) before both samples of "three".
    const order = await t.deps.database.client.execute({
      sql: 'SELECT i.item_key FROM batch_task_order o JOIN batch_tasks k ON k.batch_id = o.batch_id AND k.ordinal = o.ordinal JOIN batch_items i ON i.id = k.item_id WHERE o.batch_id = ? ORDER BY o.run_order',
      args: [id],
    });
    expect(order.rows.slice(4).map((r) => r.item_key)).toEqual(['three', 'three']);
    await waitFor(() => progress(id), (p) => p.done + p.failed >= 4);
    await t.post(`/api/v1/studies/${id}/cancel`, {});
    await stopped(id);
    fake.setFaultPolicy(undefined);
    fake.setLatency(0);
    expect((await t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
    await t.deps.scoring.idle();
    const report = await (await t.get(`/api/v1/studies/${id}/report`)).json();
    expect(report.progress).toMatchObject({ status: 'cancelled', total: 6 });
    // The cancel lets the task in flight finish: item "three" has one answer or none, the rest is pending.
    const [target] = report.targets;
    const pending = target.pending;
    expect(pending).toBeGreaterThanOrEqual(1);
    expect(target).toMatchObject({ tasks: 6, success: 4 - pending, failed: 2, scored: 4 - pending, passes: 2 });
    expect(target.failure_rate).toBeCloseTo(2 / (6 - pending), 12);
    expect(target.accuracy.estimate).toBeCloseTo(2 / (4 - pending), 12);
    const [one, two, three] = report.items.rows;
    expect(one.cells[0]).toMatchObject({ tasks: 2, success: 2, failed: 0, pending: 0, pass_rate: 1, majority_correct: true });
    expect(two.cells[0]).toMatchObject({ tasks: 2, success: 0, failed: 2, pending: 0 });
    expect(two.cells[0].n).toBeUndefined();
    expect(three.cells[0]).toMatchObject({ tasks: 2, success: 2 - pending, failed: 0, pending });
    const page = await t.get(`/studies/${id}`);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('2 failed');
    expect(html).toContain(`${pending} pending`);
  });

  it('pages the matrix, opens a cell, labels with the session that gave the label, and exports the scored results', async () => {
    const login = createTestApp({ STUDY_ACCESS_TOKEN: 'study-token-report-1234', ALLOWED_HOSTS: 'localhost' });
    const s = await login;
    try {
      const auth = { authorization: 'Bearer study-token-report-1234' };
      const items = Array.from({ length: 120 }, (_, i) => ({ id: `q${i}`, prompt: i === 0 ? '=cmd|calc' : `question ${i}`, expected: `echo: question ${i}`, fields: { half: i < 60 ? 'a' : 'b' } }));
      const { id } = await (await s.post('/api/v1/studies', { items, targets: [{ provider: 'echo' }], samples: 2, scorers: [{ type: 'exact' }] }, auth)).json();
      await waitFor(async () => (await s.get(`/api/v1/studies/${id}`, auth)).json(), (p) => p.status === 'completed');
      await s.post(`/api/v1/studies/${id}/score`, {}, auth);
      await s.deps.scoring.idle();

      const signIn = await s.app.request('http://localhost/login', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'http://localhost' },
        body: new URLSearchParams({ token: 'study-token-report-1234', next: '/' }).toString(),
      });
      const cookie = signIn.headers.get('set-cookie')!.split(';')[0]!;
      const page = async (path: string, headers: Record<string, string> = {}) => s.app.request(`http://localhost${path}`, { headers: { cookie, ...headers } });
      const first = await (await page(`/studies/${id}`)).text();
      expect(first.match(/<tr class="[^"]*"><th class="item-head"/g)).toHaveLength(50);
      expect(first).toContain('items 1–50 of 120');
      const third = await (await page(`/studies/${id}?offset=100`)).text();
      expect(third).toContain('items 101–120 of 120');
      expect((await (await page(`/studies/${id}?field=half&value=b`)).text())).toContain('items 1–50 of 60');

      // q1, whose answers the exact scorer passes.
      const report = await (await s.get(`/api/v1/studies/${id}/report?limit=2`, auth)).json();
      const itemId = report.items.rows[1].item_id;
      const panel = await (await page(`/studies/${id}/cells/${itemId}/0`, { 'hx-request': 'true' })).text();
      expect(panel).toContain('class="panel cell-panel"');
      expect(panel).not.toContain('<html');
      expect(panel.match(/<tr data-label-row/g)).toHaveLength(2);
      const callId = Number(/hx-post="\/calls\/(\d+)\/label"/.exec(panel)![1]);
      const labelled = await s.app.request(`http://localhost/calls/${callId}/label`, {
        method: 'POST',
        headers: { cookie, origin: 'http://localhost', 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
        body: new URLSearchParams({ pass: '0', scorer: 'exact', version: '1' }).toString(),
      });
      expect(labelled.status).toBe(200);
      expect(await labelled.text()).toContain('≠ exact');
      const scores = await (await s.get(`/api/v1/calls/${callId}/scores`, auth)).json();
      expect(scores.human).toMatchObject({ pass: false, created_by: expect.stringMatching(/^session:[\w-]{16}$/) });
      // Through the API with the bearer token there is no session to name.
      const viaApi = await (await s.post(`/api/v1/calls/${callId}/scores`, { pass: true }, auth)).json();
      expect(viaApi.human.created_by).toBeNull();

      const csv = await (await s.get(`/api/v1/studies/${id}/export?format=csv`, auth)).text();
      const lines = csv.trim().split('\n');
      expect(lines).toHaveLength(241);
      expect(lines[0]).toBe(
        'item_key,item_position,prompt,expected,fields,target_index,target,provider,model,params,sample_index,status,call_id,answer,error_class,latency_ms,prompt_tokens,completion_tokens,cost_usd,exact.version,exact.pass,exact.value,exact.label,exact.answer,human.pass,human.value,human.label,human.by',
      );
      // A prompt that would run as a spreadsheet formula is neutralised.
      expect(lines[1]).toMatch(/^q0,0,'=cmd\|calc,/);
      const jsonl = (await (await s.get(`/api/v1/studies/${id}/export?format=jsonl`, auth)).text()).trim().split('\n').map((line) => JSON.parse(line));
      expect(jsonl).toHaveLength(240);
      const row = jsonl.find((r) => r.call_id === callId);
      expect(row).toMatchObject({ status: 'success', scores: { exact: { version: 1, pass: true } }, human: { pass: true, label: 'pass' }, fields: { half: 'a' } });
      expect(jsonl[3]).toMatchObject({ item_key: 'q1', sample_index: 1, answer: 'echo: question 1', scores: { exact: { pass: true, answer: 'echo: question 1' } } });
      expect((await s.get(`/api/v1/studies/${id}/export?format=xlsx`, auth)).status).toBe(400);
      expect((await s.get(`/api/v1/studies/${id}/report?limit=5000`, auth)).status).toBe(400);
    } finally {
      s.close();
    }
  });

  it('describes the study routes in the OpenAPI document', async () => {
    const doc = await (await t.get('/api/v1/openapi.json')).json();
    for (const path of ['/api/v1/studies', '/api/v1/studies/{id}/report', '/api/v1/studies/{id}/score', '/api/v1/studies/{id}/scoring/{run}', '/api/v1/studies/{id}/export', '/api/v1/calls/{id}/scores']) {
      expect(doc.paths, path).toHaveProperty([path]);
    }
    const scorer = doc.paths['/api/v1/studies/{id}/score'].post.requestBody.content['application/json'].schema.properties.scorers.items.oneOf;
    expect(scorer.map((variant: { properties: { type: { const: string } } }) => variant.properties.type.const)).toEqual([
      'exact', 'normalized_exact', 'contains', 'regex', 'numeric', 'valid_json', 'json_schema', 'semantic', 'llm_judge',
    ]);
    expect(doc.paths['/api/v1/studies'].post.requestBody.content['application/json'].schema.properties).toHaveProperty('sweep');
  });
});
