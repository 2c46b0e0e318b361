import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('in-flight dedup', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ latencyMs: 150 });
    t = await createTestApp({ OPENAI_API_KEY: 'sk-dedup-test-key', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const body = { provider: 'openai', model: 'gpt-test', prompt: 'same question', params: { temperature: 0.7 } };
  const detail = async (id: number) => (await (await t.get(`/api/v1/calls/${id}`)).json()).call;

  it('makes one provider call for 5 identical concurrent requests, and captures 5 rows', async () => {
    const responses = await Promise.all(Array.from({ length: 5 }, () => t.post('/api/v1/inference', body)));
    const calls = (await Promise.all(responses.map((r) => r.json()))).map((b) => b.calls[0]);
    expect(fake.requests).toHaveLength(1);
    expect(new Set(calls.map((c) => c.id)).size).toBe(5);
    expect(calls.every((c) => c.status === 'success' && c.text === 'reply to: same question')).toBe(true);
    const flags = await Promise.all(calls.map(async (c) => (await detail(c.id)).metadata.deduplicated === true));
    expect(flags.filter(Boolean)).toHaveLength(4);
  });

  it('does not share a call between different sample indexes', async () => {
    const res = await t.post('/api/v1/inference', { ...body, samples: 3 });
    expect((await res.json()).calls).toHaveLength(3);
    expect(fake.requests).toHaveLength(3);
  });

  it('shares one call between samples when the caller asks to collapse them', async () => {
    const res = await t.post('/api/v1/inference', { ...body, samples: 3, collapse_samples: true });
    expect((await res.json()).calls).toHaveLength(3);
    expect(fake.requests).toHaveLength(1);
  });

  it('does not share calls whose bodies differ in any parameter', async () => {
    await Promise.all([
      t.post('/api/v1/inference', body),
      t.post('/api/v1/inference', { ...body, params: { temperature: 0.8 } }),
    ]);
    expect(fake.requests).toHaveLength(2);
  });

  it('shares a failure too, and each caller captures it', async () => {
    fake.failNext({ kind: 'status', status: 400 });
    const responses = await Promise.all(Array.from({ length: 3 }, () => t.post('/api/v1/inference', body)));
    const calls = (await Promise.all(responses.map((r) => r.json()))).map((b) => b.calls[0]);
    expect(fake.requests).toHaveLength(1);
    expect(calls.map((c) => c.status)).toEqual(['failed', 'failed', 'failed']);
  });
});
