// Prompt variants through HTTP: two templates × two targets make four columns, compared pair by pair
// with the paired item-level statistics; and the checks that refuse a bad set of variants.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';
import { taskCostPlan } from '../../src/studies/budget/cost-plan';

const TERSE = 'Answer yes or no: {user_input}';
const PLAIN = '{user_input}';

describe('prompt variants', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-variants-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', MAX_STUDY_PROMPT_BYTES: '20000' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const stopped = (id: number) => waitFor(() => progress(id), (p) => p.status !== 'running' && p.status !== 'cancelling');
  const studyRows = async () => Number((await t.deps.database.client.execute('SELECT count(*) AS n FROM batches')).rows[0]!.n);

  it('crosses two templates with two targets: four columns, and variant A vs B of one model compared item by item', async () => {
    fake.reset();
    // Through the terse template every answer is "yes" (right). Plain: gpt-a answers only q3 right, gpt-b all but q2.
    fake.setReplyPolicy(({ body }) => {
      const content: string = body.messages.at(-1).content;
      if (content.startsWith('Answer yes or no: ')) return 'yes';
      if (body.model === 'gpt-a') return content === 'q3' ? 'yes' : 'no';
      return content === 'q2' ? 'no' : 'yes';
    });
    const res = await t.post('/api/v1/studies', {
      items: ['q1', 'q2', 'q3'].map((prompt) => ({ id: prompt, prompt, expected: 'yes' })),
      targets: [{ provider: 'openai', model: 'gpt-a' }, { provider: 'openai', model: 'gpt-b' }],
      prompts: [{ name: 'terse', template: TERSE }, { name: 'plain', template: PLAIN }],
      samples: 1,
      concurrency: 2,
      scorers: [{ type: 'exact' }],
    });
    expect(res.status).toBe(202);
    const started = await res.json();
    expect(started.targets).toEqual([
      { provider: 'openai', model: 'gpt-a', params: {}, prompt_name: 'terse' },
      { provider: 'openai', model: 'gpt-a', params: {}, prompt_name: 'plain' },
      { provider: 'openai', model: 'gpt-b', params: {}, prompt_name: 'terse' },
      { provider: 'openai', model: 'gpt-b', params: {}, prompt_name: 'plain' },
    ]);
    expect(started.total).toBe(12);
    expect(await stopped(started.id)).toMatchObject({ status: 'completed', done: 12 });
    // Each column sent its own template.
    const sent = fake.requests.map((r) => `${r.body.model}|${r.body.messages.at(-1).content}`).sort();
    expect(sent).toEqual(['gpt-a|Answer yes or no: q1', 'gpt-a|Answer yes or no: q2', 'gpt-a|Answer yes or no: q3', 'gpt-a|q1', 'gpt-a|q2', 'gpt-a|q3',
      'gpt-b|Answer yes or no: q1', 'gpt-b|Answer yes or no: q2', 'gpt-b|Answer yes or no: q3', 'gpt-b|q1', 'gpt-b|q2', 'gpt-b|q3']);
    expect((await t.post(`/api/v1/studies/${started.id}/score`, {})).status).toBe(202);
    await waitFor(async () => (await t.get(`/api/v1/studies/${started.id}/report`)).json(), (r) => r.scorer !== null && r.targets[0].scored === 3);

    const report = await (await t.get(`/api/v1/studies/${started.id}/report`)).json();
    expect(report.targets.map((target: { label: string }) => target.label)).toEqual([
      'openai/gpt-a · terse', 'openai/gpt-a · plain', 'openai/gpt-b · terse', 'openai/gpt-b · plain',
    ]);
    expect(report.targets.map((target: { passes: number }) => target.passes)).toEqual([3, 1, 3, 2]);
    expect(report.pairs).toHaveLength(6);
    const pair = (a: number, b: number) => report.pairs.find((p: { a: number; b: number }) => p.a === a && p.b === b);

    // By hand. gpt-a terse − plain over q1..q3: d = (1, 1, 0); d̄ = 2/3, s_d = √(1/3), SE = s_d/√3 = 1/3,
    // t = 2 on 2 df: two-sided p = 1 − t/√(2 + t²) = 1 − 2/√6; interval 2/3 ± t(.975, 2)·SE, t(.975, 2) = 4.302653, kept within [−1, 1].
    const terseVsPlain = pair(0, 1).accuracy_difference;
    expect(terseVsPlain).toMatchObject({ items: 3, method: 'paired-t' });
    expect(terseVsPlain.difference).toBeCloseTo(2 / 3, 12);
    expect(terseVsPlain.sd).toBeCloseTo(Math.sqrt(1 / 3), 12);
    expect(terseVsPlain.p_value).toBeCloseTo(1 - 2 / Math.sqrt(6), 6);
    expect(terseVsPlain.low).toBeCloseTo(2 / 3 - 4.302653 / 3, 5);
    expect(terseVsPlain.high).toBe(1);
    // gpt-b terse − plain: d = (0, 1, 0); d̄ = 1/3, s_d = √(1/3), t = 1: p = 1 − 1/√3.
    const gptB = pair(2, 3).accuracy_difference;
    expect(gptB.difference).toBeCloseTo(1 / 3, 12);
    expect(gptB.p_value).toBeCloseTo(1 - 1 / Math.sqrt(3), 6);
    // 1/3 ± 1.434: both ends kept within [−1, 1].
    expect([gptB.low, gptB.high]).toEqual([-1, 1]);
    // The two terse columns agree everywhere: the sign test's p of 1.
    expect(pair(0, 2).accuracy_difference).toMatchObject({ difference: 0, method: 'sign-test', p_value: 1 });
    // Holm over the 6 pairs: the smallest p (1 − 2/√6 ≈ 0.18, twice) × 6 exceeds 1, so every adjusted p is 1.
    expect(report.pairs.map((p: { accuracy_difference: { p_adjusted: number } }) => p.accuracy_difference.p_adjusted)).toEqual([1, 1, 1, 1, 1, 1]);
    // Benjamini–Hochberg: p sorted (a, a, b, b, b, 1) with a = 1 − 2/√6, b = 1 − 1/√3: q = min over l ≥ j of 6·p_(l)/l = 6b/5 for all but the last.
    const bh = await (await t.get(`/api/v1/studies/${started.id}/report?adjust=bh`)).json();
    const q = bh.pairs.find((p: { a: number; b: number }) => p.a === 0 && p.b === 1).accuracy_difference.p_adjusted;
    expect(q).toBeCloseTo((6 * (1 - 1 / Math.sqrt(3))) / 5, 6);

    // The page labels each column "model · variant".
    const page = await (await t.get(`/studies/${started.id}`)).text();
    expect(page).toContain('openai/gpt-a · terse');
    expect(page).toContain('openai/gpt-b · plain');
  });

  it('estimates every variant as a column of its own, its input tokens through its own template', async () => {
    fake.reset();
    const before = await studyRows();
    const res = await t.post('/api/v1/studies/estimate', {
      items: [{ prompt: 'q1' }, { prompt: 'q22' }],
      targets: [{ provider: 'openai', model: 'gpt-a' }],
      prompts: [{ name: 'terse', template: TERSE }, { name: 'plain', template: PLAIN }],
      samples: 3,
    });
    expect(res.status).toBe(200);
    const estimate = await res.json();
    expect(estimate).toMatchObject({ tasks: 12, targets: 2 });
    // UTF-8 bytes / 4, rounded up per item: "Answer yes or no: q1" (20) → 5, "…q22" (21) → 6; plain: "q1" → 1, "q22" → 1.
    expect(estimate.by_target.map((target: { prompt_name: string; tasks: number; input_tokens: number }) => [target.prompt_name, target.tasks, target.input_tokens])).toEqual([
      ['terse', 6, (5 + 6) * 3],
      ['plain', 6, (1 + 1) * 3],
    ]);
    expect(fake.requests).toHaveLength(0);
    expect(await studyRows()).toBe(before);
  });

  it('reserves a capped task at the input of its own variant\'s template', async () => {
    expect((await t.post('/api/v1/prices', { provider: 'openai', model: 'gpt-cost', input_usd_per_million: 1_000_000, output_usd_per_million: 0, effective_from: '2020-01-01' })).status).toBeLessThan(300);
    const study = {
      template: null,
      targetsJson: [
        { provider: 'openai', model: 'gpt-cost', params: { max_tokens: 1 }, prompt_name: 'long' },
        { provider: 'openai', model: 'gpt-cost', params: { max_tokens: 1 }, prompt_name: 'short' },
      ],
      optionsJson: { prompts: [{ name: 'long', template: `${'x'.repeat(396)}{user_input}` }, { name: 'short', template: '{user_input}' }] },
    };
    const cost = await taskCostPlan({ db: t.deps.database.db }, study);
    // $1 a token: "…396 x…" + "abcd" is 400 bytes → 100 tokens; "abcd" alone → 1 token.
    expect(cost({ prompt: 'abcd', targetIndex: 0 })).toBeCloseTo(100, 9);
    expect(cost({ prompt: 'abcd', targetIndex: 1 })).toBeCloseTo(1, 9);
  });

  it('keeps a single template working as before', async () => {
    fake.reset();
    const res = await t.post('/api/v1/studies', { items: [{ prompt: 'hi' }], targets: [{ provider: 'openai', model: 'gpt-a' }], template: 'Say: {user_input}', samples: 1 });
    expect(res.status).toBe(202);
    const started = await res.json();
    expect(started.targets).toEqual([{ provider: 'openai', model: 'gpt-a', params: {} }]);
    await stopped(started.id);
    expect(fake.requests.map((r) => r.body.messages.at(-1).content)).toEqual(['Say: hi']);
  });

  it('refuses template and prompts together, duplicate or bad names and too many variants, storing nothing', async () => {
    const base = { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }] };
    const before = await studyRows();
    const calls = await countCalls(t);
    const refused = async (body: unknown, message: RegExp) => {
      const res = await t.post('/api/v1/studies', body);
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      const { error } = await res.json();
      expect(error.message).toMatch(message);
    };
    await refused({ ...base, template: '{user_input}', prompts: [{ name: 'a', template: '{user_input}' }] }, /^prompts: give one template, or prompt variants \(prompts\), not both/);
    await refused({ ...base, prompts: [{ name: 'a', template: 'A {user_input}' }, { name: 'a', template: 'B {user_input}' }] }, /^prompts\.1\.name: two prompt variants are called "a"/);
    await refused({ ...base, prompts: [{ name: '', template: 'A' }] }, /^prompts\.0\.name: /);
    await refused({ ...base, prompts: [{ name: 'a', template: '' }] }, /^prompts\.0\.template: /);
    await refused({ ...base, prompts: [] }, /^prompts: /);
    await refused({ ...base, prompts: Array.from({ length: 17 }, (_, i) => ({ name: `v${i}`, template: `${i}: {user_input}` })) }, /^prompts: /);
    await refused({ ...base, prompts: [{ name: 'a', template: 'x', extra: 1 }] }, /^prompts\.0: /);
    // 7 targets × 16 variants = 112 columns: over the 100 a study may have.
    await refused(
      { ...base, targets: Array(7).fill({ provider: 'echo' }), prompts: Array.from({ length: 16 }, (_, i) => ({ name: `v${i}`, template: `${i}: {user_input}` })) },
      /^prompts: targets × sweep combinations × prompt variants is 112; at most 100/,
    );
    expect(await studyRows()).toBe(before);
    expect(await countCalls(t)).toBe(calls);
  });

  it('counts every variant against MAX_STUDY_PROMPT_BYTES before anything is stored', async () => {
    const before = await studyRows();
    // One 4,000-byte prompt: about 4 KB per task. Through one template, 4 tasks fit under 20,000 bytes;
    // through two variants of the same size, the 8 tasks do not.
    const prompt = 'p'.repeat(4_000);
    const targets = [{ provider: 'echo' }, { provider: 'echo' }];
    const one = await t.post('/api/v1/studies', { items: [{ prompt }], targets, template: 'A {user_input}', samples: 2 });
    expect(one.status).toBe(202);
    await stopped((await one.json()).id);
    const res = await t.post('/api/v1/studies', { items: [{ prompt }], targets, prompts: [{ name: 'a', template: 'A {user_input}' }, { name: 'b', template: 'B {user_input}' }], samples: 2 });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toMatch(/^items: the prompts of items 1–1 × 8 tasks each \(targets × samples × 2 prompt variants\) already come to [\d,]+ bytes; at most 20,000 per study.*MAX_STUDY_PROMPT_BYTES/);
    expect(await studyRows()).toBe(before + 1);
  });
});
