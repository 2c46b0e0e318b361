import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, type TestApp } from '../support/app';

describe('JSON API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('reports health with the database state and version', async () => {
    const res = await t.get('/api/v1/health');
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ ok: true, db: 'ok', version: expect.stringMatching(/^\d+\.\d+\.\d+/) });
  });

  it('returns a request id header on every response', async () => {
    const res = await t.get('/api/v1/health');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('lists the configured providers, the offline echo provider labelled as such', async () => {
    const body = await (await t.get('/api/v1/providers')).json();
    expect(body.providers).toContainEqual(
      expect.objectContaining({ name: 'echo', offline: true, models: ['echo-1'], label: expect.stringMatching(/offline/i) }),
    );
  });

  it('runs n samples and captures each as its own row', async () => {
    const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'count the samples', samples: 3 });
    expect(res.status).toBe(200);
    const { calls } = await res.json();
    expect(calls).toHaveLength(3);
    expect(new Set(calls.map((c: { id: number }) => c.id)).size).toBe(3);
    for (const call of calls) {
      expect(call).toMatchObject({ status: 'success', text: 'echo: count the samples', provider: 'echo', model: 'echo-1' });
      expect(call.tokens).toEqual({ prompt: 3, completion: 4, total: 7 });
      expect(call.latency_ms).toBeGreaterThanOrEqual(0);
    }
    const detail = await (await t.get(`/api/v1/calls/${calls[2].id}`)).json();
    expect(detail.call.metadata).toMatchObject({ sample_index: 2, samples: 3, attempts: 1 });
    expect(detail.call.request).toEqual({ model: 'echo-1', messages: [{ role: 'user', content: 'count the samples' }] });
  });

  it('records preprocessing and the original prompt when it changed the text', async () => {
    const res = await t.post('/api/v1/inference', {
      provider: 'echo',
      prompt: '  write  to a@b.io ',
      template: 'Q: {user_input}',
      preprocess: { whitespace: true, remove_pii: true },
    });
    const [call] = (await res.json()).calls;
    expect(call.text).toBe('echo: Q: write to [EMAIL]');
    const detail = await (await t.get(`/api/v1/calls/${call.id}`)).json();
    expect(detail.call.metadata.preprocessing.applied).toEqual(['whitespace', 'remove_pii', 'template']);
    expect(detail.call.metadata.preprocessing.original_messages[0].content).toBe('  write  to a@b.io ');
  });

  describe('rejects bad input with a 4xx naming the field, and captures nothing', () => {
    const cases: Array<[string, unknown, string]> = [
      ['missing provider', { prompt: 'x' }, 'provider'],
      ['prompt of the wrong type', { provider: 'echo', prompt: 42 }, 'prompt'],
      ['neither prompt nor messages', { provider: 'echo' }, 'prompt'],
      ['both prompt and messages', { provider: 'echo', prompt: 'a', messages: [{ role: 'user', content: 'b' }] }, 'prompt'],
      ['messages without a user turn', { provider: 'echo', messages: [{ role: 'system', content: 'b' }] }, 'messages'],
      ['a bad role', { provider: 'echo', messages: [{ role: 'wizard', content: 'b' }] }, 'messages.0.role'],
      ['negative samples', { provider: 'echo', prompt: 'a', samples: -1 }, 'samples'],
      ['huge samples', { provider: 'echo', prompt: 'a', samples: 1e9 }, 'samples'],
      ['temperature out of range', { provider: 'echo', prompt: 'a', params: { temperature: 9 } }, 'params.temperature'],
      ['stream in params', { provider: 'echo', prompt: 'a', params: { stream: true } }, 'params.stream'],
      ['template without slot', { provider: 'echo', prompt: 'a', template: 'no slot' }, 'template'],
      ['a null byte', { provider: 'echo', prompt: 'a\u0000b' }, 'prompt'],
      ['an unknown field', { provider: 'echo', prompt: 'a', api_key: 'sk-x' }, 'api_key'],
      ['an unknown provider', { provider: 'nope', prompt: 'a' }, 'provider'],
    ];
    for (const [label, body, field] of cases) {
      it(label, async () => {
        const before = await countCalls(t);
        const res = await t.post('/api/v1/inference', body);
        expect(res.status).toBe(400);
        const json = await res.json();
        expect(json.error.code).toMatch(/invalid_request|unknown_provider/);
        expect(json.error.message).toContain(field);
        expect(await countCalls(t)).toBe(before);
      });
    }

    it('invalid JSON', async () => {
      const res = await t.post('/api/v1/inference', '{"provider": "echo", ');
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toMatch(/JSON/);
    });

    it('a body over the size limit, with a clear 413', async () => {
      const before = await countCalls(t);
      const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'x'.repeat(3 * 1024 * 1024) });
      expect(res.status).toBe(413);
      expect((await res.json()).error.code).toBe('payload_too_large');
      expect(await countCalls(t)).toBe(before);
    });

    it('a group that does not exist', async () => {
      const before = await countCalls(t);
      const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'a', group_id: 999 });
      expect(res.status).toBe(404);
      expect(await countCalls(t)).toBe(before);
    });
  });

  it('filters calls and pages through them with a cursor', async () => {
    for (const prompt of ['zebra one', 'zebra two', 'zebra three', 'lion']) {
      await t.post('/api/v1/inference', { provider: 'echo', prompt });
    }
    const first = await (await t.get('/api/v1/calls?q=zebra&limit=2')).json();
    expect(first.calls.map((c: { prompt_preview: string }) => c.prompt_preview)).toEqual(['zebra three', 'zebra two']);
    expect(first.next_cursor).toBeTypeOf('number');
    const second = await (await t.get(`/api/v1/calls?q=zebra&limit=2&cursor=${first.next_cursor}`)).json();
    expect(second.calls.map((c: { prompt_preview: string }) => c.prompt_preview)).toEqual(['zebra one']);
    expect(second.next_cursor).toBeNull();

    const failed = await (await t.get('/api/v1/calls?status=failed')).json();
    expect(failed.calls).toEqual([]);
    const future = await (await t.get('/api/v1/calls?from=2999-01-01')).json();
    expect(future.calls).toEqual([]);
    const byProvider = await (await t.get('/api/v1/calls?provider=echo&model=echo-1&limit=500')).json();
    expect(byProvider.calls.length).toBe(await countCalls(t));
  });

  it('treats FTS syntax in the search text as plain words', async () => {
    const res = await t.get(`/api/v1/calls?q=${encodeURIComponent('zebra" OR NEAR(')}`);
    expect(res.status).toBe(200);
  });

  it('rejects bad list filters naming the parameter', async () => {
    for (const [query, field] of [
      ['limit=0', 'limit'],
      ['limit=abc', 'limit'],
      ['status=maybe', 'status'],
      ['from=yesterday', 'from'],
      ['cursor=-4', 'cursor'],
      ['colour=red', 'colour'],
    ]) {
      const res = await t.get(`/api/v1/calls?${query}`);
      expect(res.status, query).toBe(400);
      expect((await res.json()).error.message, query).toContain(field);
    }
  });

  it('answers 404 for a call that does not exist and 400 for a bad id', async () => {
    expect((await t.get('/api/v1/calls/987654')).status).toBe(404);
    expect((await t.get('/api/v1/calls/abc')).status).toBe(400);
  });

  it('answers unknown API routes with a JSON 404', async () => {
    const res = await t.get('/api/v1/nothing-here');
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
  });

  it('publishes an OpenAPI document describing the routes', async () => {
    const doc = await (await t.get('/api/v1/openapi.json')).json();
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/api/v1/health', '/api/v1/providers', '/api/v1/inference', '/api/v1/calls', '/api/v1/calls/{id}']),
    );
    const body = doc.paths['/api/v1/inference'].post.requestBody.content['application/json'].schema;
    expect(body.properties.provider.type).toBe('string');
  });

  it('serves the home page as HTML', async () => {
    const res = await t.get('/');
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('Study Query LLM');
  });
});
