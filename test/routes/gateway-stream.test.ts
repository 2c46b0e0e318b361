// Streaming through the gateway with the real openai SDK: relayed chunk by chunk, captured when the stream ends.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { undiciRequestFetch } from '../../src/node/node-fetch';
import { ProviderRegistry } from '../../src/providers/registry';
import { countCalls, createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const PROMPT = 'Tell me five words please';
const ANSWER = `reply to: ${PROMPT}`;

describe('streaming through the gateway', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: ServerType;
  let client: OpenAI;
  /** performance.now() at which each upstream response body ended, as the gateway read it. */
  const upstreamBodyEnds: number[] = [];

  // Wraps the gateway's own fetch to the provider (the one Node uses), to learn when the upstream stream has finished.
  const providerFetch = undiciRequestFetch({ idleTimeoutMs: 2000 });
  const tracingFetch: typeof fetch = async (input, init) => {
    const res = await providerFetch(input, init);
    if (!res.body) return res;
    const reader = res.body.getReader();
    const body = new ReadableStream<Uint8Array>({
      async pull(controller) {
        const { done, value } = await reader.read();
        if (done) {
          upstreamBodyEnds.push(performance.now());
          controller.close();
        } else controller.enqueue(value);
      },
      cancel: (reason) => reader.cancel(reason),
    });
    return new Response(body, { status: res.status, statusText: res.statusText, headers: res.headers });
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-upstream-1234', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '3', PROVIDER_TIMEOUT_MS: '2000' });
    const app = createApp({ ...t.deps, providers: ProviderRegistry.fromConfig(t.deps.config, { fetch: tracingFetch }) });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'sk-client', maxRetries: 0 });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    t.close();
    await fake.close();
  });
  beforeEach(() => {
    fake.reset();
    upstreamBodyEnds.length = 0;
  });

  const latestCall = async () => {
    const { calls } = await (await t.get('/api/v1/calls?limit=1')).json();
    return (await (await t.get(`/api/v1/calls/${calls[0].id}`)).json()).call;
  };
  /** A row written after the HTTP exchange ended (client abort): wait for it rather than guess a delay. */
  const waitForCallCount = async (n: number) => expect(await waitFor(() => countCalls(t), (count) => count >= n, 10_000, 10)).toBe(n);
  const ask = (extra: Record<string, unknown> = {}, signal?: AbortSignal) =>
    client.chat.completions.create(
      { model: 'openai/gpt-test', messages: [{ role: 'user', content: PROMPT }], stream: true, ...extra } as OpenAI.Chat.ChatCompletionCreateParamsStreaming,
      { signal },
    );

  it('relays chunks as they arrive, before the provider has finished the stream', async () => {
    fake.setStreamChunkDelay(30);
    const arrivals: number[] = [];
    let text = '';
    for await (const chunk of await ask()) {
      arrivals.push(performance.now());
      text += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(text).toBe(ANSWER);
    expect(upstreamBodyEnds).toHaveLength(1);
    // role chunk + one per word + finish chunk; the first ones reached the client while upstream was still sending
    expect(arrivals.length).toBe(2 + ANSWER.split(' ').length);
    expect(arrivals[0]!).toBeLessThan(upstreamBodyEnds[0]!);
    expect(arrivals[1]!).toBeLessThan(upstreamBodyEnds[0]!);
    expect(arrivals[arrivals.length - 1]! - arrivals[0]!).toBeGreaterThan(30);
  });

  it('captures the whole streamed call once it ends, with usage the gateway asked for but kept from the client', async () => {
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await ask()) chunks.push(chunk);
    // the client did not ask for usage, so it sees no usage chunk and no usage fields
    expect(chunks.every((c) => c.choices.length === 1 && !('usage' in c))).toBe(true);
    expect(chunks.at(-1)!.choices[0]!.finish_reason).toBe('stop');
    expect(fake.requests[0]!.body).toMatchObject({ stream: true, stream_options: { include_usage: true } });

    const call = await latestCall();
    expect(call).toMatchObject({ status: 'success', provider: 'openai', model: 'gpt-test', modality: 'chat' });
    expect(call.request).toEqual({ model: 'gpt-test', messages: [{ role: 'user', content: PROMPT }], stream: true, stream_options: { include_usage: true } });
    expect(call.response).toMatchObject({ text: ANSWER, finish_reason: 'stop', stream: true, chunks: chunks.length + 1 });
    expect(call.response.first_chunk_ms).toBeLessThanOrEqual(call.latency_ms);
    expect(call.tokens).toMatchObject({ prompt: 5, completion: 7, total: 12 });
    expect(call.metadata).toMatchObject({ source: 'gateway', stream: true, usage_requested_by_gateway: true, attempts: 1 });
  });

  it('passes the usage chunk through when the client asks for it', async () => {
    const chunks: OpenAI.Chat.ChatCompletionChunk[] = [];
    for await (const chunk of await ask({ stream_options: { include_usage: true } })) chunks.push(chunk);
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: 5, completion_tokens: 7, total_tokens: 12 } });
    const call = await latestCall();
    expect(call.tokens).toMatchObject({ prompt: 5, completion: 7 });
    expect(call.metadata.usage_requested_by_gateway).toBeUndefined();
  });

  it('captures a stream the provider cuts mid-way as failed with the partial text, and tells the client', async () => {
    fake.failNext({ kind: 'cut-stream', afterChunks: 4 });
    let received = '';
    const error = await (async () => {
      for await (const chunk of await ask()) received += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    expect(error.message).toMatch(/broke off/);
    expect(received).toBe('reply to: Tell ');

    const call = await latestCall();
    expect(call).toMatchObject({ status: 'failed', response: null, tokens: null });
    expect(call.error).toMatchObject({ class: 'StreamInterrupted', partial_text: 'reply to: Tell ', chunks_received: 4, attempts: 1 });
    expect(fake.requests).toHaveLength(1); // chunks had reached the client: no retry
  });

  it('retries a stream cut before its first chunk, since the client has seen nothing yet', async () => {
    fake.failNext({ kind: 'cut-stream', afterChunks: 0 });
    let text = '';
    for await (const chunk of await ask()) text += chunk.choices[0]?.delta?.content ?? '';
    expect(text).toBe(ANSWER);
    expect(fake.requests).toHaveLength(2);
    expect((await latestCall()).metadata.attempts).toBe(2);
  });

  it('answers a stream that cannot be opened with the upstream status, captured as failed', async () => {
    fake.failNext(...Array(3).fill({ kind: 'status', status: 502 }));
    const error = await ask().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.InternalServerError);
    expect(error.status).toBe(502);
    const call = await latestCall();
    expect(call).toMatchObject({ status: 'failed' });
    expect(call.error).toMatchObject({ status: 502, attempts: 3 });
    expect(call.metadata.stream).toBe(true);
  });

  it('captures a client that disconnects mid-stream as client_aborted, with what it had received', async () => {
    fake.setStreamChunkDelay(40);
    const before = await countCalls(t);
    const controller = new AbortController();
    let received = '';
    let chunks = 0;
    const stopped = await (async () => {
      for await (const chunk of await ask({}, controller.signal)) {
        received += chunk.choices[0]?.delta?.content ?? '';
        if (++chunks === 3) controller.abort();
      }
    })().catch((e) => e);
    expect(stopped === undefined || stopped instanceof OpenAI.APIUserAbortError).toBe(true);
    await waitForCallCount(before + 1);

    const call = await latestCall();
    expect(call).toMatchObject({ status: 'failed', response: null });
    expect(call.error).toMatchObject({ class: 'ClientAborted' });
    expect(call.error.partial_text.startsWith(received)).toBe(true);
    expect(ANSWER.startsWith(call.error.partial_text)).toBe(true);
    expect(call.error.partial_text.length).toBeLessThan(ANSWER.length);
    expect(call.metadata.client_aborted).toBe(true);
  });

  it('streams the offline echo provider word by word', async () => {
    const pieces: string[] = [];
    const stream = await client.chat.completions.create({ model: 'echo/test', messages: [{ role: 'user', content: 'one two three' }], stream: true });
    for await (const chunk of stream) pieces.push(chunk.choices[0]?.delta?.content ?? '');
    expect(pieces.filter(Boolean)).toEqual(['echo: ', 'one ', 'two ', 'three']);
    const call = await latestCall();
    expect(call).toMatchObject({ provider: 'echo', status: 'success' });
    expect(call.response.text).toBe('echo: one two three');
    expect(call.tokens).toMatchObject({ prompt: 3, completion: 4, total: 7 });
  });

  it('files a streamed call into the x-study-group group', async () => {
    const stream = await client.chat.completions.create(
      { model: 'echo/test', messages: [{ role: 'user', content: 'grouped stream' }], stream: true },
      { headers: { 'x-study-group': 'stream-group' } },
    );
    for await (const _chunk of stream) void _chunk;
    const call = await latestCall();
    const member = await t.deps.database.client.execute({
      sql: "SELECT count(*) AS n FROM group_members m JOIN groups g ON g.id = m.group_id WHERE g.name = 'stream-group' AND m.call_id = ?",
      args: [call.id],
    });
    expect(Number(member.rows[0]!.n)).toBe(1);
    expect(call.metadata.group_id).toEqual(expect.any(Number));
  });
});

describe('a stream the provider stops feeding', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: ServerType;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-upstream-1234', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', PROVIDER_TIMEOUT_MS: '300' });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: createApp(t.deps).fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    t.close();
    await fake.close();
  });

  it('is cut after PROVIDER_TIMEOUT_MS of silence and captured as failed with what had arrived', async () => {
    // The next chunk would come after a minute: the stream ending at all shows it was cut at 300 ms of silence.
    fake.setStreamChunkDelay(60_000);
    const client = new OpenAI({ baseURL: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`, apiKey: 'sk-client', maxRetries: 0 });
    let received = '';
    const error = await (async () => {
      const stream = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: PROMPT }], stream: true });
      for await (const chunk of stream) received += chunk.choices[0]?.delta?.content ?? '';
    })().catch((e) => e);
    expect(error).toBeInstanceOf(OpenAI.APIError);
    const row = await waitFor(
      async () => (await t.deps.database.client.execute("SELECT status, error_json FROM raw_calls WHERE modality = 'chat' ORDER BY id DESC LIMIT 1")).rows[0],
      (r) => r !== undefined,
      5_000,
    );
    expect(row!.status).toBe('failed');
    const captured = JSON.parse(String(row!.error_json));
    expect(captured).toMatchObject({ class: 'StreamInterrupted' });
    expect(captured.partial_text).toBe(received);
    expect(await countCalls(t)).toBe(1);
  });
});
