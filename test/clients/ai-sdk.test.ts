// The Vercel AI SDK (`ai` + `@ai-sdk/openai`) pointed at the gateway: `openai(model)` speaks the
// Responses API, `openai.chat(model)` chat completions; each answer, plain or streamed, is checked
// against the one row it was captured as.
import { createOpenAI } from '@ai-sdk/openai';
import { APICallError, embedMany, generateObject, generateText, streamText, tool, type LanguageModel } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { embeddingVector } from '../support/fake-openai';
import { startGateway, type Gateway } from './gateway';

let gw: Gateway;
let openai: ReturnType<typeof createOpenAI>;
beforeAll(async () => {
  gw = await startGateway();
  openai = createOpenAI({ baseURL: gw.baseURL, apiKey: gw.apiKey });
});
afterAll(() => gw?.close());
beforeEach(() => gw.fake.reset());

const apis = [
  { name: 'openai(model), the Responses API', clientApi: 'responses', model: (id: string): LanguageModel => openai(id) },
  { name: 'openai.chat(model), chat completions', clientApi: 'chat.completions', model: (id: string): LanguageModel => openai.chat(id) },
] as const;
const models = [
  { id: 'o3-mini', provider: 'openai', answer: 'reply to: Name a colour.', upstreamCalls: 1 },
  { id: 'o4-mini', provider: 'echo', answer: 'echo: Name a colour.', upstreamCalls: 0 },
] as const;

describe.each(apis)('the AI SDK through $name', ({ clientApi, model }) => {
  describe.each(models)('model $id (answered by $provider)', ({ id, provider, answer, upstreamCalls }) => {
    it('generateText: the text and usage it returns are those of the one row captured', async () => {
      const before = await gw.callCount();
      const result = await generateText({ model: model(id), system: 'Be brief.', prompt: 'Name a colour.' });
      expect(result.text).toBe(answer);
      expect(result.finishReason).toBe('stop');
      const row = await gw.capturedOnce(result.response.headers?.['x-study-request-id'], before);
      expect(row).toMatchObject({ status: 'success', provider, client_api: clientApi, response: { text: result.text, finish_reason: 'stop' } });
      expect({ input: result.usage.inputTokens, output: result.usage.outputTokens }).toEqual({ input: row.tokens?.prompt, output: row.tokens?.completion });
      // The SDK knows o3-mini and o4-mini as reasoning models: their system prompt goes up as `developer`.
      expect(JSON.stringify(row.request)).toContain('"role":"developer","content":"Be brief."');
      expect(gw.fake.requestCount).toBe(upstreamCalls);
    });

    it('streamText: the streamed text, finish and usage are those of the one row captured', async () => {
      const before = await gw.callCount();
      const errors: unknown[] = [];
      const result = streamText({ model: model(id), system: 'Be brief.', prompt: 'Name a colour.', onError: ({ error }) => void errors.push(error) });
      let text = '';
      for await (const delta of result.textStream) text += delta;
      expect(errors).toEqual([]);
      expect(text).toBe(answer);
      expect(await result.finishReason).toBe('stop');
      const row = await gw.capturedOnce((await result.response).headers?.['x-study-request-id'], before);
      expect(row).toMatchObject({ status: 'success', provider, client_api: clientApi, response: { text, finish_reason: 'stop' } });
      const usage = await result.usage;
      expect({ input: usage.inputTokens, output: usage.outputTokens }).toEqual({ input: row.tokens?.prompt, output: row.tokens?.completion });
      expect(gw.fake.requestCount).toBe(upstreamCalls);
    });
  });

  // echo answers a forced tool with schema-valid arguments and a json_schema format with a valid value.
  it('streamText with a forced tool (o4-mini, echo): the streamed call is the one the row holds', async () => {
    const before = await gw.callCount();
    const weather = tool({ description: 'Weather in a city', inputSchema: z.object({ city: z.string(), days: z.number().int() }) });
    const result = streamText({ model: model('o4-mini'), tools: { weather }, toolChoice: { type: 'tool', toolName: 'weather' }, prompt: 'Weather in Oslo?' });
    await result.consumeStream();
    const [call] = await result.toolCalls;
    expect(await result.finishReason).toBe('tool-calls');
    expect(call).toMatchObject({ toolName: 'weather', input: { city: expect.any(String), days: expect.any(Number) } });
    const row = await gw.capturedOnce((await result.response).headers?.['x-study-request-id'], before);
    expect(row).toMatchObject({ client_api: clientApi, response: { finish_reason: 'tool_calls', tool_calls: [{ function: { name: 'weather' } }] } });
    expect(JSON.parse(row.response!.tool_calls![0]!.function.arguments)).toEqual(call!.input);
  });

  it('generateObject (o4-mini, echo): a schema-valid object, the JSON its row holds', async () => {
    const before = await gw.callCount();
    const result = await generateObject({ model: model('o4-mini'), schema: z.object({ colour: z.string(), shades: z.array(z.string()) }), prompt: 'Name a colour.' });
    const row = await gw.capturedOnce(result.response.headers?.['x-study-request-id'], before);
    expect(row.client_api).toBe(clientApi);
    expect(JSON.parse(row.response!.text!)).toEqual(result.object);
  });
});

describe('the AI SDK with study headers', () => {
  it('headers given to createOpenAI file the call into a group with its metadata', async () => {
    const study = createOpenAI({ baseURL: gw.baseURL, apiKey: gw.apiKey, headers: { 'x-study-group': 'ai-sdk-study', 'x-study-metadata': '{"condition":"A"}' } });
    const before = await gw.callCount();
    const result = await generateText({ model: study.chat('o4-mini'), prompt: 'Name a colour.' });
    const row = await gw.capturedOnce(result.response.headers?.['x-study-request-id'], before);
    expect(row.metadata).toMatchObject({ condition: 'A', group_id: expect.any(Number), source: 'gateway' });
  });
});

describe('the AI SDK when something goes wrong', () => {
  it('an unknown model: the gateway’s 404 message reaches the caller as an APICallError, and nothing is captured', async () => {
    const before = await gw.callCount();
    const error = await generateText({ model: openai('no-such-model'), prompt: 'Hello' }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    expect(error).toMatchObject({ statusCode: 404, isRetryable: false, message: expect.stringContaining("The model 'no-such-model' does not exist") });
    expect(await gw.callCount()).toBe(before);
  });

  // A stream cut after some text: chat relayed, Responses passed through to openai, Responses translated for a chat-only endpoint.
  it.each([
    { stream: 'chat completions', model: () => openai.chat('o3-mini'), clientApi: 'chat.completions', cutAfter: 3 },
    { stream: 'the Responses API, passed through', model: () => openai('o3-mini'), clientApi: 'responses', cutAfter: 5 },
    { stream: 'the Responses API, translated', model: () => openai('local/local-model'), clientApi: 'responses', cutAfter: 3 },
  ])('a stream of $stream the provider cuts: an error part and finish reason "error", and the row is failed with the text the caller got', async ({ model, clientApi, cutAfter }) => {
    gw.fake.failNext({ kind: 'cut-stream', afterChunks: cutAfter });
    const before = await gw.callCount();
    const result = streamText({ model: model(), prompt: 'one two three four five six', onError: () => {} });
    let text = '';
    const errors: unknown[] = [];
    for await (const part of result.fullStream) {
      if (part.type === 'text-delta') text += part.text;
      if (part.type === 'error') errors.push(part.error);
    }
    expect(await result.finishReason).toBe('error');
    expect(errors).toEqual([expect.objectContaining({ message: expect.stringContaining('broke off before it was complete (StreamInterrupted)') })]);
    expect(text).toMatch(/^reply /);
    const row = await gw.capturedOnce((await result.response).headers?.['x-study-request-id'], before);
    expect(row).toMatchObject({ status: 'failed', client_api: clientApi, error: { class: 'StreamInterrupted' } });
    expect(row.error?.partial_text).toBe(text);
  });

  it('a persistent 500 with maxRetries: 0 is one row: the gateway retried it (the AI SDK ignores x-should-retry)', async () => {
    gw.fake.failNext(...Array.from({ length: 4 }, () => ({ kind: 'status' as const, status: 500 })));
    const before = await gw.callCount();
    const error = await generateText({ model: openai.chat('o3-mini'), prompt: 'Hello', maxRetries: 0 }).catch((e: unknown) => e);
    expect(APICallError.isInstance(error)).toBe(true);
    const { statusCode, responseHeaders } = error as APICallError;
    expect(statusCode).toBe(500);
    const row = await gw.capturedOnce(responseHeaders?.['x-study-request-id'], before);
    expect(row).toMatchObject({ status: 'failed', client_api: 'chat.completions', metadata: { attempts: 4 } });
    expect(gw.fake.requestCount).toBe(4);
  });
});

describe('the AI SDK’s embeddings through the gateway', () => {
  it('embedMany: the vectors it returns are the ones the provider sent, captured as one embeddings row', async () => {
    const before = await gw.callCount();
    const result = await embedMany({ model: openai.embedding('text-embedding-3-small'), values: ['sunny day', 'rainy night'] });
    const dimension = result.embeddings[0]!.length;
    expect(result.embeddings).toEqual(['sunny day', 'rainy night'].map((text) => Array.from(embeddingVector(text, dimension))));
    const row = await gw.capturedOnce(result.responses?.[0]?.headers?.['x-study-request-id'], before);
    expect(row).toMatchObject({ status: 'success', provider: 'openai', modality: 'embedding', client_api: 'embeddings', response: { vectors: 2, dimension } });
    expect(gw.fake.requests.map((r) => r.body.input)).toEqual([['sunny day', 'rainy night']]);
  });
});
