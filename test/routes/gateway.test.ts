// The OpenAI-compatible gateway, driven by the real openai SDK: the gateway forwards to a local OpenAI-compatible server.
import type { AddressInfo } from 'node:net';
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { findOrCreateGroup } from '../../src/groups/repository';
import { countCalls, createTestApp, dumpDatabase, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const UPSTREAM_KEY = 'sk-upstream-key-never-stored-77';
const CLIENT_KEY = 'sk-client-key-never-stored-99';

describe('OpenAI-compatible gateway (/v1) through the openai SDK', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: ServerType;
  let gatewayUrl: string;
  let client: OpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({
      OPENAI_API_KEY: UPSTREAM_KEY,
      OPENAI_BASE_URL: fake.url,
      OPENAI_MODELS: 'text-embedding-3-small',
      LLM_ENDPOINT_LOCAL_BASE_URL: fake.url,
      LLM_ENDPOINT_LOCAL_MODELS: 'fake-model',
      RETRY_MAX_ATTEMPTS: '3',
      PROVIDER_TIMEOUT_MS: '2000',
    });
    server = await new Promise<ServerType>((resolve) => {
      const s = serve({ fetch: t.app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve(s));
    });
    gatewayUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`;
    // The client's own retries are off, so every failure the test sees is the gateway's answer.
    client = new OpenAI({ baseURL: gatewayUrl, apiKey: CLIENT_KEY, maxRetries: 0 });
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const callById = async (id: string | number | null) => {
    const res = await t.get(`/api/v1/calls/${id}`);
    expect(res.status).toBe(200);
    return (await res.json()).call;
  };
  const latestCall = async () => {
    const { calls } = await (await t.get('/api/v1/calls?limit=1')).json();
    return callById(calls[0].id);
  };

  describe('chat completions', () => {
    it('answers in the OpenAI format and captures the call with the request as forwarded', async () => {
      const { data, response } = await client.chat.completions
        .create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'What is 2+2?' }], temperature: 0.2, seed: 7 })
        .withResponse();
      expect(data.object).toBe('chat.completion');
      expect(data.choices[0]!.message.content).toBe('reply to: What is 2+2?');
      expect(data.usage).toMatchObject({ prompt_tokens: 3, completion_tokens: 5, total_tokens: 8 });

      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.body).toMatchObject({ model: 'gpt-test', temperature: 0.2, seed: 7 });
      const call = await callById(response.headers.get('x-study-call-id'));
      expect(call).toMatchObject({ provider: 'openai', model: 'gpt-test', modality: 'chat', status: 'success' });
      expect(call.request).toEqual({ model: 'gpt-test', temperature: 0.2, seed: 7, messages: [{ role: 'user', content: 'What is 2+2?' }] });
      expect(call.response.text).toBe('reply to: What is 2+2?');
      expect(call.tokens).toMatchObject({ prompt: 3, completion: 5, total: 8 });
      expect(call.metadata).toMatchObject({ source: 'gateway', attempts: 1 });
    });

    it('reaches named OpenAI-compatible endpoints and the offline echo provider by their prefix', async () => {
      const local = await client.chat.completions.create({ model: 'local/fake-model', messages: [{ role: 'user', content: 'hi local' }] });
      expect(local.choices[0]!.message.content).toBe('reply to: hi local');
      const echo = await client.chat.completions.create({ model: 'echo/test', messages: [{ role: 'user', content: 'hi echo' }] });
      expect(echo.choices[0]!.message.content).toBe('echo: hi echo');
      expect(await latestCall()).toMatchObject({ provider: 'echo', model: 'test', status: 'success' });
    });

    it('keeps models that contain a slash after the provider prefix', async () => {
      await client.chat.completions.create({ model: 'local/meta-llama/Llama-3-8B', messages: [{ role: 'user', content: 'x' }] });
      expect(fake.requests[0]!.body.model).toBe('meta-llama/Llama-3-8B');
    });

    it('answers an unknown model with an OpenAI-style 404 and captures nothing', async () => {
      const before = await countCalls(t);
      for (const model of ['nope/gpt-4o', 'gpt-4o']) {
        const error = await client.chat.completions.create({ model, messages: [{ role: 'user', content: 'x' }] }).catch((e) => e);
        expect(error).toBeInstanceOf(OpenAI.NotFoundError);
        expect(error.status).toBe(404);
        expect(error.code).toBe('model_not_found');
        expect(error.type).toBe('invalid_request_error');
        expect(error.message).toContain(model);
      }
      expect(await countCalls(t)).toBe(before);
      expect(fake.requests).toHaveLength(0);
    });

    it('rejects a malformed body with a 400 in the OpenAI error shape naming the field', async () => {
      const before = await countCalls(t);
      const missing = await fetch(`${gatewayUrl}/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'echo/test' }),
      });
      expect(missing.status).toBe(400);
      const body = await missing.json();
      expect(body).toEqual({ error: { message: expect.stringContaining('messages'), type: 'invalid_request_error', param: 'messages', code: 'invalid_value' } });

      const notJson = await fetch(`${gatewayUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"model": ' });
      expect(notJson.status).toBe(400);
      expect((await notJson.json()).error.type).toBe('invalid_request_error');
      // A body not declared as JSON is not read as JSON (what web pages can send without asking).
      const plain = await fetch(`${gatewayUrl}/chat/completions`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify({ model: 'echo/test', messages: [] }) });
      expect(plain.status).toBe(415);

      const wrongType = await client.chat.completions
        .create({ model: 'echo/test', messages: 'hello' as never })
        .catch((e) => e);
      expect(wrongType).toBeInstanceOf(OpenAI.BadRequestError);
      expect(wrongType.param).toBe('messages');
      expect(await countCalls(t)).toBe(before);
    });

    it('answers an oversized body with a 413 in the OpenAI error shape', async () => {
      const res = await t.post('/v1/chat/completions', { model: 'echo/test', messages: [{ role: 'user', content: 'x'.repeat(5 * 1024 * 1024) }] });
      expect(res.status).toBe(413);
      expect((await res.json()).error).toMatchObject({ type: 'invalid_request_error', code: 'payload_too_large' });
    });

    it('answers unknown gateway paths with an OpenAI-style 404, not the JSON API error shape', async () => {
      const res = await t.get('/v1/completions/nope');
      expect(res.status).toBe(404);
      expect(await res.json()).toEqual({
        error: { message: 'Invalid URL (GET /v1/completions/nope)', type: 'invalid_request_error', param: null, code: null },
      });
    });
  });

  describe('provider failures', () => {
    it('retries a 503 and returns the success that follows', async () => {
      fake.failNext({ kind: 'status', status: 503 });
      const { response } = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'retry me' }] }).withResponse();
      const call = await callById(response.headers.get('x-study-call-id'));
      expect(call).toMatchObject({ status: 'success' });
      expect(call.metadata.attempts).toBe(2);
      expect(fake.requests).toHaveLength(2);
    });

    it('returns a 503 that persists with the upstream status and an OpenAI error, captured as failed', async () => {
      fake.failNext(...Array(3).fill({ kind: 'status', status: 503 }));
      const error = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'down' }] }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.InternalServerError);
      expect(error.status).toBe(503);
      expect(error.type).toBe('server_error');
      expect(error.message).toMatch(/^503 The engine is currently overloaded/);
      const call = await callById(error.headers.get('x-study-call-id'));
      expect(call).toMatchObject({ status: 'failed', response: null });
      expect(call.error).toMatchObject({ status: 503, attempts: 3, retryable: true });
      expect(fake.requests).toHaveLength(3);
    });

    it('returns a 400 from the provider at once, without retrying, and passes Retry-After on a 429', async () => {
      fake.failNext({ kind: 'status', status: 400 });
      const bad = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'bad' }] }).catch((e) => e);
      expect(bad).toBeInstanceOf(OpenAI.BadRequestError);
      expect(fake.requests).toHaveLength(1);

      fake.failNext(...Array(3).fill({ kind: 'status', status: 429, headers: { 'retry-after-ms': '10' } }));
      const limited = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'slow' }] }).catch((e) => e);
      expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect((await callById(limited.headers.get('x-study-call-id'))).error).toMatchObject({ status: 429, attempts: 3 });
    });

    it('answers a provider that never answers with a 504 after retries, captured as a Timeout', async () => {
      const t2 = await createTestApp({ OPENAI_API_KEY: UPSTREAM_KEY, OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '2', PROVIDER_TIMEOUT_MS: '150' });
      try {
        fake.failNext({ kind: 'timeout' }, { kind: 'timeout' });
        const res = await t2.post('/v1/chat/completions', { model: 'openai/gpt-test', messages: [{ role: 'user', content: 'hello?' }] });
        expect(res.status).toBe(504);
        expect((await res.json()).error).toMatchObject({ type: 'server_error', code: 'timeout' });
        const call = (await (await t2.get(`/api/v1/calls/${res.headers.get('x-study-call-id')}`)).json()).call;
        expect(call.error).toMatchObject({ class: 'Timeout', attempts: 2 });
      } finally {
        t2.close();
      }
    });

    it('stops the provider call when the client disconnects and captures it as client_aborted', async () => {
      // Far longer than anything here takes: a row written at all shows the gateway did not wait for it.
      fake.setLatency(60_000);
      const before = await countCalls(t);
      const controller = new AbortController();
      setTimeout(() => controller.abort(), 50);
      const error = await client.chat.completions
        .create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'too slow' }] }, { signal: controller.signal })
        .catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.APIUserAbortError);
      // The row is written once the gateway notices the disconnect, after the client has given up.
      await waitFor(() => countCalls(t), (n) => n > before, 10_000, 10);
      const call = await latestCall();
      expect(call).toMatchObject({ status: 'failed', response: null });
      expect(call.error).toMatchObject({ class: 'ClientAborted', attempts: 1 });
      expect(call.metadata.client_aborted).toBe(true);
    });

    it('never stores or forwards the client key, and never leaks the upstream key', async () => {
      fake.failNext({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${UPSTREAM_KEY}`, type: 'invalid_request_error' } } });
      const error = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'who am I' }] }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.AuthenticationError);
      expect(error.message).not.toContain(UPSTREAM_KEY);
      expect(fake.requests[0]!.headers.authorization).toBe(`Bearer ${UPSTREAM_KEY}`);
      const stored = await dumpDatabase(t);
      expect(stored).not.toContain(CLIENT_KEY);
      expect(stored).not.toContain(UPSTREAM_KEY);
      expect(t.logs.join('\n')).not.toContain(CLIENT_KEY);
      expect(t.logs.join('\n')).not.toContain(UPSTREAM_KEY);
    });
  });

  describe('study headers', () => {
    it('files the call into a group named by x-study-group, creating it once', async () => {
      const headers = { 'x-study-group': 'gateway-sweep-1' };
      const first = await client.chat.completions.create({ model: 'echo/test', messages: [{ role: 'user', content: 'one' }] }, { headers }).withResponse();
      const second = await client.chat.completions.create({ model: 'echo/test', messages: [{ role: 'user', content: 'two' }] }, { headers }).withResponse();
      const ids = [first, second].map((r) => Number(r.response.headers.get('x-study-call-id')));
      const call = await callById(ids[0]!);
      const groupId = call.metadata.group_id;
      expect(groupId).toEqual(expect.any(Number));
      expect((await callById(ids[1]!)).metadata.group_id).toBe(groupId);
      const rows = await t.deps.database.client.execute({ sql: 'SELECT g.name, g.group_type, m.call_id FROM groups g JOIN group_members m ON m.group_id = g.id WHERE g.id = ? ORDER BY m.position', args: [groupId] });
      expect(rows.rows.map((r) => [r.name, r.group_type, Number(r.call_id)])).toEqual(ids.map((id) => ['gateway-sweep-1', 'label', id]));
      const named = await t.deps.database.client.execute("SELECT count(*) AS n FROM groups WHERE name = 'gateway-sweep-1'");
      expect(Number(named.rows[0]!.n)).toBe(1);
    });

    it('creates one group when several calls name a new x-study-group at the same moment', async () => {
      const headers = { 'x-study-group': 'gateway-concurrent-first-use' };
      const answers = await Promise.all(
        Array.from({ length: 8 }, (_, i) =>
          client.chat.completions.create({ model: 'echo/test', messages: [{ role: 'user', content: `at once ${i}` }] }, { headers }).withResponse(),
        ),
      );
      const groups = await t.deps.database.client.execute("SELECT id FROM groups WHERE name = 'gateway-concurrent-first-use'");
      expect(groups.rows).toHaveLength(1);
      const members = await t.deps.database.client.execute({ sql: 'SELECT call_id FROM group_members WHERE group_id = ?', args: [Number(groups.rows[0]!.id)] });
      expect(members.rows.map((r) => Number(r.call_id)).sort((a, b) => a - b)).toEqual(
        answers.map((a) => Number(a.response.headers.get('x-study-call-id'))).sort((a, b) => a - b),
      );
      // The same, with every lookup guaranteed to run before any insert.
      const found = await Promise.all(Array.from({ length: 5 }, () => findOrCreateGroup(t.deps.database.db, 'looked-up-at-once')));
      expect(new Set(found.map((g) => g.id)).size).toBe(1);
      const named = await t.deps.database.client.execute("SELECT count(*) AS n FROM groups WHERE name = 'looked-up-at-once'");
      expect(Number(named.rows[0]!.n)).toBe(1);
    });

    it('accepts an existing group id in x-study-group and stores x-study-metadata in metadata_json', async () => {
      const created = await t.deps.database.client.execute("INSERT INTO groups (group_type, name, metadata_json) VALUES ('experiment', 'exp-by-id', '{}') RETURNING id");
      const groupId = Number(created.rows[0]!.id);
      const { response } = await client.chat.completions
        .create(
          { model: 'echo/test', messages: [{ role: 'user', content: 'filed by id' }] },
          { headers: { 'x-study-group': String(groupId), 'x-study-metadata': JSON.stringify({ run: 'r-42', condition: 'B' }) } },
        )
        .withResponse();
      const call = await callById(response.headers.get('x-study-call-id'));
      expect(call.metadata).toMatchObject({ run: 'r-42', condition: 'B', group_id: groupId, source: 'gateway' });
      const member = await t.deps.database.client.execute({ sql: 'SELECT count(*) AS n FROM group_members WHERE group_id = ? AND call_id = ?', args: [groupId, call.id] });
      expect(Number(member.rows[0]!.n)).toBe(1);
    });

    it('rejects x-study-metadata that is not a JSON object, changing no data', async () => {
      const before = await countCalls(t);
      const error = await client.chat.completions
        .create({ model: 'echo/test', messages: [{ role: 'user', content: 'x' }] }, { headers: { 'x-study-metadata': '[1,2' } })
        .catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      expect(error.param).toBe('x-study-metadata');
      expect(await countCalls(t)).toBe(before);
    });

    it('forwards prompts untouched by default and preprocesses only when x-study-preprocess asks', async () => {
      const content = '  Mail   me at ada@example.com  ';
      await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content }] });
      expect(fake.requests[0]!.body.messages[0].content).toBe(content);
      expect((await latestCall()).metadata.preprocessing).toBeUndefined();

      await client.chat.completions.create(
        { model: 'openai/gpt-test', messages: [{ role: 'user', content }] },
        { headers: { 'x-study-preprocess': 'whitespace,remove_pii' } },
      );
      expect(fake.requests[1]!.body.messages[0].content).toBe('Mail me at [EMAIL]');
      const call = await latestCall();
      expect(call.request.messages[0].content).toBe('Mail me at [EMAIL]');
      expect(call.metadata.preprocessing).toEqual({ applied: ['whitespace', 'remove_pii'], original_messages: [{ role: 'user', content }] });

      const unknown = await client.chat.completions
        .create({ model: 'echo/test', messages: [{ role: 'user', content }] }, { headers: { 'x-study-preprocess': 'shout' } })
        .catch((e) => e);
      expect(unknown).toBeInstanceOf(OpenAI.BadRequestError);
    });
  });

  describe('embeddings and models', () => {
    it('returns the same vectors as the provider, in the SDK default (base64) and float encodings, captured', async () => {
      const direct = new OpenAI({ baseURL: fake.url, apiKey: 'x', maxRetries: 0 });
      const input = ['first text', 'second text'];
      const expected = await direct.embeddings.create({ model: 'text-embedding-3-small', input });
      fake.reset();

      const { data: viaBase64, response } = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input }).withResponse();
      const viaFloat = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input, encoding_format: 'float' });
      for (const result of [viaBase64, viaFloat]) {
        expect(result.object).toBe('list');
        expect(result.data.map((d) => d.index)).toEqual([0, 1]);
        expect(result.data.map((d) => d.embedding)).toEqual(expected.data.map((d) => d.embedding));
        expect(result.usage).toEqual({ prompt_tokens: 4, total_tokens: 4 });
      }
      const call = await callById(response.headers.get('x-study-call-id'));
      expect(call).toMatchObject({ modality: 'embedding', provider: 'openai', model: 'text-embedding-3-small', status: 'success' });
      // As forwarded: the SDK asks for base64 unless told otherwise, and so does the gateway upstream.
      expect(call.request).toEqual({ model: 'text-embedding-3-small', input, encoding_format: 'base64' });
      expect(call.response).toMatchObject({ vectors: 2, dimension: 8 });
      expect(call.tokens).toMatchObject({ prompt: 4, total: 4 });
    });

    it('embeds with the offline echo provider and captures a provider failure as failed', async () => {
      const echo = await client.embeddings.create({ model: 'echo/echo-embed', input: 'hello', dimensions: 4, encoding_format: 'float' });
      expect(echo.data[0]!.embedding).toHaveLength(4);

      fake.failNext({ kind: 'status', status: 400 });
      const error = await client.embeddings.create({ model: 'openai/text-embedding-3-small', input: 'boom' }).catch((e) => e);
      expect(error).toBeInstanceOf(OpenAI.BadRequestError);
      const call = await callById(error.headers.get('x-study-call-id'));
      expect(call).toMatchObject({ modality: 'embedding', status: 'failed', response: null });
      expect(call.error).toMatchObject({ status: 400, attempts: 1 });
    });

    it('lists every configured model as provider/model and retrieves one', async () => {
      const ids: string[] = [];
      for await (const model of client.models.list()) ids.push(model.id);
      expect(ids).toEqual(expect.arrayContaining(['echo/echo-1', 'openai/gpt-4o-mini', 'openai/text-embedding-3-small', 'local/fake-model']));
      const one = await client.models.retrieve('openai/gpt-4o-mini');
      expect(one).toMatchObject({ id: 'openai/gpt-4o-mini', object: 'model', owned_by: 'openai' });
      const missing = await client.models.retrieve('nope/x').catch((e) => e);
      expect(missing).toBeInstanceOf(OpenAI.NotFoundError);
    });
  });
});
