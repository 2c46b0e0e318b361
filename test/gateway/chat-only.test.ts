// OPENAI_BASE_URL (or a named endpoint) pointed at a server that serves chat completions only, as
// most local servers and proxies do: Responses and legacy completions requests reach it translated
// to chat after one probe, each request still ends in one row, and a missing model stays a 404.
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type ChatOnlyServer, type FakeOpenAI } from '../support/fake-openai';

interface Gateway {
  t: TestApp;
  client: OpenAI;
  close(): Promise<void>;
}

/** A fresh app (so nothing was learnt yet) served over HTTP, with an SDK client that does not retry. */
async function gateway(env: Record<string, string>): Promise<Gateway> {
  const t = await createTestApp({ RETRY_MAX_ATTEMPTS: '3', RETRY_BASE_DELAY_MS: '1', RETRY_MAX_DELAY_MS: '5', ...env });
  const server = await serveApp(t.app);
  const client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'x', maxRetries: 0 });
  return {
    t,
    client,
    async close() {
      await server.close();
      t.close();
    },
  };
}

async function rows(t: TestApp) {
  const list = (await (await t.get('/api/v1/calls?limit=100')).json()).calls as Array<{ id: number }>;
  return Promise.all(list.reverse().map(async ({ id }) => (await (await t.get(`/api/v1/calls/${id}`)).json()).call));
}

const posts = (fake: FakeOpenAI, path: string) => fake.requests.filter((r) => r.method === 'POST' && r.path === path).length;

async function streamedText(stream: AsyncIterable<{ type: string; delta?: unknown }>) {
  let text = '';
  const types: string[] = [];
  for await (const event of stream) {
    types.push(event.type);
    if (event.type === 'response.output_text.delta') text += String(event.delta);
  }
  return { text, types };
}

describe('OpenAI pointed at a chat-only server', () => {
  let fake: FakeOpenAI;
  let gw: Gateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI({ chatOnly: 'vllm' });
  });
  afterAll(() => fake.close());
  afterEach(async () => {
    await gw.close();
    fake.reset();
  });
  const start = async (env: Record<string, string> = {}) => {
    gw = await gateway({ OPENAI_API_KEY: 'sk-chat-only-test', OPENAI_BASE_URL: fake.url, OPENAI_MODEL: 'llama3', ...env });
    return gw;
  };

  it('answers client.responses.create by translating after one 404 probe, in one row; the next request makes no probe', async () => {
    const { t, client } = await start();
    const { data, response } = await client.responses.create({ model: 'openai/llama3', instructions: 'Be brief.', input: 'Name a colour.' }).withResponse();
    expect(data.object).toBe('response');
    expect(data.output_text).toBe('reply to: Name a colour.');
    expect([posts(fake, '/v1/responses'), posts(fake, '/v1/chat/completions')]).toEqual([1, 1]);
    expect(fake.requests.at(-1)!.body.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }]);

    const [first] = await rows(t);
    expect(await countCalls(t)).toBe(1);
    expect(String(first.id)).toBe(response.headers.get('x-study-call-id'));
    expect(first).toMatchObject({ status: 'success', provider: 'openai', modality: 'chat', client_api: 'responses', response: { text: 'reply to: Name a colour.' } });
    expect(first.request.messages).toHaveLength(2);
    expect(first.metadata).toMatchObject({ translated_after: 'responses_404', probe_ms: expect.any(Number), attempts: 1 });
    expect(t.logs.filter((line) => line.includes('gateway_endpoint_missing'))).toHaveLength(1);

    const again = await client.responses.create({ model: 'openai/llama3', input: 'And another?' });
    expect(again.output_text).toBe('reply to: And another?');
    expect([posts(fake, '/v1/responses'), posts(fake, '/v1/chat/completions')]).toEqual([1, 2]);
    const [, second] = await rows(t);
    expect(await countCalls(t)).toBe(2);
    expect(second.metadata.translated_after).toBe('responses_404');
    expect(second.metadata).not.toHaveProperty('probe_ms');
  });

  it('streams client.responses.create the same way, plain and streamed sharing what was learnt', async () => {
    const { t, client } = await start();
    const first = await streamedText(await client.responses.create({ model: 'openai/llama3', input: 'one two three', stream: true }));
    expect(first.text).toBe('reply to: one two three');
    expect(first.types[0]).toBe('response.created');
    expect(first.types.at(-1)).toBe('response.completed');
    expect([posts(fake, '/v1/responses'), posts(fake, '/v1/chat/completions')]).toEqual([1, 1]);
    expect(await countCalls(t)).toBe(1);
    expect((await rows(t))[0]).toMatchObject({ status: 'success', client_api: 'responses', request: { stream: true }, metadata: { translated_after: 'responses_404', stream: true } });

    const second = await streamedText(await client.responses.create({ model: 'openai/llama3', input: 'four five', stream: true }));
    const plain = await client.responses.create({ model: 'openai/llama3', input: 'six' });
    expect([second.text, plain.output_text]).toEqual(['reply to: four five', 'reply to: six']);
    expect([posts(fake, '/v1/responses'), posts(fake, '/v1/chat/completions')]).toEqual([1, 3]);
    const all = await rows(t);
    expect(all).toHaveLength(3);
    expect(all.map((row) => 'probe_ms' in row.metadata)).toEqual([true, false, false]);
  });

  it('answers client.completions.create, plain and streamed, translated after its own probe', async () => {
    const { t, client } = await start();
    const plain = await client.completions.create({ model: 'openai/llama3', prompt: 'Roses are', max_tokens: 5 });
    expect(plain.object).toBe('text_completion');
    expect(plain.choices[0]!.text).toBe('reply to: Roses are');
    expect([posts(fake, '/v1/completions'), posts(fake, '/v1/chat/completions')]).toEqual([1, 1]);
    expect(fake.requests.at(-1)!.body).toMatchObject({ max_tokens: 5, messages: [{ role: 'user', content: 'Roses are' }] });

    let streamed = '';
    for await (const chunk of await client.completions.create({ model: 'openai/llama3', prompt: 'violets are', stream: true })) streamed += chunk.choices[0]?.text ?? '';
    expect(streamed).toBe('reply to: violets are');
    expect([posts(fake, '/v1/completions'), posts(fake, '/v1/chat/completions')]).toEqual([1, 2]);

    const [first, second] = await rows(t);
    expect(await countCalls(t)).toBe(2);
    expect(first).toMatchObject({ modality: 'completion', client_api: 'completions', response: { text: 'reply to: Roses are' }, metadata: { translated_after: 'completions_404', probe_ms: expect.any(Number) } });
    expect(second).toMatchObject({ modality: 'completion', response: { text: 'reply to: violets are' }, metadata: { translated_after: 'completions_404', stream: true } });
    expect(second.metadata).not.toHaveProperty('probe_ms');

    // Each endpoint is learnt on its own: the first Responses request still probes.
    await client.responses.create({ model: 'openai/llama3', input: 'hi' });
    expect(posts(fake, '/v1/responses')).toBe(1);
  });

  it('ends many first requests at once each in one row and one translated call, none with the bare 404', async () => {
    const { t, client } = await start();
    fake.setLatency(20);
    const n = 24;
    const answers = await Promise.all(
      Array.from({ length: n }, async (_, i) => {
        if (i % 2 === 0) return (await client.responses.create({ model: 'openai/llama3', input: `plain ${i}` })).output_text;
        return (await streamedText(await client.responses.create({ model: 'openai/llama3', input: `streamed ${i}`, stream: true }))).text;
      }),
    );
    expect(answers).toEqual(Array.from({ length: n }, (_, i) => `reply to: ${i % 2 === 0 ? 'plain' : 'streamed'} ${i}`));
    expect(posts(fake, '/v1/chat/completions')).toBe(n);
    const probes = posts(fake, '/v1/responses');
    expect(probes).toBeGreaterThanOrEqual(1);
    expect(probes).toBeLessThanOrEqual(n);
    const all = await rows(t);
    expect(all).toHaveLength(n);
    expect(new Set(all.map((row) => row.request_id)).size).toBe(n);
    expect(all.every((row) => row.status === 'success' && row.metadata.translated_after === 'responses_404')).toBe(true);
    // Each probe is recorded on the row of the request that made it.
    expect(all.filter((row) => 'probe_ms' in row.metadata)).toHaveLength(probes);

    await client.responses.create({ model: 'openai/llama3', input: 'later' });
    expect(posts(fake, '/v1/responses')).toBe(probes);
  });

  it('makes no probe at all with OPENAI_APIS=chat', async () => {
    const { t, client } = await start({ OPENAI_APIS: 'chat' });
    expect((await client.responses.create({ model: 'openai/llama3', input: 'a' })).output_text).toBe('reply to: a');
    expect((await streamedText(await client.responses.create({ model: 'openai/llama3', input: 'b', stream: true }))).text).toBe('reply to: b');
    expect((await client.completions.create({ model: 'openai/llama3', prompt: 'c' })).choices[0]!.text).toBe('reply to: c');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions', '/v1/chat/completions']);
    const all = await rows(t);
    expect(all).toHaveLength(3);
    expect(all.some((row) => 'translated_after' in row.metadata || 'probe_ms' in row.metadata)).toBe(false);
  });

  it('answers the bare 404 when OPENAI_APIS says the server serves the endpoint', async () => {
    const { t, client } = await start({ OPENAI_APIS: 'chat,responses' });
    const error = await client.responses.create({ model: 'openai/llama3', input: 'a' }).catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.NotFoundError);
    expect(posts(fake, '/v1/chat/completions')).toBe(0);
    expect(await rows(t)).toMatchObject([{ status: 'failed', error: { status: 404 } }]);
    // Completions are not listed: translated, without a probe.
    expect((await client.completions.create({ model: 'openai/llama3', prompt: 'b' })).choices[0]!.text).toBe('reply to: b');
    expect(posts(fake, '/v1/completions')).toBe(0);
  });

  it('refuses x-study-metadata that would set what the gateway records of a probe', async () => {
    const { t } = await start();
    for (const key of ['translated_after', 'probe_ms']) {
      const res = await t.post('/v1/responses', { model: 'openai/llama3', input: 'a' }, { 'x-study-metadata': JSON.stringify({ [key]: 'x' }) });
      expect(res.status).toBe(400);
      expect((await res.json()).error.param).toBe('x-study-metadata');
    }
    expect(fake.requestCount).toBe(0);
  });

  it.each<ChatOnlyServer>(['ollama', 'lmstudio', 'openai'])('tells a missing endpoint as the %s server words it', async (server) => {
    fake.setChatOnly(server);
    const { t, client } = await start();
    expect((await client.responses.create({ model: 'openai/llama3', input: 'Name a colour.' })).output_text).toBe('reply to: Name a colour.');
    expect((await streamedText(await client.responses.create({ model: 'openai/llama3', input: 'more', stream: true }))).text).toBe('reply to: more');
    expect((await client.completions.create({ model: 'openai/llama3', prompt: 'Roses are' })).choices[0]!.text).toBe('reply to: Roses are');
    expect([posts(fake, '/v1/responses'), posts(fake, '/v1/completions'), posts(fake, '/v1/chat/completions')]).toEqual([1, 1, 3]);
    expect((await rows(t)).map((row) => row.metadata.translated_after)).toEqual(['responses_404', 'responses_404', 'completions_404']);
  });
});

describe('a 404 for a missing model', () => {
  let fake: FakeOpenAI;
  let gw: Gateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    gw = await gateway({ OPENAI_API_KEY: 'sk-model-404-test', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  // As OpenAI, older vLLM (no `error` object) and Ollama answer a model they do not have.
  const bodies: Array<[string, unknown, RegExp]> = [
    ['OpenAI', { error: { message: 'The model `gpt-nope` does not exist or you do not have access to it.', type: 'invalid_request_error', param: null, code: 'model_not_found' } }, /gpt-nope` does not exist/],
    ['vLLM', { object: 'error', message: 'The model `gpt-nope` does not exist.', type: 'NotFoundError', param: null, code: 404 }, /The model `gpt-nope` does not exist\./],
    ['Ollama', { error: { message: 'model "gpt-nope" not found, try pulling it first', type: 'not_found_error' } }, /model "gpt-nope" not found/],
  ];

  it.each(bodies)('is answered as the provider answered it (%s), plain and streamed, never translated', async (_server, body, message) => {
    fake.reset();
    const before = await countCalls(gw.t);
    fake.failNext({ kind: 'status', status: 404, body }, { kind: 'status', status: 404, body }, { kind: 'status', status: 404, body });
    const plain = await gw.client.responses.create({ model: 'openai/gpt-nope', input: 'hi' }).catch((e) => e);
    expect(plain).toBeInstanceOf(OpenAI.NotFoundError);
    expect(plain.message).toMatch(message);
    const streamed = await gw.client.responses.create({ model: 'openai/gpt-nope', input: 'hi', stream: true }).catch((e) => e);
    expect(streamed).toBeInstanceOf(OpenAI.NotFoundError);
    const completion = await gw.client.completions.create({ model: 'openai/gpt-nope', prompt: 'hi' }).catch((e) => e);
    expect(completion).toBeInstanceOf(OpenAI.NotFoundError);
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/responses', '/v1/completions']);
    expect(await countCalls(gw.t)).toBe(before + 3);
  });

  it('teaches nothing: the endpoints are still sent through afterwards', async () => {
    fake.reset();
    expect((await gw.client.responses.create({ model: 'openai/gpt-test', input: 'hi' })).output_text).toBe('reply to: hi');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/responses']);
  });
});

describe('a server that serves the endpoints', () => {
  let fake: FakeOpenAI;
  let gw: Gateway;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    gw = await gateway({ OPENAI_API_KEY: 'sk-served-test', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    await gw.close();
    await fake.close();
  });

  it('gets the probe as the first attempt of the one captured call, retried like any, and no probe once it answered', async () => {
    fake.failNext({ kind: 'status', status: 503 });
    const first = await streamedText(await gw.client.responses.create({ model: 'openai/gpt-test', input: 'one two', stream: true }));
    expect(first.text).toBe('reply to: one two');
    expect(fake.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/responses']);
    expect((await rows(gw.t))[0]).toMatchObject({ status: 'success', request: { input: 'one two', stream: true }, metadata: { attempts: 2, probe_ms: expect.any(Number) } });

    const plain = await gw.client.responses.create({ model: 'openai/gpt-test', input: 'three' });
    expect(plain.output_text).toBe('reply to: three');
    const all = await rows(gw.t);
    expect(all).toHaveLength(2);
    expect(all[1].metadata).not.toHaveProperty('probe_ms');
    expect(all[1].metadata).not.toHaveProperty('translated_after');
    expect(fake.requests.filter((r) => r.path === '/v1/chat/completions')).toEqual([]);
  });
});

describe('a named endpoint', () => {
  let chatOnly: FakeOpenAI;
  let full: FakeOpenAI;
  let gw: Gateway;
  beforeAll(async () => {
    [chatOnly, full] = await Promise.all([startFakeOpenAI({ chatOnly: 'ollama' }), startFakeOpenAI()]);
    gw = await gateway({
      LLM_ENDPOINT_OLLAMA_BASE_URL: chatOnly.url,
      LLM_ENDPOINT_QUIET_BASE_URL: chatOnly.url,
      LLM_ENDPOINT_QUIET_APIS: 'chat',
      LLM_ENDPOINT_VLLM_BASE_URL: full.url,
      LLM_ENDPOINT_VLLM_APIS: 'chat,responses,completions',
    });
  });
  afterAll(async () => {
    await gw.close();
    await Promise.all([chatOnly.close(), full.close()]);
  });

  it('probes legacy completions by default, and not with LLM_ENDPOINT_<NAME>_APIS=chat', async () => {
    expect((await gw.client.completions.create({ model: 'ollama/llama3.2', prompt: 'Roses are' })).choices[0]!.text).toBe('reply to: Roses are');
    expect((await gw.client.completions.create({ model: 'ollama/llama3.2', prompt: 'again' })).choices[0]!.text).toBe('reply to: again');
    expect(posts(chatOnly, '/v1/completions')).toBe(1);
    chatOnly.reset();
    expect((await gw.client.completions.create({ model: 'quiet/llama3.2', prompt: 'Roses are' })).choices[0]!.text).toBe('reply to: Roses are');
    // Responses to a named endpoint are translated unless it says it serves them.
    expect((await gw.client.responses.create({ model: 'ollama/llama3.2', input: 'hi' })).output_text).toBe('reply to: hi');
    expect(chatOnly.requests.map((r) => r.path)).toEqual(['/v1/chat/completions', '/v1/chat/completions']);
  });

  it('sends Responses through as they came when its APIS setting lists them', async () => {
    expect((await gw.client.responses.create({ model: 'vllm/qwen', input: 'hi' })).output_text).toBe('reply to: hi');
    expect((await gw.client.completions.create({ model: 'vllm/qwen', prompt: 'ho' })).choices[0]!.text).toBe('reply to: ho');
    expect(full.requests.map((r) => r.path)).toEqual(['/v1/responses', '/v1/completions']);
  });
});
