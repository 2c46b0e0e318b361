// Which model answered: every captured call keeps the model the provider says it served and its
// system_fingerprint beside the model asked for — chat, Responses and completions, plain and streamed
// (from the chunks) — and shows them in the call JSON and on the call page.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('the served model of a captured call', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-served-1234', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    server = await serveApp(t.app);
    client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
  });

  /** The newest captured call as the API gives it, once `count` calls are stored. */
  const newestCall = async (count: number) => {
    await waitFor(() => countCalls(t), (n) => n >= count);
    const id = Number((await t.deps.database.client.execute('SELECT max(id) AS id FROM raw_calls')).rows[0]!.id);
    const res = await t.get(`/api/v1/calls/${id}`);
    expect(res.status).toBe(200);
    return { id, call: (await res.json()).call };
  };

  it('keeps the served model and fingerprint of a plain chat answer beside the model asked for, in the JSON and on the page', async () => {
    fake.setServed({ model: 'gpt-test-2025-06-01', systemFingerprint: 'fp_june' });
    const res = await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt: 'Which model are you?' });
    expect(res.status).toBe(200);
    const { id, call } = await newestCall(1);
    expect(call).toMatchObject({ model: 'gpt-test', served_model: 'gpt-test-2025-06-01', system_fingerprint: 'fp_june' });
    const page = await (await t.get(`/calls/${id}`)).text();
    expect(page).toContain('gpt-test-2025-06-01');
    expect(page).toContain('not the model asked for');
    expect(page).toContain('fp_june');
  });

  it('takes them from the chunks of a streamed chat answer, and follows a change of backend', async () => {
    const before = await countCalls(t);
    fake.setServed({ systemFingerprint: 'fp_stream_a' });
    let text = '';
    for await (const chunk of await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'stream me' }], stream: true })) {
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe('reply to: stream me');
    const first = await newestCall(before + 1);
    expect(first.call).toMatchObject({ model: 'gpt-test', served_model: 'gpt-test', system_fingerprint: 'fp_stream_a' });
    expect(first.call.response.stream).toBe(true);

    fake.setServed({ model: 'gpt-test-next', systemFingerprint: 'fp_stream_b' });
    for await (const _ of await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'stream me' }], stream: true })) {
      // read to the end: the row is written when the stream ends
    }
    const second = await newestCall(before + 2);
    expect(second.call).toMatchObject({ model: 'gpt-test', served_model: 'gpt-test-next', system_fingerprint: 'fp_stream_b' });
  });

  it('keeps them for Responses and legacy completions, plain and streamed', async () => {
    fake.setServed({ model: 'served-x', systemFingerprint: 'fp_legacy' });
    let count = await countCalls(t);
    await client.responses.create({ model: 'openai/gpt-test', input: 'plain responses' });
    expect((await newestCall(++count)).call).toMatchObject({ model: 'gpt-test', served_model: 'served-x', system_fingerprint: null });
    for await (const _ of await client.responses.create({ model: 'openai/gpt-test', input: 'streamed responses', stream: true })) {
      // to the end
    }
    expect((await newestCall(++count)).call).toMatchObject({ model: 'gpt-test', served_model: 'served-x', system_fingerprint: null });
    await client.completions.create({ model: 'openai/gpt-test', prompt: 'plain completion' });
    expect((await newestCall(++count)).call).toMatchObject({ model: 'gpt-test', served_model: 'served-x', system_fingerprint: 'fp_legacy' });
    for await (const _ of await client.completions.create({ model: 'openai/gpt-test', prompt: 'streamed completion', stream: true })) {
      // to the end
    }
    expect((await newestCall(++count)).call).toMatchObject({ model: 'gpt-test', served_model: 'served-x', system_fingerprint: 'fp_legacy' });
  });

  it('stores null, not the model asked for, when the provider reports no model', async () => {
    const before = await countCalls(t);
    fake.failNext({ kind: 'status', status: 500 });
    await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt: 'fails' });
    const { call } = await newestCall(before + 1);
    expect(call).toMatchObject({ status: 'failed', model: 'gpt-test', served_model: null, system_fingerprint: null });
  });
});
