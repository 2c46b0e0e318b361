// What today's clients send, through the real openai SDK: the Responses API (translated for chat-only
// providers, passed through to OpenAI), legacy completions, bare and routed model names, no retry
// storms, one row shape for every answer, findable streams, embeddings by tokens and from the cache.
import OpenAI from 'openai';
import { zodResponseFormat, zodTextFormat } from 'openai/helpers/zod';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { countCalls, createTestApp, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('gateway APIs through the openai SDK', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({
      OPENAI_API_KEY: 'sk-gateway-apis',
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODELS: 'gpt-shared',
      LLM_ENDPOINT_LOCAL_BASE_URL: fake.url,
      LLM_ENDPOINT_LOCAL_MODELS: 'gpt-shared,local-only',
      MODEL_ROUTES: 'fast=openai/gpt-test,o3-mini=openai',
      RETRY_MAX_ATTEMPTS: '3',
      RETRY_BASE_DELAY_MS: '1',
      RETRY_MAX_DELAY_MS: '5',
    });
    server = await serveApp(t.app);
    // The SDK's own retries stay on (its default), as in the field.
    client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'x' });
  });
  afterAll(async () => {
    await server.close();
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const call = async (id: string | number | null) => (await (await t.get(`/api/v1/calls/${id}`)).json()).call;
  const latest = async () => call((await (await t.get('/api/v1/calls?limit=1')).json()).calls[0].id);

  describe('POST /v1/responses, translated for a chat-only provider (echo)', () => {
    it('answers plainly, captured with the API the client used', async () => {
      const { data, response } = await client.responses.create({ model: 'echo/echo-1', instructions: 'Be brief.', input: 'Name a colour.' }).withResponse();
      expect(data.object).toBe('response');
      expect(data.output_text).toBe('echo: Name a colour.');
      const row = await call(response.headers.get('x-study-call-id'));
      expect(row).toMatchObject({ status: 'success', modality: 'chat', client_api: 'responses', response: { text: 'echo: Name a colour.', finish_reason: 'stop' } });
      expect(row.request.messages).toEqual([{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Name a colour.' }]);
    });

    it('streams the Responses events in order, ending with response.completed', async () => {
      const stream = await client.responses.create({ model: 'echo/echo-1', input: 'one two three', stream: true });
      const types: string[] = [];
      let text = '';
      for await (const event of stream) {
        types.push(event.type);
        if (event.type === 'response.output_text.delta') text += event.delta;
      }
      expect(types[0]).toBe('response.created');
      expect(types).toContain('response.output_text.delta');
      expect(types.at(-1)).toBe('response.completed');
      expect(text).toBe('echo: one two three');
      expect(await latest()).toMatchObject({ status: 'success', client_api: 'responses', response: { text: 'echo: one two three' } });
    });

    it('calls functions and gives structured output', async () => {
      const weather = {
        type: 'function' as const,
        name: 'get_weather',
        description: 'Weather in a city',
        strict: true,
        parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'], additionalProperties: false },
      };
      const called = await client.responses.create({ model: 'echo/echo-1', input: 'Weather in Paris?', tools: [weather], tool_choice: { type: 'function', name: 'get_weather' } });
      const item = called.output.find((o) => o.type === 'function_call');
      expect(item).toMatchObject({ type: 'function_call', name: 'get_weather' });
      expect(typeof JSON.parse((item as { arguments: string }).arguments).city).toBe('string');
      expect(await latest()).toMatchObject({ response: { finish_reason: 'tool_calls', tool_calls: [{ function: { name: 'get_weather' } }] } });

      const Colour = z.object({ name: z.string(), hex: z.string() });
      const parsed = await client.responses.parse({ model: 'echo/echo-1', input: 'A colour as JSON', text: { format: zodTextFormat(Colour, 'colour') } });
      expect(Colour.parse(parsed.output_parsed)).toEqual(parsed.output_parsed);
    });

    it('refuses what it cannot do without keeping state, naming the field', async () => {
      const error = await client.responses.create({ model: 'echo/echo-1', input: 'hi', previous_response_id: 'resp_x' }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param).toBe('previous_response_id');
    });
  });

  describe('POST /v1/responses, passed through to OpenAI', () => {
    it('sends the body as the client sent it, plain and streamed, captured as sent', async () => {
      const plain = await client.responses.create({ model: 'openai/gpt-test', input: 'hello there' });
      expect(plain.output_text).toBe('reply to: hello there');
      expect(fake.requests[0]!.path).toBe('/v1/responses');
      expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-test', input: 'hello there' });
      const row = await latest();
      expect(row).toMatchObject({ client_api: 'responses', request: { model: 'gpt-test', input: 'hello there' }, response: { text: 'reply to: hello there' }, tokens: { prompt: 2, completion: 4 } });

      let text = '';
      for await (const event of await client.responses.create({ model: 'openai/gpt-test', input: 'streamed please', stream: true })) {
        if (event.type === 'response.output_text.delta') text += event.delta;
      }
      expect(text).toBe('reply to: streamed please');
      expect(await latest()).toMatchObject({ status: 'success', request: { stream: true }, response: { text: 'reply to: streamed please', stream: true } });
    });
  });

  describe('POST /v1/responses, a stream that breaks mid-way', () => {
    /** Iterates a Responses stream as clients built on the SDK do (LangChain's ChatOpenAI): what arrived, and what was raised. */
    const iterate = async (model: string, input: string) => {
      let text = '';
      const types: string[] = [];
      const error = await (async () => {
        for await (const event of await client.responses.create({ model, input, stream: true })) {
          types.push(event.type);
          if (event.type === 'response.output_text.delta') text += event.delta;
        }
      })().catch((e: unknown) => e);
      return { text, types, error };
    };
    /** The frames of a raw streamed Responses request, as spec-following clients (the AI SDK) read them. */
    const rawFrames = async (model: string, input: string) => {
      const res = await fetch(`${server.base}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ model, input, stream: true }) });
      return (await res.text()).split('\n\n').filter(Boolean).map((frame) => ({ event: /^event: (.*)$/m.exec(frame)?.[1], data: JSON.parse(/^data: (.*)$/m.exec(frame)![1]!) }));
    };

    it('translated for a chat-only provider: the SDK raises it as an APIError, and the last event is still response.failed', async () => {
      fake.failNext({ kind: 'cut-stream', afterChunks: 3 });
      const { text, types, error } = await iterate('local/local-only', 'one two three four');
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toMatch(/broke off before it was complete \(StreamInterrupted\)/);
      expect(text).toBe('reply to: ');
      expect(types).not.toContain('response.completed');
      expect(await latest()).toMatchObject({ status: 'failed', client_api: 'responses', error: { class: 'StreamInterrupted', partial_text: 'reply to: ' } });

      fake.failNext({ kind: 'cut-stream', afterChunks: 3 });
      const last = (await rawFrames('local/local-only', 'one two three four')).at(-1)!;
      expect(last.event).toBe('response.failed');
      expect(last.data).toMatchObject({
        type: 'response.failed',
        response: { status: 'failed', error: { code: 'server_error', message: expect.stringMatching(/broke off/) } },
        error: { type: 'server_error', code: 'stream_interrupted', message: last.data.response.error.message },
      });
    });

    it('passed through to OpenAI: the SDK raises it as an APIError, and the last event is still an error event', async () => {
      fake.failNext({ kind: 'cut-stream', afterChunks: 5 });
      const { text, types, error } = await iterate('openai/gpt-test', 'one two three four');
      expect(error).toBeInstanceOf(OpenAI.APIError);
      expect((error as Error).message).toMatch(/broke off before it was complete \(StreamInterrupted\)/);
      expect(text).toBe('reply ');
      expect(types).not.toContain('response.completed');
      expect(await latest()).toMatchObject({ status: 'failed', client_api: 'responses', error: { class: 'StreamInterrupted' } });

      fake.failNext({ kind: 'cut-stream', afterChunks: 5 });
      const last = (await rawFrames('openai/gpt-test', 'one two three four')).at(-1)!;
      expect(last.event).toBe('error');
      expect(last.data).toMatchObject({ type: 'error', code: 'server_error', message: expect.stringMatching(/broke off/), param: null, error: { type: 'server_error', code: 'stream_interrupted', message: last.data.message } });
    });
  });

  describe('POST /v1/completions', () => {
    it('passes through to an OpenAI-style server and translates for echo, streamed or not', async () => {
      const through = await client.completions.create({ model: 'openai/gpt-test', prompt: 'Once upon' });
      expect(through.choices[0]!.text).toBe('reply to: Once upon');
      expect(fake.requests[0]!.path).toBe('/v1/completions');
      expect(await latest()).toMatchObject({ modality: 'completion', client_api: 'completions', response: { text: 'reply to: Once upon' } });

      const echo = await client.completions.create({ model: 'echo/echo-1', prompt: 'Once upon' });
      expect(echo.object).toBe('text_completion');
      expect(echo.choices[0]!.text).toBe('echo: Once upon');
      let streamed = '';
      for await (const chunk of await client.completions.create({ model: 'openai/gpt-test', prompt: 'a time', stream: true })) streamed += chunk.choices[0]?.text ?? '';
      expect(streamed).toBe('reply to: a time');
      expect(await latest()).toMatchObject({ modality: 'completion', status: 'success', response: { text: 'reply to: a time' } });
    });
  });

  describe('model names', () => {
    it('routes bare names, aliases and the names one provider offers; an ambiguous name is a 400', async () => {
      await client.chat.completions.create({ model: 'o3-mini', messages: [{ role: 'developer', content: 'be brief' }, { role: 'user', content: 'hi' }] });
      expect(await latest()).toMatchObject({ provider: 'openai', model: 'o3-mini' });
      await client.chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
      expect(await latest()).toMatchObject({ provider: 'openai', model: 'gpt-test' });
      await client.chat.completions.create({ model: 'local-only', messages: [{ role: 'user', content: 'hi' }] });
      expect(await latest()).toMatchObject({ provider: 'local', model: 'local-only' });
      const ambiguous = await client.chat.completions.create({ model: 'gpt-shared', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(ambiguous).toBeInstanceOf(OpenAI.BadRequestError);
      expect(ambiguous.message).toContain('openai/gpt-shared or local/gpt-shared');
      const ids = (await client.models.list()).data.map((m) => m.id);
      expect(ids).toEqual(expect.arrayContaining(['openai/gpt-4o-mini', 'local/local-only', 'local-only', 'fast', 'o3-mini', 'echo-1']));
      expect(ids).not.toContain('gpt-shared');
    });
  });

  describe('retries', () => {
    it('makes only its own attempts on a persistent 429: one row, and the SDK does not retry on top', async () => {
      fake.setFaultPolicy(() => ({ kind: 'status', status: 429, headers: { 'retry-after': '0' } }));
      const before = await countCalls(t);
      const error = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'hi' }] }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.RateLimitError);
      expect(error.headers.get('x-should-retry')).toBe('false');
      expect(fake.requestCount).toBe(3); // RETRY_MAX_ATTEMPTS; without x-should-retry the SDK's 2 retries made it 9
      expect(await countCalls(t)).toBe(before + 1);
    });

    it('keeps an error inside a 200 stream a rate limit, and retries it before the first byte is relayed', async () => {
      fake.failNext({ kind: 'stream-error-event', type: 'rate_limit_error', code: 'rate_limit_exceeded' });
      let text = '';
      for await (const chunk of await client.chat.completions.create({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: 'again' }] })) {
        text += chunk.choices[0]?.delta?.content ?? '';
      }
      expect(text).toBe('reply to: again');
      expect(fake.requestCount).toBe(2);
      expect((await latest()).metadata.attempts).toBe(2);
    });
  });

  describe('one row shape', () => {
    it('keeps every choice and the tool calls, streamed or not', async () => {
      for (const stream of [false, true]) {
        if (stream) {
          for await (const _ of await client.chat.completions.create({ model: 'echo/echo-1', n: 3, stream: true, messages: [{ role: 'user', content: 'hi' }] }));
        } else {
          await client.chat.completions.create({ model: 'echo/echo-1', n: 3, messages: [{ role: 'user', content: 'hi' }] });
        }
        const row = await latest();
        expect(row.response.choices, `stream ${stream}`).toHaveLength(3);
        expect(row.response.text).toBe(row.response.choices[0].text);
      }
      const tools = [{ type: 'function' as const, function: { name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } }, required: ['q'] } } }];
      for (const stream of [false, true]) {
        const request = { model: 'echo/echo-1', tools, tool_choice: 'required' as const, messages: [{ role: 'user' as const, content: 'find it' }] };
        if (stream) for await (const _ of await client.chat.completions.create({ ...request, stream: true }));
        else await client.chat.completions.create(request);
        const row = await latest();
        expect(row.response, `stream ${stream}`).toMatchObject({ finish_reason: 'tool_calls', tool_calls: [{ function: { name: 'lookup' } }] });
      }
    });

    it('records the request exactly as sent upstream (stream: false, user, encoding_format)', async () => {
      await client.chat.completions.create({ model: 'openai/gpt-test', stream: false, user: 'u-1', messages: [{ role: 'user', content: 'hi' }] });
      expect((await latest()).request).toMatchObject({ stream: false, user: 'u-1' });
      expect(fake.requests.at(-1)!.body).toMatchObject({ stream: false, user: 'u-1' });
      await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'x', encoding_format: 'float', user: 'u-2' });
      expect((await latest()).request).toMatchObject({ encoding_format: 'float', user: 'u-2' });
      expect(fake.requests.at(-1)!.body.user).toBe('u-2');
    });

    it('reads rows captured before the shape with their other choices and tool calls', async () => {
      const raw = { object: 'chat.completion', choices: [{ index: 0, message: { content: 'a', tool_calls: [{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }] }, finish_reason: 'tool_calls' }, { index: 1, message: { content: 'b' }, finish_reason: 'stop' }] };
      const inserted = await t.deps.database.client.execute({
        sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json) VALUES ('echo', 'old', 'chat', 'success', '{}', ?, 'h', '{}') RETURNING id`,
        args: [JSON.stringify({ text: 'a', finish_reason: 'tool_calls', raw })],
      });
      const row = await call(Number(inserted.rows[0]!.id));
      expect(row.response.choices.map((c: { text: string }) => c.text)).toEqual(['a', 'b']);
      expect(row.response.tool_calls).toEqual([{ id: 'c1', type: 'function', function: { name: 'f', arguments: '{}' } }]);
    });
  });

  describe('streams are findable, and the echo provider takes structured requests', () => {
    it('answers every request with x-study-request-id, by which its row is found', async () => {
      const { response } = await client.chat.completions.create({ model: 'echo/echo-1', stream: true, messages: [{ role: 'user', content: 'find me' }] }).withResponse();
      const requestId = response.headers.get('x-study-request-id');
      expect(requestId).toBeTruthy();
      await new Promise((r) => setTimeout(r, 50));
      const { calls } = await (await t.get(`/api/v1/calls?request_id=${requestId}`)).json();
      expect(calls).toHaveLength(1);
      expect(calls[0].response_preview).toBe('echo: find me');
    });

    it('parses structured output from echo offline (chat.completions.parse)', async () => {
      const Person = z.object({ name: z.string(), age: z.number().int() });
      const parsed = await client.chat.completions.parse({ model: 'echo/echo-1', messages: [{ role: 'user', content: 'a person' }], response_format: zodResponseFormat(Person, 'person') });
      expect(Person.parse(parsed.choices[0]!.message.parsed)).toBeTruthy();
    });
  });

  describe('embeddings through the gateway', () => {
    it('takes token arrays as they are, hashed as they are', async () => {
      await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: [[1, 2, 3], [4, 5]] });
      expect(fake.requests.at(-1)!.body.input).toEqual([[1, 2, 3], [4, 5]]);
      expect((await latest()).request.input).toEqual([[1, 2, 3], [4, 5]]);
    });

    it('answers from the deterministic cache with x-study-cache: embeddings, sending only misses', async () => {
      const cached = { headers: { 'x-study-cache': 'embeddings' } };
      const first = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['cat', 'dog'] }, cached).withResponse();
      expect(first.response.headers.get('x-study-cache')).toBe('hits=0 misses=2');
      // A model's first request probes its deployment with one text, then sends the rest.
      expect(fake.requestCount).toBe(2);
      const again = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: ['dog', 'bird', 'cat'] }, cached).withResponse();
      expect(again.response.headers.get('x-study-cache')).toBe('hits=2 misses=1');
      expect(fake.requestCount).toBe(3);
      expect(fake.requests.at(-1)!.body.input).toEqual(['bird']);
      expect(again.data.data[0]!.embedding).toEqual(first.data.data[1]!.embedding);
      expect((await latest()).metadata.cache_hits).toBe(2);
    });
  });

  it('shares identical chat requests in flight with x-study-dedup: 1', async () => {
    fake.setLatency(100);
    const request = { model: 'openai/gpt-test', messages: [{ role: 'user' as const, content: 'same' }] };
    const before = await countCalls(t);
    await Promise.all([1, 2].map(() => client.chat.completions.create(request, { headers: { 'x-study-dedup': '1' } })));
    expect(fake.requestCount).toBe(1);
    expect(await countCalls(t)).toBe(before + 2);
    const { calls } = await (await t.get('/api/v1/calls?limit=2')).json();
    const rows = await Promise.all(calls.map((c: { id: number }) => call(c.id)));
    expect(rows.filter((r) => r.metadata.deduplicated)).toHaveLength(1);
  });

  it('never shares identical requests in flight without x-study-dedup: chat, passed-through Responses and completions, embeddings', async () => {
    fake.setLatency(100);
    const before = await countCalls(t);
    const twice = (send: () => Promise<unknown>) => [send(), send()];
    await Promise.all([
      ...twice(() => client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'same' }] })),
      ...twice(() => client.responses.create({ model: 'openai/gpt-test', input: 'same' })),
      ...twice(() => client.completions.create({ model: 'openai/gpt-test', prompt: 'same' })),
      ...twice(() => client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'same' })),
    ]);
    expect(fake.requestCount).toBe(8);
    expect(await countCalls(t)).toBe(before + 8);
    const { calls } = await (await t.get('/api/v1/calls?limit=8')).json();
    const rows = await Promise.all(calls.map((c: { id: number }) => call(c.id)));
    expect(rows.filter((r) => r.metadata.deduplicated)).toEqual([]);
  });
});
