import { describe, it, expect, beforeAll, afterAll, beforeEach } from 'vitest';
import OpenAI, { AzureOpenAI, type APIError } from 'openai';
import { startFakeOpenAI, embeddingVector, type FakeOpenAI } from './fake-openai';

let fake: FakeOpenAI;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeOpenAI();
  client = new OpenAI({ apiKey: 'sk-test', baseURL: fake.url, maxRetries: 0 });
});

afterAll(async () => {
  await fake.close();
});

beforeEach(() => {
  fake.reset();
});

describe('fake-openai: normal answers', () => {
  it('answers a chat completion in the OpenAI wire format', async () => {
    const res = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: 'hello there world' },
      ],
    });
    expect(res.id).toMatch(/^chatcmpl-/);
    expect(res.object).toBe('chat.completion');
    expect(res.model).toBe('gpt-test');
    expect(typeof res.created).toBe('number');
    expect(res.choices[0]!.message).toMatchObject({ role: 'assistant', content: 'reply to: hello there world' });
    expect(res.choices[0]!.finish_reason).toBe('stop');
    expect(res.usage).toMatchObject({
      prompt_tokens: 5,
      completion_tokens: 5,
      total_tokens: 10,
      prompt_tokens_details: { cached_tokens: 0 },
      completion_tokens_details: { reasoning_tokens: 0 },
    });

    expect(fake.requests).toHaveLength(1);
    const rec = fake.requests[0]!;
    expect(rec.method).toBe('POST');
    expect(rec.path).toBe('/v1/chat/completions');
    expect(rec.headers.authorization).toBe('Bearer sk-test');
    expect(rec.body.model).toBe('gpt-test');
    expect(fake.requestCount).toBe(1);
  });

  it('streams chat chunks with usage', async () => {
    fake.setStreamChunkDelay(1);
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'one two three' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);

    const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
    expect(text).toBe('reply to: one two three');
    expect(chunks[0]!.object).toBe('chat.completion.chunk');
    expect(chunks[0]!.choices[0]!.delta).toMatchObject({ role: 'assistant', content: '' });
    // role chunk + 5 word chunks + finish chunk + usage chunk
    expect(chunks).toHaveLength(8);
    expect(chunks[1]!.choices[0]!.delta.content).toBe('reply ');
    expect(chunks[5]!.choices[0]!.delta.content).toBe('three');
    expect(chunks[6]!.choices[0]!.finish_reason).toBe('stop');
    const last = chunks[7]!;
    expect(last.choices).toEqual([]);
    expect(last.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });
  });

  it('streams without a usage chunk when include_usage is not set', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
    });
    const chunks: OpenAI.Chat.Completions.ChatCompletionChunk[] = [];
    for await (const c of stream) chunks.push(c);
    expect(chunks.map((c) => c.choices[0]?.delta.content ?? '').join('')).toBe('reply to: hi');
    expect(chunks.every((c) => c.choices.length === 1 && !c.usage)).toBe(true);
  });

  it('answers embeddings through the SDK default (base64) path as number arrays', async () => {
    const res = await client.embeddings.create({ model: 'text-embedding-3-small', input: ['alpha beta', 'gamma'] });
    // the SDK asked for base64 on the wire ...
    expect(fake.requests[0]!.body.encoding_format).toBe('base64');
    // ... and decoded it back to plain numbers
    expect(res.object).toBe('list');
    expect(res.model).toBe('text-embedding-3-small');
    expect(res.data).toHaveLength(2);
    const [a, b] = res.data;
    expect(a!.index).toBe(0);
    expect(b!.index).toBe(1);
    expect(Array.isArray(a!.embedding)).toBe(true);
    expect(a!.embedding).toHaveLength(8);
    expect(a!.embedding.every((x) => typeof x === 'number' && x !== 0 && Number.isFinite(x))).toBe(true);
    expect(a!.embedding).not.toEqual(b!.embedding);
    expect(res.usage).toEqual({ prompt_tokens: 3, total_tokens: 3 });

    // deterministic, and the float encoding gives identical numbers
    const again = await client.embeddings.create({ model: 'm', input: 'alpha beta', encoding_format: 'float' });
    expect(again.data[0]!.embedding).toEqual(a!.embedding);
    expect(a!.embedding).toEqual(Array.from(embeddingVector('alpha beta', 8)));
  });

  it('honours embedding dimensions', async () => {
    const res = await client.embeddings.create({ model: 'm', input: 'some text', dimensions: 32 });
    expect(res.data[0]!.embedding).toHaveLength(32);
    const norm = Math.sqrt(res.data[0]!.embedding.reduce((s, x) => s + x * x, 0));
    expect(norm).toBeCloseTo(1, 5);
  });

  it('rejects too many embedding inputs with a 400 OpenAI error', async () => {
    fake.setMaxEmbeddingInputs(2);
    const err = await client.embeddings.create({ model: 'm', input: ['a', 'b', 'c'] }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.BadRequestError);
    expect((err as APIError).status).toBe(400);
    expect((err as APIError).type).toBe('invalid_request_error');
    await expect(client.embeddings.create({ model: 'm', input: ['a', 'b'] })).resolves.toBeTruthy();
  });

  it('lists models and 404s unknown paths', async () => {
    const models = await client.models.list();
    expect(models.data.map((m) => m.id)).toEqual(['fake-model']);
    expect(models.data[0]).toMatchObject({ object: 'model', owned_by: 'fake' });

    const err = await client.post('/no/such/thing', { body: {} }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.NotFoundError);
    expect((err as APIError).error).toMatchObject({ type: 'invalid_request_error', param: null });
  });

  it('serves the AzureOpenAI client on /openai/deployments/<deployment>/...', async () => {
    const azure = new AzureOpenAI({
      endpoint: fake.azureEndpoint,
      apiKey: 'azure-key',
      apiVersion: '2024-10-21',
      deployment: 'my-deploy',
      maxRetries: 0,
    });
    const res = await azure.chat.completions.create({
      model: 'ignored-by-azure',
      messages: [{ role: 'user', content: 'azure says hi' }],
    });
    expect(res.choices[0]!.message.content).toBe('reply to: azure says hi');
    expect(res.model).toBe('my-deploy');
    const rec = fake.requests[0]!;
    expect(rec.path).toBe('/openai/deployments/my-deploy/chat/completions?api-version=2024-10-21');
    expect(rec.headers['api-key']).toBe('azure-key');

    const emb = await azure.embeddings.create({ model: 'x', input: 'azure vector' });
    expect(emb.data[0]!.embedding).toHaveLength(8);
    expect(emb.model).toBe('my-deploy');
    expect(fake.requests[1]!.path).toBe('/openai/deployments/my-deploy/embeddings?api-version=2024-10-21');
  });

  it('answers each item right with its set probability, the same for a seed whatever the order of requests', async () => {
    const options = { passProbability: (p: string) => ({ easy: 0.9, hard: 0.2, never: 0 })[p], right: () => 'yes', wrong: (p: string) => `no, ${p}` };
    const ask = async (prompt: string) => (await client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: prompt }] })).choices[0]!.message.content;
    const tally = async (seed: number, order: string[]) => {
      fake.setPassProbabilityPolicy({ seed, ...options });
      const answers: Record<string, string[]> = { easy: [], hard: [], never: [], other: [] };
      for (const prompt of order) answers[prompt]!.push((await ask(prompt))!);
      return answers;
    };
    const order = [...Array(40).fill('easy'), ...Array(40).fill('hard'), 'never', 'other'];
    const first = await tally(7, order);
    expect(first.easy!.filter((a) => a === 'yes').length).toBeGreaterThan(30);
    expect(first.hard!.filter((a) => a === 'yes').length).toBeLessThan(16);
    expect(first.never).toEqual(['no, never']);
    expect(first.other).toEqual(['reply to: other']);
    // Interleaved differently, the n-th answer to each prompt is the same.
    expect(await tally(7, [...order].reverse())).toEqual(first);
    expect(await tally(8, order)).not.toEqual(first);
  });
});

describe('fake-openai: faults', () => {
  const ask = (c: OpenAI = client, opts?: OpenAI.RequestOptions) =>
    c.chat.completions.create({ model: 'gpt-test', messages: [{ role: 'user', content: 'ping' }] }, opts);

  it('queued 503 surfaces as APIError 503, then the next call succeeds', async () => {
    fake.failNext({ kind: 'status', status: 503 });
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIError);
    expect(err).toBeInstanceOf(OpenAI.InternalServerError);
    expect((err as APIError).status).toBe(503);
    expect((err as APIError).error).toMatchObject({ type: 'server_error', param: null });

    const ok = await ask();
    expect(ok.choices[0]!.message.content).toBe('reply to: ping');
    expect(fake.requestCount).toBe(2);
  });

  it('429 carries the retry-after header on the error', async () => {
    fake.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.RateLimitError);
    const apiErr = err as APIError;
    expect(apiErr.status).toBe(429);
    expect(apiErr.headers?.get('retry-after')).toBe('1');
    expect(apiErr.code).toBe('rate_limit_exceeded');
  });

  it('a fault policy decides per request, after queued faults', async () => {
    fake.setFaultPolicy((req) => (req.body?.messages?.[0]?.content === 'bad' ? { kind: 'status', status: 400 } : undefined));
    fake.failNext({ kind: 'status', status: 401 });
    await expect(ask()).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    await expect(ask()).resolves.toBeTruthy();
    await expect(
      client.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'bad' }] }),
    ).rejects.toBeInstanceOf(OpenAI.BadRequestError);
  });

  it('malformed JSON is rejected by the SDK', async () => {
    fake.failNext({ kind: 'malformed-json' });
    await expect(ask()).rejects.toThrow(SyntaxError);
    await expect(ask()).resolves.toBeTruthy();
  });

  it('timeout fault makes the SDK raise APIConnectionTimeoutError', async () => {
    fake.failNext({ kind: 'timeout' });
    const err = await ask(client, { timeout: 200 }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(ask()).resolves.toBeTruthy();
  });

  it('cut-stream raises while iterating after some chunks', async () => {
    fake.failNext({ kind: 'cut-stream', afterChunks: 3 });
    const stream = await client.chat.completions.create({
      model: 'gpt-test',
      messages: [{ role: 'user', content: 'a long enough answer here' }],
      stream: true,
    });
    const got: string[] = [];
    let caught: unknown;
    try {
      for await (const c of stream) got.push(c.choices[0]?.delta.content ?? '');
    } catch (e) {
      caught = e;
    }
    expect(got).toHaveLength(3);
    expect(got.join('')).toBe('reply to: ');
    expect(caught).toBeInstanceOf(Error);
  });

  it('cut-stream works with chunk delays and before the first chunk', async () => {
    const collect = async () => {
      const stream = await client.chat.completions.create({
        model: 'gpt-test',
        messages: [{ role: 'user', content: 'x y z' }],
        stream: true,
      });
      let n = 0;
      try {
        for await (const _ of stream) n++;
      } catch (e) {
        return { n, e };
      }
      return { n, e: undefined };
    };
    fake.setStreamChunkDelay(2);
    fake.failNext({ kind: 'cut-stream', afterChunks: 2 }, { kind: 'cut-stream', afterChunks: 0 });
    const first = await collect();
    expect(first.n).toBe(2);
    expect(first.e).toBeInstanceOf(Error);
    const second = await collect().catch((e: unknown) => ({ n: 0, e }));
    expect(second.n).toBe(0);
    expect(second.e).toBeInstanceOf(Error);
  });

  it('cut-stream cuts a Responses stream after that many events', async () => {
    fake.failNext({ kind: 'cut-stream', afterChunks: 5 });
    const types: string[] = [];
    const error = await (async () => {
      for await (const event of await client.responses.create({ model: 'gpt-test', input: 'a long enough answer', stream: true })) types.push(event.type);
    })().catch((e: unknown) => e);
    expect(types).toEqual(['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added', 'response.output_text.delta']);
    expect(error).toBeInstanceOf(Error);
    let completed = '';
    for await (const event of await client.responses.create({ model: 'gpt-test', input: 'whole', stream: true })) completed = event.type;
    expect(completed).toBe('response.completed');
  });

  it('reset raises APIConnectionError (not a timeout)', async () => {
    fake.failNext({ kind: 'reset' });
    const err = await ask().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.APIConnectionError);
    expect(err).not.toBeInstanceOf(OpenAI.APIConnectionTimeoutError);
    await expect(ask()).resolves.toBeTruthy();
  });

  it('latency delays answers', async () => {
    fake.setLatency(60);
    const t0 = Date.now();
    await ask();
    expect(Date.now() - t0).toBeGreaterThanOrEqual(50);
  });
});

describe('fake-openai: lifecycle and throughput', () => {
  it('close() tears down hanging timeout requests', async () => {
    const own = await startFakeOpenAI();
    const c = new OpenAI({ apiKey: 'sk-test', baseURL: own.url, maxRetries: 0 });
    own.failNext({ kind: 'timeout' });
    const pending = c.chat.completions
      .create({ model: 'm', messages: [{ role: 'user', content: 'x' }] })
      .catch((e: unknown) => e);
    while (own.requestCount === 0) await new Promise((r) => setTimeout(r, 5));
    // close() destroys the hanging socket; waiting for it instead would never end.
    await own.close();
    expect(await pending).toBeInstanceOf(OpenAI.APIConnectionError);
  });

  it('handles 500 requests at concurrency 64 over keep-alive without recording', async () => {
    const own = await startFakeOpenAI({ recordBodies: false });
    const c = new OpenAI({ apiKey: 'sk-test', baseURL: own.url, maxRetries: 0 });
    const total = 500;
    let next = 0;
    const worker = async () => {
      while (next < total) {
        const i = next++;
        const r = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: `n${i}` }] });
        expect(r.choices[0]!.message.content).toBe(`reply to: n${i}`);
      }
    };
    await Promise.all(Array.from({ length: 64 }, worker));
    expect(own.requestCount).toBe(total);
    expect(own.requests).toHaveLength(0);
    await own.close();
  });
});

describe('fake-openai: a chat-only server', () => {
  const post = (base: string, path: string) =>
    fetch(`${base}${path}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model: 'm', input: 'x', prompt: 'x' }) });

  it('answers /v1/responses and /v1/completions as each kind of server answers a route it lacks, and still chats', async () => {
    const own = await startFakeOpenAI({ chatOnly: 'vllm' });
    const c = new OpenAI({ apiKey: 'sk-test', baseURL: own.url, maxRetries: 0 });
    const answers: Record<string, [number, string, string]> = {};
    for (const server of ['vllm', 'ollama', 'lmstudio', 'openai'] as const) {
      own.setChatOnly(server);
      // No queued fault is spent on a route the server does not have.
      own.failNext({ kind: 'status', status: 500 });
      const res = await post(own.url, '/responses');
      answers[server] = [res.status, res.headers.get('content-type') ?? '', await res.text()];
      expect((await post(own.url, '/completions')).status).toBe(server === 'lmstudio' ? 200 : 404);
      const chat = await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] }).catch((e: unknown) => e);
      expect(chat).toBeInstanceOf(OpenAI.InternalServerError);
      expect((await c.chat.completions.create({ model: 'm', messages: [{ role: 'user', content: 'hi' }] })).choices[0]!.message.content).toBe('reply to: hi');
    }
    expect(answers).toEqual({
      vllm: [404, 'application/json', '{"detail":"Not Found"}'],
      ollama: [404, 'text/plain', '404 page not found'],
      lmstudio: [200, 'application/json', '{"error":"Unexpected endpoint or method. (POST /v1/responses)"}'],
      openai: [404, 'application/json', JSON.stringify({ error: { message: 'Invalid URL (POST /v1/responses)', type: 'invalid_request_error', code: null, param: null } })],
    });
    own.reset();
    expect((await post(own.url, '/responses')).status).toBe(404);
    own.setChatOnly(undefined);
    expect((await post(own.url, '/responses')).status).toBe(200);
    await own.close();
  });
});
