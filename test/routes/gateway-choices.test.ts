// `n` (choices per call) is bounded the same way on every gateway API — chat, legacy completions and
// Responses, passed through or translated — and refused with a 400 naming it before any provider call.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { MAX_CHOICES } from '../../src/schemas/requests';
import { countCalls, createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('choices per gateway call', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    // openai: completions and Responses passed through; local: completions passed through, Responses translated; echo: both translated.
    t = await createTestApp({ OPENAI_API_KEY: 'sk-choices-test', OPENAI_BASE_URL: fake.url, LLM_ENDPOINT_LOCAL_BASE_URL: fake.url, LLM_ENDPOINT_LOCAL_MODELS: 'm' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const bodies = (model: string, n: unknown) => ({
    '/v1/chat/completions': { model, messages: [{ role: 'user', content: 'hi' }], n },
    '/v1/completions': { model, prompt: 'hi', n },
    '/v1/responses': { model, input: 'hi', n },
  });

  it(`refuses n above ${MAX_CHOICES} (or not a positive integer) on chat, completions and Responses, before any call`, async () => {
    const before = await countCalls(t);
    for (const model of ['echo/echo-1', 'openai/gpt-4o-mini', 'local/m']) {
      for (const n of [MAX_CHOICES + 1, 150_000, 200_000, 0, -1, 1.5, '2']) {
        for (const [path, body] of Object.entries(bodies(model, n))) {
          const res = await t.post(path, body);
          const where = `${path} ${model} n=${JSON.stringify(n)}`;
          expect(res.status, where).toBe(400);
          const error = (await res.json()).error;
          expect(error.param, where).toBe('n');
          expect(error.type, where).toBe('invalid_request_error');
          if (n === 150_000) expect(error.message, where).toContain(String(MAX_CHOICES));
        }
      }
    }
    expect(fake.requests).toEqual([]);
    expect(await countCalls(t)).toBe(before);
  });

  it(`takes n up to ${MAX_CHOICES} on chat and completions, as sent`, async () => {
    const chat = await t.post('/v1/chat/completions', bodies('local/m', 3)['/v1/chat/completions']);
    expect(chat.status).toBe(200);
    const completion = await t.post('/v1/completions', bodies('echo/echo-1', 2)['/v1/completions']);
    expect(completion.status).toBe(200);
    expect((await completion.json()).choices.length).toBeGreaterThanOrEqual(1);
    const upstream = fake.requests.find((r) => r.path.endsWith('/chat/completions'));
    expect(upstream?.body.n).toBe(3);
  });

  it('refuses n > 1 where Responses is translated to chat (only the first choice could be returned), and takes n = 1', async () => {
    const before = await countCalls(t);
    for (const model of ['echo/echo-1', 'local/m']) {
      const res = await t.post('/v1/responses', bodies(model, 4)['/v1/responses']);
      expect(res.status, model).toBe(400);
      const error = (await res.json()).error;
      expect(error).toMatchObject({ param: 'n', code: 'unsupported_parameter' });
    }
    expect(fake.requests).toEqual([]);
    expect(await countCalls(t)).toBe(before);
    const one = await t.post('/v1/responses', bodies('local/m', 1)['/v1/responses']);
    expect(one.status).toBe(200);
    expect(fake.requests).toHaveLength(1);
  });
});
