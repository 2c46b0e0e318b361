// A stream that stops without finishing is a failure, never a success with [DONE]; an embeddings
// server that answers floats where base64 was asked for is read correctly; a wrong dimension is a
// failed call and nothing is cached.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { embeddingVector } from '../support/fake-openai';
import { createTestApp, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

describe('truthful streams and vectors', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let base: string;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-own-key', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    server = await serveApp(t.app);
    base = server.base;
    client = new OpenAI({ baseURL: `${base}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const latestCall = async () => {
    const { calls } = await (await t.get('/api/v1/calls?limit=1')).json();
    return (await (await t.get(`/api/v1/calls/${calls[0].id}`)).json()).call;
  };
  const rawStream = async () => {
    const res = await fetch(`${base}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
    });
    return { status: res.status, text: await res.text() };
  };

  it('captures a stream that ends without a finish reason as failed, keeps its text, and never sends [DONE]', async () => {
    fake.failNext({ kind: 'stream-without-finish' });
    const { status, text } = await rawStream();
    expect(status).toBe(200);
    expect(text).toContain('half an ');
    expect(text).not.toContain('[DONE]');
    expect(text).toContain('"error"');
    const call = await latestCall();
    expect(call).toMatchObject({ status: 'failed', error: { class: 'StreamIncomplete', partial_text: 'half an answer' } });

    // The SDK raises it as an error instead of ending quietly.
    fake.failNext({ kind: 'stream-without-finish' });
    const stream = await client.chat.completions.create({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: 'hi' }] });
    await expect((async () => {
      for await (const _chunk of stream);
    })()).rejects.toThrow(/broke off before it was complete \(StreamIncomplete\); it is captured as call \d+, request /);
  });

  it('answers an empty stream, or JSON where a stream was asked for, with an error and a failed row', async () => {
    for (const kind of ['empty-stream', 'json-instead-of-stream'] as const) {
      fake.failNext({ kind });
      const { status, text } = await rawStream();
      expect(status, kind).toBe(502);
      expect(text).not.toContain('[DONE]');
      expect(await latestCall()).toMatchObject({ status: 'failed', error: { class: 'StreamIncomplete' } });
    }
  });

  it('reads floats sent where base64 was asked for as the floats they are', async () => {
    fake.failNext({ kind: 'floats-despite-base64' });
    const res = await t.post('/api/v1/embeddings', { provider: 'openai', model: 'text-embedding-3-small', texts: ['a cat'], return_vectors: true });
    const body = await res.json();
    expect(body.embeddings[0]).toMatchObject({ status: 'success', dimension: 8 });
    expect(body.embeddings[0].vector).toEqual(Array.from(embeddingVector('a cat', 8)));
    expect(fake.requests[0]!.body.encoding_format).toBe('base64');

    fake.failNext({ kind: 'floats-despite-base64' });
    const viaGateway = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'a dog' });
    expect(viaGateway.data[0]!.embedding).toEqual(Array.from(embeddingVector('a dog', 8)));
  });

  it('fails a call whose vectors have another dimension than asked for, caching nothing', async () => {
    const vectorsBefore = Number((await t.deps.database.client.execute('SELECT count(*) FROM embedding_vectors')).rows[0]![0]);
    fake.failNext({ kind: 'floats-despite-base64', dimensions: 3 });
    const body = await (await t.post('/api/v1/embeddings', { provider: 'openai', model: 'text-embedding-3-small', texts: ['wrong size'], dimensions: 4 })).json();
    expect(body.embeddings[0]).toMatchObject({ status: 'failed', error: { class: 'MalformedResponse' } });
    expect(body.embeddings[0].error.message).toContain('3-dimension embeddings; 4 were asked for');
    expect(Number((await t.deps.database.client.execute('SELECT count(*) FROM embedding_vectors')).rows[0]![0])).toBe(vectorsBefore);
    expect(await latestCall()).toMatchObject({ status: 'failed', modality: 'embedding' });
  });
});
