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

  const lastUser = (body: { messages: Array<{ role: string; content: string }> }) => body.messages.filter((m) => m.role === 'user').at(-1)!.content;
  /** The fake model answers each prompt with its list of answers, in turn. */
  const scripted = (answers: Record<string, string[]>) => {
    const seen = new Map<string, number>();
    fake.setReplyPolicy(({ body }) => {
      const prompt = lastUser(body);
      const list = answers[prompt];
      if (!list) return undefined;
      const n = seen.get(prompt) ?? 0;
      seen.set(prompt, n + 1);
      return list[n % list.length];
    });
  };
  const finished = async (res: Response) => {
    expect(res.status).toBe(202);
    const { id } = await res.json();
    await stopped(id);
    expect((await t.post(`/api/v1/studies/${id}/score`, {})).status).toBe(202);
    await t.deps.scoring.idle();
    return id as number;
  };
  const reportOf = async (id: number, query = '') => {
    const res = await t.get(`/api/v1/studies/${id}/report${query}`);
    expect(res.status, await res.clone().text()).toBe(200);
    return res.json();
  };

  it('splits a majority-vote tie evenly, and votes on the number the numeric scorer compares', async () => {
    fake.reset();
    scripted({ 'Is it raining?': ['yes', 'no', 'Yes.', 'No'], 'What is 40+2?': ['42', '42.', 'The answer is 42', '41'] });
    const id = await finished(await t.post('/api/v1/studies', {
      items: [{ id: 'rain', prompt: 'Is it raining?', expected: 'yes' }, { id: 'sum', prompt: 'What is 40+2?', expected: 42 }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 4,
      concurrency: 1,
      scorers: [{ name: 'answer', type: 'normalized_exact' }, { name: 'number', type: 'numeric' }],
    }));
    const text = await reportOf(id, '?scorer=answer');
    const [rain, sum] = text.items.rows;
    // "yes"/"Yes." and "no"/"No" tie 2–2: sorting would have handed the item to "no"; the vote earns half of it.
    expect(rain.cells[0]).toMatchObject({ modal: { answers: ['no', 'yes'], count: 2, share: 0.5 }, majority_credit: 0.5, majority_correct: null, entropy_bits: 1 });
    expect(text.targets[0].majority).toMatchObject({ items: 2, credit: 1.5, tied_items: 1, estimate: 0.75 });
    // The numeric scorer compares the number: "42", "42." and "The answer is 42" are one answer.
    const number = await reportOf(id, '?scorer=number');
    expect(number.items.rows[1].cells[0]).toMatchObject({
      distribution: [{ answer: '42', count: 3, passes: 3, scored: 3 }, { answer: '41', count: 1, passes: 0, scored: 1 }],
      modal: { answers: ['42'], count: 3, share: 0.75 },
      majority_credit: 1,
    });
    // The rain item has no number in any answer: one answer (nothing extracted) four times, which nothing can score.
    expect(number.items.rows[0].cells[0]).toMatchObject({ distribution: [{ answer: null, count: 4, scored: 0 }], majority_credit: null });
    expect(number.targets[0]).toMatchObject({ self_consistency: (1 + 0.75) / 2, majority: { items: 1, credit: 1 }, coverage: { items: 2, answered: 2, scored: 1 } });
    expect(number.targets[0].mean_entropy_bits).toBeCloseTo((0 + -(0.75 * Math.log2(0.75) + 0.25 * Math.log2(0.25))) / 2, 12);
    expect(sum.cells[0].distribution.map((d: { answer: string }) => d.answer)).toEqual(['42', '41', 'the answer is 42']);
  });

  it('warns when a contains scorer passes the question itself on most items, on the report and the page', async () => {
    fake.reset();
    const items = [
      { prompt: 'Is Paris the capital of France?', expected: 'Paris' },
      { prompt: 'Is Lima the capital of Peru?', expected: 'Lima' },
      { prompt: 'Is Ottawa the capital of Canada?', expected: 'Ottawa' },
      { prompt: 'What is the capital of Japan?', expected: 'Tokyo' },
    ];
    const id = await finished(await t.post('/api/v1/studies', { items, targets: [{ provider: 'echo' }], samples: 2, scorers: [{ name: 'mentions', type: 'contains' }, { name: 'same', type: 'exact' }] }));
    const report = await reportOf(id, '?scorer=mentions');
    // echo repeats the question, and passes three items of four.
    expect(report.targets[0].passes).toBe(6);
    expect(report.warnings).toEqual([
      {
        code: 'prompt_passes_scorer',
        scorer: 'mentions',
        version: 1,
        kind: 'contains',
        items_checked: 4,
        items_passing: 3,
        share: 0.75,
        message: expect.stringMatching(/^Scorer "mentions" \(contains\) passes the question itself on 3 of 4 items checked \(75%\): the expected answer occurs verbatim in the prompt as sent/),
      },
    ]);
    const page = await (await t.get(`/studies/${id}`)).text();
    expect(page).toContain('Scorer &quot;mentions&quot; (contains) passes the question itself on 3 of 4 items checked (75%)');
  });

  it('takes a primary contrast and a clustering field as study options, and refuses ones that do not fit', async () => {
    fake.reset();
    const items = Array.from({ length: 12 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, expected: i % 3 ? `reply to: question ${i}` : 'x', fields: { passage: `p${i % 4}` } }));
    const base = { items, targets: [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test' }, { provider: 'openai', model: 'gpt-other' }], samples: 2, scorers: [{ type: 'exact' }] };
    const refused = async (body: unknown, message: RegExp) => {
      const res = await t.post('/api/v1/studies', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.message).toMatch(message);
    };
    await refused({ ...base, primary: [0, 3] }, /^primary\.1: there is no target 3: the study has 3 \(indexes 0 to 2, after the sweep\)/);
    await refused({ ...base, primary: [1, 1] }, /^primary: name two different targets/);
    await refused({ ...base, primary: [0] }, /^primary/);
    await refused({ ...base, cluster_by: 'source' }, /^cluster_by: item 0 has no value for the field "source": every item needs one/);
    await refused({ ...base, cluster_by: 'a b' }, /^cluster_by: is not a field name/);

    const id = await finished(await t.post('/api/v1/studies', { ...base, primary: [2, 0], cluster_by: 'passage' }));
    const report = await reportOf(id);
    expect(report.cluster_by).toBe('passage');
    expect(report.targets[1].accuracy).toMatchObject({ cluster_by: 'passage', clusters: 4, items: 12, method: 'wilson-clusters' });
    expect(report.pairs.map((p: { a: number; b: number; primary: boolean }) => [p.a, p.b, p.primary])).toEqual([[2, 0, true], [0, 1, false], [1, 2, false]]);
    expect(report.pairs[0].accuracy_difference).toMatchObject({ items: 12, p_adjusted: null });
    expect(report.comparisons).toMatchObject({ adjust: 'holm', family_size: 2, primary: [2, 0] });
    expect((await reportOf(id, '?cluster_by=')).targets[1].accuracy).toMatchObject({ cluster_by: null, clusters: 12, method: 'clustered-t' });
    expect((await reportOf(id, '?adjust=bh&effect=0.1')).comparisons).toMatchObject({ adjust: 'bh', effect: 0.1 });
    for (const [query, field] of [['?adjust=bonferroni', 'adjust'], ['?effect=0', 'effect'], ['?effect=2', 'effect'], ['?cluster_by=a%20b', 'cluster_by'], ['?cluster_by=source', 'cluster_by']]) {
      const res = await t.get(`/api/v1/studies/${id}/report${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.message, query).toMatch(new RegExp(`^${field}`));
    }
    const page = await (await t.get(`/studies/${id}`)).text();
    expect(page).toContain('accuracy (over items)');
    expect(page).toContain('the primary contrast 2 − 0 is reported unadjusted');
    expect(page).toContain('class="badge" title="the study&#39;s primary contrast: reported unadjusted, outside the family">primary</span>');
    // The primary pair's p-value is shown unadjusted and says so; the others are coloured by their adjusted value, method named.
    expect(page).toContain('unadjusted (primary)</span>');
    expect(page).toContain('p · p_adjusted (Holm)');
    expect(page).toMatch(/over <strong>12<\/strong>\/12 items in 4 clusters \(passage\)/);
    expect(page).toContain('<summary>How to read these numbers</summary>');
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
    const study = doc.paths['/api/v1/studies'].post.requestBody.content['application/json'].schema.properties;
    expect(study).toHaveProperty('sweep');
    expect(study.cluster_by.description).toMatch(/one cluster/);
    expect(study.primary.description).toMatch(/primary contrast/);
    // Every figure says what it estimates and over which population.
    const accuracy = doc.components.schemas.ItemAccuracy;
    expect(accuracy.description).toMatch(/over items/);
    expect(accuracy.properties.estimate.description).toMatch(/population of items/);
    expect(accuracy.properties.se.description).toMatch(/not over samples/);
    const report = doc.components.schemas.StudyReport.properties;
    expect(report.targets.items.properties.accuracy_samples_wilson.description).toMatch(/as if every sample were an independent trial/);
    expect(report.pairs.items.properties.accuracy_difference.properties.p_adjusted.description).toMatch(/adjusted over the family/);
    const parameters = doc.paths['/api/v1/studies/{id}/report'].get.parameters.map((p: { name: string }) => p.name);
    expect(parameters).toEqual(expect.arrayContaining(['cluster_by', 'adjust', 'effect']));
  });
});
