// Real openai SDK → local OpenAI-compatible server with injected faults → captured rows.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, dumpDatabase, countCalls, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { freePort } from '../support/process';

const KEY = 'sk-test-must-never-be-stored-42';

describe('capture through the openai SDK against a local server', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let closedPort: number;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    closedPort = await freePort();
    t = await createTestApp({
      OPENAI_API_KEY: KEY,
      OPENAI_BASE_URL: fake.url,
      RETRY_MAX_ATTEMPTS: '3',
      PROVIDER_TIMEOUT_MS: '1000',
      LLM_ENDPOINT_DEAD_BASE_URL: `http://127.0.0.1:${closedPort}/v1`,
      LLM_ENDPOINT_DEAD_API_KEY: 'dead-endpoint-key-1234',
    });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const infer = async (body: Record<string, unknown> = {}) => {
    const res = await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt: 'What is 2+2?', ...body });
    expect(res.status).toBe(200);
    const [call] = (await res.json()).calls;
    const detail = (await (await t.get(`/api/v1/calls/${call.id}`)).json()).call;
    return { call, detail };
  };

  it('captures a success with text, tokens, latency and the request as sent', async () => {
    const { call, detail } = await infer({ params: { temperature: 0.3, max_tokens: 20 } });
    expect(call).toMatchObject({ status: 'success', text: 'reply to: What is 2+2?', provider: 'openai', model: 'gpt-test' });
    expect(call.tokens).toMatchObject({ prompt: 3, completion: 5, total: 8, cached: 0, reasoning: 0 });
    expect(call.latency_ms).toBeGreaterThan(0);
    expect(detail.request).toEqual({ model: 'gpt-test', temperature: 0.3, max_tokens: 20, messages: [{ role: 'user', content: 'What is 2+2?' }] });
    expect(detail.response.text).toBe('reply to: What is 2+2?');
    expect(detail.error).toBeNull();
    expect(detail.metadata.attempts).toBe(1);
    expect(fake.requests).toHaveLength(1);
    expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-test', temperature: 0.3, max_tokens: 20 });
  });

  for (const status of [500, 502, 503]) {
    it(`retries a ${status} and captures the success that follows`, async () => {
      fake.failNext({ kind: 'status', status });
      const { call, detail } = await infer();
      expect(call.status).toBe('success');
      expect(detail.metadata.attempts).toBe(2);
      expect(fake.requests).toHaveLength(2);
    });

    it(`captures a ${status} that persists as a failed row after every attempt`, async () => {
      fake.failNext(...Array(3).fill({ kind: 'status', status }));
      const { call, detail } = await infer();
      expect(call.status).toBe('failed');
      expect(detail.response).toBeNull();
      expect(detail.error).toMatchObject({ status, attempts: 3, retryable: true });
      expect(detail.error.class).toMatch(/InternalServerError|HTTP5/);
      expect(fake.requests).toHaveLength(3);
    });
  }

  it('waits as long as Retry-After says on a 429, then succeeds', async () => {
    fake.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    const started = Date.now();
    const { call, detail } = await infer();
    const waited = fake.requests[1]!.receivedAt - fake.requests[0]!.receivedAt;
    expect(call.status).toBe('success');
    expect(detail.metadata.attempts).toBe(2);
    // base delay is 5 ms in tests, so a wait of ~1 s can only come from Retry-After
    expect(waited).toBeGreaterThanOrEqual(950);
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
  });

  it('retries a timeout and captures it as failed when the provider never answers', async () => {
    fake.failNext(...Array(3).fill({ kind: 'timeout' }));
    const { call, detail } = await infer();
    expect(call.status).toBe('failed');
    expect(detail.error).toMatchObject({ class: 'Timeout', attempts: 3, status: null });
    expect(fake.requests).toHaveLength(3);
  });

  it('retries a dropped connection then succeeds', async () => {
    fake.failNext({ kind: 'reset' });
    const { call, detail } = await infer();
    expect(call.status).toBe('success');
    expect(detail.metadata.attempts).toBe(2);
  });

  it('retries connection refused and captures it as failed', async () => {
    const res = await t.post('/api/v1/inference', { provider: 'dead', model: 'm', prompt: 'anyone there?' });
    const [call] = (await res.json()).calls;
    expect(call.status).toBe('failed');
    expect(call.error).toMatchObject({ class: 'ConnectionError', attempts: 3 });
    expect(call.error.message).toMatch(/ECONNREFUSED|connect/i);
  });

  for (const status of [400, 401, 404]) {
    it(`captures a ${status} at once, without retrying`, async () => {
      fake.failNext({ kind: 'status', status });
      const { call, detail } = await infer();
      expect(call.status).toBe('failed');
      expect(detail.error).toMatchObject({ status, attempts: 1, retryable: false });
      expect(fake.requests).toHaveLength(1);
    });
  }

  it('captures malformed JSON from the provider as failed', async () => {
    fake.failNext({ kind: 'malformed-json' });
    const { call, detail } = await infer();
    expect(call.status).toBe('failed');
    expect(detail.error).toMatchObject({ class: 'MalformedResponse', attempts: 1 });
    expect(detail.response).toBeNull();
  });

  it('never stores, logs or returns the API key, even when the provider echoes it in an error', async () => {
    fake.failNext({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${KEY}`, type: 'invalid_request_error' } } });
    const { call, detail } = await infer();
    expect(call.error.message).toContain('[redacted]');
    expect(JSON.stringify(detail)).not.toContain(KEY);
    expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`); // the key did reach the provider
    expect(await dumpDatabase(t)).not.toContain(KEY);
    expect(await dumpDatabase(t)).not.toContain('dead-endpoint-key-1234');
    expect(t.logs.join('\n')).not.toContain(KEY);
    const providers = await (await t.get('/api/v1/providers')).text();
    expect(providers).not.toContain(KEY);
  });

  it('captures every call exactly once, whatever happened', async () => {
    const before = await countCalls(t);
    fake.failNext({ kind: 'status', status: 503 }, { kind: 'status', status: 400 });
    await infer();
    await infer();
    expect(await countCalls(t)).toBe(before + 2);
  });
});

describe('azure and hyperbolic through the same SDK', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({
      AZURE_OPENAI_API_KEY: 'azure-key-abcdef',
      AZURE_OPENAI_ENDPOINT: fake.azureEndpoint,
      AZURE_OPENAI_DEPLOYMENT: 'gpt4o-deploy',
      HYPERBOLIC_API_KEY: 'hyperbolic-key-abcdef',
      HYPERBOLIC_ENDPOINT: fake.url,
    });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('calls an Azure deployment with the api-key header and captures it', async () => {
    const res = await t.post('/api/v1/inference', { provider: 'azure', prompt: 'hello azure' });
    const [call] = (await res.json()).calls;
    expect(call).toMatchObject({ status: 'success', provider: 'azure', model: 'gpt4o-deploy', text: 'reply to: hello azure' });
    expect(fake.requests[0]!.path).toContain('/openai/deployments/gpt4o-deploy/chat/completions');
    expect(fake.requests[0]!.headers['api-key']).toBe('azure-key-abcdef');
  });

  it('calls hyperbolic at its own base URL', async () => {
    const res = await t.post('/api/v1/inference', { provider: 'hyperbolic', prompt: 'hello hyperbolic' });
    const [call] = (await res.json()).calls;
    expect(call).toMatchObject({ status: 'success', provider: 'hyperbolic', model: 'meta-llama/Llama-3.3-70B-Instruct' });
    expect(await dumpDatabase(t)).not.toMatch(/azure-key-abcdef|hyperbolic-key-abcdef/);
  });
});
