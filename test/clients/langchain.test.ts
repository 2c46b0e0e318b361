// LangChain.js (`@langchain/openai`) pointed at the gateway: ChatOpenAI over chat completions (its
// default) and over the Responses API (`useResponsesApi: true`), invoked and streamed, and
// OpenAIEmbeddings; each answer checked against the one row it was captured as.
import { AIMessageChunk } from '@langchain/core/messages';
import { ChatOpenAI, OpenAIEmbeddings } from '@langchain/openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddingVector } from '../support/fake-openai';
import { recordingFetch, startGateway, type Gateway } from './gateway';

let gw: Gateway;
beforeAll(async () => {
  gw = await startGateway();
});
afterAll(() => gw?.close());
beforeEach(() => gw.fake.reset());

/** LangChain keeps response headers to itself: the recording fetch notes each request id. */
function chat(model: string, useResponsesApi: boolean) {
  const recorder = recordingFetch();
  const llm = new ChatOpenAI({ model, useResponsesApi, apiKey: gw.apiKey, maxRetries: 0, configuration: { baseURL: gw.baseURL, fetch: recorder.fetch } });
  return { llm, requestIds: recorder.requestIds };
}

const apis = [
  { name: 'chat completions (the default)', useResponsesApi: false, clientApi: 'chat.completions' },
  { name: 'the Responses API (useResponsesApi: true)', useResponsesApi: true, clientApi: 'responses' },
] as const;
const models = [
  { id: 'o3-mini', provider: 'openai', answer: 'reply to: Name a colour.', upstreamCalls: 1 },
  { id: 'o4-mini', provider: 'echo', answer: 'echo: Name a colour.', upstreamCalls: 0 },
] as const;
const prompt: Array<[string, string]> = [
  ['system', 'Be brief.'],
  ['human', 'Name a colour.'],
];

describe.each(apis)('ChatOpenAI through $name', ({ useResponsesApi, clientApi }) => {
  describe.each(models)('model $id (answered by $provider)', ({ id, provider, answer, upstreamCalls }) => {
    it('invoke: the message text and usage are those of the one row captured', async () => {
      const { llm, requestIds } = chat(id, useResponsesApi);
      const before = await gw.callCount();
      const message = await llm.invoke(prompt);
      expect(message.text).toBe(answer);
      expect(requestIds).toHaveLength(1);
      const row = await gw.capturedOnce(requestIds[0], before);
      expect(row).toMatchObject({ status: 'success', provider, client_api: clientApi, response: { text: message.text, finish_reason: 'stop' } });
      expect(message.usage_metadata).toMatchObject({ input_tokens: row.tokens?.prompt, output_tokens: row.tokens?.completion });
      // LangChain knows o3-mini and o4-mini as reasoning models: their system prompt goes up as `developer`.
      expect(JSON.stringify(row.request)).toMatch(/"role":"developer","content":"Be brief\."/);
      expect(gw.fake.requestCount).toBe(upstreamCalls);
    });

    it('stream: the chunks add up to the text and usage of the one row captured', async () => {
      const { llm, requestIds } = chat(id, useResponsesApi);
      const before = await gw.callCount();
      let whole: AIMessageChunk | undefined;
      for await (const chunk of await llm.stream(prompt)) whole = whole ? whole.concat(chunk) : chunk;
      expect(whole?.text).toBe(answer);
      const row = await gw.capturedOnce(requestIds[0], before);
      expect(row).toMatchObject({ status: 'success', provider, client_api: clientApi, response: { text: whole!.text, finish_reason: 'stop' } });
      expect(whole!.usage_metadata).toMatchObject({ input_tokens: row.tokens?.prompt, output_tokens: row.tokens?.completion });
      expect(gw.fake.requestCount).toBe(upstreamCalls);
    });
  });

  it('withStructuredOutput (o4-mini, echo): the parsed object is the JSON its row holds', async () => {
    const { llm, requestIds } = chat('o4-mini', useResponsesApi);
    const before = await gw.callCount();
    const schema = { type: 'object', properties: { colour: { type: 'string' }, shades: { type: 'array', items: { type: 'string' } } }, required: ['colour', 'shades'], additionalProperties: false };
    const object = await llm.withStructuredOutput(schema, { name: 'colour', method: 'jsonSchema' }).invoke('Name a colour.');
    const row = await gw.capturedOnce(requestIds[0], before);
    expect(row.client_api).toBe(clientApi);
    expect(object).toEqual(JSON.parse(row.response!.text!));
    expect(object).toMatchObject({ colour: expect.any(String), shades: expect.any(Array) });
  });
});

describe('ChatOpenAI with study headers', () => {
  it('configuration.defaultHeaders file the call into a group with its metadata', async () => {
    const recorder = recordingFetch();
    const llm = new ChatOpenAI({
      model: 'o4-mini',
      apiKey: gw.apiKey,
      configuration: { baseURL: gw.baseURL, fetch: recorder.fetch, defaultHeaders: { 'x-study-group': 'langchain-study', 'x-study-metadata': '{"condition":"B"}' } },
    });
    const before = await gw.callCount();
    await llm.invoke('Name a colour.');
    const row = await gw.capturedOnce(recorder.requestIds[0], before);
    expect(row.metadata).toMatchObject({ condition: 'B', group_id: expect.any(Number), source: 'gateway' });
  });
});

describe('ChatOpenAI when a stream breaks', () => {
  // Cut after some text: chat relayed, Responses passed through to openai, Responses translated for a chat-only endpoint.
  it.each([
    { stream: 'chat completions', model: 'o3-mini', useResponsesApi: false, clientApi: 'chat.completions', cutAfter: 3 },
    { stream: 'the Responses API, passed through', model: 'o3-mini', useResponsesApi: true, clientApi: 'responses', cutAfter: 5 },
    { stream: 'the Responses API, translated', model: 'local/local-model', useResponsesApi: true, clientApi: 'responses', cutAfter: 3 },
  ])('a stream of $stream the provider cuts: the stream throws the gateway’s error, and the row is failed with the text already streamed', async ({ model, useResponsesApi, clientApi, cutAfter }) => {
    gw.fake.failNext({ kind: 'cut-stream', afterChunks: cutAfter });
    const { llm, requestIds } = chat(model, useResponsesApi);
    const before = await gw.callCount();
    let text = '';
    const error = await (async () => {
      for await (const chunk of await llm.stream('one two three four five six')) text += chunk.text;
    })().catch((e: unknown) => e);
    expect(error).toMatchObject({ message: expect.stringContaining('broke off before it was complete (StreamInterrupted)') });
    expect(text).toMatch(/^reply /);
    const row = await gw.capturedOnce(requestIds[0], before);
    expect(row).toMatchObject({ status: 'failed', client_api: clientApi, error: { class: 'StreamInterrupted', partial_text: text } });
  });
});

describe('OpenAIEmbeddings through the gateway', () => {
  it('embedQuery and embedDocuments: the provider’s vectors, each request one embeddings row', async () => {
    const recorder = recordingFetch();
    const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: gw.apiKey, maxRetries: 0, configuration: { baseURL: gw.baseURL, fetch: recorder.fetch } });
    let before = await gw.callCount();
    const query = await embeddings.embedQuery('sunny day');
    expect(query).toEqual(Array.from(embeddingVector('sunny day', query.length)));
    expect(await gw.capturedOnce(recorder.requestIds[0], before)).toMatchObject({ status: 'success', provider: 'openai', modality: 'embedding', client_api: 'embeddings', response: { vectors: 1, dimension: query.length } });

    before = await gw.callCount();
    const documents = await embeddings.embedDocuments(['rainy night', 'windy morning']);
    expect(documents).toEqual(['rainy night', 'windy morning'].map((text) => Array.from(embeddingVector(text, query.length))));
    expect(await gw.capturedOnce(recorder.requestIds[1], before)).toMatchObject({ client_api: 'embeddings', response: { vectors: 2 } });
  });
});
