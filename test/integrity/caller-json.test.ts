// What a caller sends can neither reach the app's bookkeeping nor make a billed call that is not stored:
// caller metadata never marks a batch task done, reserved keys are refused, JSON nested deeper than
// the database stores is refused before any provider call, and whatever a provider answers is stored.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

/** {a: {a: … 'x'}} nested `depth` levels deep. */
const nested = (depth: number): Record<string, unknown> => {
  let value: Record<string, unknown> = { a: 'x' };
  for (let i = 1; i < depth; i++) value = { a: value };
  return value;
};

describe('caller JSON', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveApp>>;
  let client: OpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-own-key', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    server = await serveApp(t.app);
    client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'x', maxRetries: 0 });
  });
  afterAll(async () => {
    await server.close();
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  describe('cannot reach another batch', () => {
    let batchId: number;
    let taskId: number;
    beforeAll(async () => {
      // A cancelled batch with one pending task, whose id an attacker has guessed.
      fake.setLatency(2000);
      ({ id: batchId } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'p1' }, { prompt: 'p2' }], targets: [{ provider: 'openai', model: 'gpt-test' }], concurrency: 1 })).json());
      await t.post(`/api/v1/studies/${batchId}/cancel`, {});
      await waitFor(async () => (await t.get(`/api/v1/studies/${batchId}`)).json(), (p) => p.status === 'cancelled', 10_000);
      const task = await t.deps.database.client.execute({ sql: "SELECT id FROM batch_tasks WHERE batch_id = ? AND status = 'pending' LIMIT 1", args: [batchId] });
      taskId = Number(task.rows[0]!.id);
      fake.setLatency(0);
    });
    const taskState = async () =>
      (await t.deps.database.client.execute({ sql: 'SELECT status, calls, last_call_id FROM batch_tasks WHERE id = ?', args: [taskId] })).rows[0];

    it('refuses reserved metadata keys on the API, the gateway header and embeddings, naming the key', async () => {
      const before = { task: await taskState(), calls: await countCalls(t) };
      const api = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'attacker', metadata: { batch_task_id: taskId } });
      expect(api.status).toBe(400);
      expect((await api.json()).error.message).toMatch(/^metadata\.batch_task_id: "batch_task_id" is written by the app itself/);
      const embed = await t.post('/api/v1/embeddings', { provider: 'echo', model: 'e', texts: ['x'], metadata: { source: 'batch' } });
      expect(embed.status).toBe(400);
      expect((await embed.json()).error.message).toContain('metadata.source');
      const gateway = await client.chat.completions
        .create({ model: 'echo/echo-1', messages: [{ role: 'user', content: 'attacker' }] }, { headers: { 'x-study-metadata': JSON.stringify({ batch_task_id: taskId }) } })
        .catch((e) => e);
      expect(gateway).toBeInstanceOf(OpenAI.BadRequestError);
      expect(gateway.message).toContain('x-study-metadata');
      expect(fake.requestCount).toBe(0);
      expect({ task: await taskState(), calls: await countCalls(t) }).toEqual(before);
    });

    it('never marks a task done from metadata_json, even for a row written with batch_task_id in it', async () => {
      // What the old trigger obeyed: a captured row whose metadata names the task.
      await t.deps.database.client.execute({
        sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json)
              VALUES ('echo', 'echo-1', 'chat', 'success', '{}', '{"text":"echo: attacker"}', 'h', ?)`,
        args: [JSON.stringify({ batch_task_id: taskId, batch_id: batchId })],
      });
      expect(await taskState()).toMatchObject({ status: 'pending', calls: 0, last_call_id: null });
      const results = await (await t.get(`/api/v1/studies/${batchId}/results`)).json();
      expect(JSON.stringify(results)).not.toContain('attacker');
    });

    it('allows at most one success row per batch task, whatever any code tries', async () => {
      const insert = (text: string) =>
        t.deps.database.client.execute({
          sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json, batch_task_id)
                VALUES ('echo', 'echo-1', 'chat', 'success', '{}', ?, 'h', '{}', ?)`,
          args: [JSON.stringify({ text }), taskId],
        });
      await insert('first');
      await expect(insert('second')).rejects.toThrow(/UNIQUE constraint failed: raw_calls\.batch_task_id/);
      expect(await taskState()).toMatchObject({ status: 'success', calls: 1 });
    });
  });

  describe('nested deeper than can be stored', () => {
    const deep = nested(1000);
    const refusedBeforeAnyCall = async (res: Response, field: string) => {
      expect(res.status).toBe(400);
      const body = await res.json();
      expect(JSON.stringify(body)).toContain(field);
      expect(JSON.stringify(body)).toContain('nested deeper than 64 levels');
    };

    it('is refused on the API (metadata, params, message content) with no provider call and no row', async () => {
      const before = await countCalls(t);
      await refusedBeforeAnyCall(await t.post('/api/v1/inference', { provider: 'openai', prompt: 'hi', metadata: { deep } }), 'metadata.deep');
      // (allowed, so that the unknown name "extra" is not what is refused)
      await refusedBeforeAnyCall(await t.post('/api/v1/inference', { provider: 'openai', prompt: 'hi', params: { extra: deep }, allow_unknown_params: true }), 'params.extra');
      await refusedBeforeAnyCall(
        await t.post('/api/v1/inference', { provider: 'openai', messages: [{ role: 'user', content: [{ type: 'text', text: 'hi', x: deep }] }] }),
        'messages.0.content',
      );
      expect(fake.requestCount).toBe(0);
      expect(await countCalls(t)).toBe(before);
    });

    it('is refused by the gateway, streamed or not, and in x-study-metadata', async () => {
      const before = await countCalls(t);
      for (const stream of [false, true]) {
        const error = await client.chat.completions
          .create({ model: 'openai/gpt-test', stream, messages: [{ role: 'user', content: 'hi' }], extra: deep } as never)
          .catch((e) => e);
        expect(error).toBeInstanceOf(OpenAI.BadRequestError);
        expect(error.message).toContain('extra.a.a: nested deeper than 64 levels');
      }
      const header = await client.chat.completions
        .create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-study-metadata': JSON.stringify(nested(100)) } })
        .catch((e) => e);
      expect(header).toBeInstanceOf(OpenAI.BadRequestError);
      expect(fake.requestCount).toBe(0);
      expect(await countCalls(t)).toBe(before);
    });

    it('is refused for batch target params and conversation params, creating nothing', async () => {
      const groups = async () => Number((await t.deps.database.client.execute('SELECT count(*) AS n FROM groups')).rows[0]!.n);
      const [callsBefore, groupsBefore] = [await countCalls(t), await groups()];
      await refusedBeforeAnyCall(
        await t.post('/api/v1/studies', { items: [{ prompt: 'p' }], targets: [{ provider: 'openai', model: 'gpt-test', params: { extra: deep } }] }),
        'targets.0.params',
      );
      await refusedBeforeAnyCall(await t.post('/api/v1/conversations', { provider: 'openai', params: { extra: deep } }), 'params.extra');
      const { conversation } = await (await t.post('/api/v1/conversations', { provider: 'openai' })).json();
      await refusedBeforeAnyCall(await t.post(`/api/v1/conversations/${conversation.id}/messages`, { content: 'hi', params: { extra: deep } }), 'params.extra');
      expect(fake.requestCount).toBe(0);
      expect(await countCalls(t)).toBe(callsBefore);
      expect(await groups()).toBe(groupsBefore + 1);
    });

    it('from the provider is stored anyway: a call that was made always ends in a row', async () => {
      fake.failNext({ kind: 'deeply-nested-success', depth: 1500 });
      const res = await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt: 'answer deeply' });
      expect(res.status).toBe(200);
      const [call] = (await res.json()).calls;
      expect(call).toMatchObject({ status: 'success', text: 'a plain answer' });
      const stored = (await (await t.get(`/api/v1/calls/${call.id}`)).json()).call;
      // The part below the storable depth is kept as its JSON text.
      expect(JSON.stringify(stored.response.raw.provider_extras)).toContain('bottom');
      expect(fake.requestCount).toBe(1);
    });
  });
});
