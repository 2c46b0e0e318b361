// A study's prompts are filled once and measured before it is created: a template that repeats
// {user_input} thousands of times, or vars that name each other, can no longer stall the server,
// exhaust its memory or leave a study that cannot be shown. Refused on the API, the Studies form and
// the service the Workers queue shares — nothing created, no provider called.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import type { StudyExecutor } from '../../src/studies/runner/runner';
import { startStudy } from '../../src/studies/service';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const AMPLIFIED = { items: [{ id: 'big', prompt: 'x'.repeat(100_000) }], template: '{user_input}'.repeat(5_000) };

describe('study prompts are bounded before a study is created', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-prompt-bounds', OPENAI_BASE_URL: fake.url, MAX_STUDY_PROMPT_BYTES: '1000000' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const rowCounts = async () => {
    const counts: Record<string, number> = {};
    for (const table of ['groups', 'batches', 'batch_items', 'batch_tasks', 'raw_calls']) {
      counts[table] = Number((await t.deps.database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);
    }
    return counts;
  };
  const targets = [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test' }];

  it('refuses a template that repeats {user_input} 5,000 times over a 100 KB prompt, naming the item, the placeholder and MAX_INFERENCE_BYTES', async () => {
    const before = await rowCounts();
    const started = performance.now();
    const res = await t.post('/api/v1/studies', { ...AMPLIFIED, targets });
    expect(performance.now() - started).toBeLessThan(5_000);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('limit_exceeded');
    expect(error.message).toContain('items.0');
    expect(error.message).toContain('"big"');
    expect(error.message).toContain('{user_input} appears 5,000 times in the template');
    expect(error.message).toContain('MAX_INFERENCE_BYTES');
    expect(error.details[0]).toMatchObject({ path: 'items.0', limit: 'MAX_INFERENCE_BYTES' });
    expect(await rowCounts()).toEqual(before);
    expect(fake.requests).toEqual([]);
  });

  it('refuses a study whose prompts together exceed MAX_STUDY_PROMPT_BYTES (items × targets × samples)', async () => {
    const before = await rowCounts();
    // 20 items of ~10 KB × 2 targets × 3 samples ≈ 1.2 MB, over the 1,000,000 configured here.
    const items = Array.from({ length: 20 }, (_, i) => ({ prompt: `${i} ${'y'.repeat(10_000)}` }));
    const res = await t.post('/api/v1/studies', { items, targets, samples: 3 });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.code).toBe('limit_exceeded');
    expect(error.message).toContain('MAX_STUDY_PROMPT_BYTES');
    expect(await rowCounts()).toEqual(before);
    expect(fake.requests).toEqual([]);
    // The same items with one sample fit.
    const fits = await t.post('/api/v1/studies', { items: items.slice(0, 10), targets: [{ provider: 'echo' }], samples: 1 });
    expect(fits.status).toBe(202);
  });

  it('fills vars that name each other once: 386 bytes of vars make a prompt of that order, sent as written', async () => {
    const vars = { a: '{b}'.repeat(40), b: '{c}'.repeat(40), c: '{a}'.repeat(40) };
    const res = await t.post('/api/v1/studies', { items: [{ id: 'loop', prompt: '{a}|{b}|{c}', vars }], targets: [{ provider: 'openai', model: 'gpt-test' }] });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    await waitFor(() => t.get(`/api/v1/studies/${id}`).then((r) => r.json()), (p) => p.status === 'completed');
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body.messages).toEqual([{ role: 'user', content: `${vars.a}|${vars.b}|${vars.c}` }]);
  });

  it('refuses the same study from the Studies form, with the message on the page', async () => {
    const before = await rowCounts();
    const form = new FormData();
    form.append('prompts', 'x'.repeat(100_000));
    form.append('template', '{user_input}'.repeat(5_000));
    form.append('targets', 'openai|gpt-test');
    const res = await t.app.request('/studies', { method: 'POST', body: form });
    expect(res.status).toBe(400);
    const page = await res.text();
    expect(page).toContain('items.0');
    expect(page).toContain('MAX_INFERENCE_BYTES');
    expect(await rowCounts()).toEqual(before);
    expect(fake.requests).toEqual([]);
  });

  it('refuses the same template on /api/v1/inference before building it (it answered 500)', async () => {
    const before = await rowCounts();
    const res = await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt: 'x'.repeat(1_000_000), template: '{user_input}'.repeat(8_000) });
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error).toMatchObject({ code: 'limit_exceeded', details: [{ path: 'template', limit: 'MAX_INFERENCE_BYTES' }] });
    expect(error.message).toContain('{user_input} appears 8,000 times in the template');
    expect(await rowCounts()).toEqual(before);
    expect(fake.requests).toEqual([]);
    const fits = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'Paris?', template: 'Q: {user_input} A:' });
    expect((await fits.json()).calls[0].text).toContain('Q: Paris? A:');
  });

  it('refuses it in the service the Workers queue shares: the executor is never asked to launch', async () => {
    const launched: number[] = [];
    const executor: StudyExecutor = {
      runner: 'test-queue',
      staleAfterMs: 30_000,
      cancelWaitsForTasksInFlight: false,
      runIsGone: () => false,
      isRunningHere: () => false,
      launch: async (batchId) => void launched.push(batchId),
      stop: () => undefined,
      stats: () => undefined,
    };
    const before = await rowCounts();
    const ctx = { ...serviceContext(t.deps), studies: executor };
    await expect(startStudy(ctx, { ...AMPLIFIED, targets: [{ provider: 'echo' }], samples: 1, concurrency: 1 })).rejects.toMatchObject({
      status: 400,
      code: 'limit_exceeded',
    });
    expect(launched).toEqual([]);
    expect(await rowCounts()).toEqual(before);
  });
});
