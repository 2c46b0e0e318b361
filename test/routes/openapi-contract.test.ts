// The OpenAPI document is the API: every route the app registers under /api/v1 is in it, and every
// success response it documents is produced here by a real request and validated against its schema
// (test/support/contract.ts checks each response of every route test the same way).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedResponses, documentedRoutes } from '../support/contract';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

type Operation = {
  responses: Record<string, { content?: Record<string, { schema?: unknown }> }>;
  requestBody?: unknown;
  parameters?: unknown;
  deprecated?: boolean;
  description?: string;
  summary?: string;
};
type Doc = {
  paths: Record<string, Record<string, Operation>>;
  components?: { schemas?: Record<string, unknown> };
};

describe('the OpenAPI document and the routes agree', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  let doc: Doc;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ LLM_ENDPOINT_FAKE_BASE_URL: fake.url, LLM_ENDPOINT_FAKE_MODELS: 'fake-model' });
    doc = await (await t.get('/api/v1/openapi.json')).json();
  });
  afterAll(async () => {
    t?.close();
    await fake?.close();
  });

  it('documents every /api/v1 route the app registers, and nothing it does not', () => {
    const registered = new Set(
      t.app.routes
        .filter((r) => r.method !== 'ALL' && r.path.startsWith('/api/v1/') && r.path !== '/api/v1/openapi.json')
        .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, '{$1}').replace(/\/$/, '')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, operations]) => Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`)),
    );
    expect([...registered].filter((route) => !documented.has(route))).toEqual([]);
    expect([...documented].filter((route) => !registered.has(route))).toEqual([]);
    expect(registered.size).toBeGreaterThanOrEqual(35);
  });

  it('lists every study operation at /api/v1/studies and again at /api/v1/batches, the alias deprecated and naming its replacement', () => {
    const operations = (prefix: string) =>
      Object.entries(doc.paths)
        .filter(([path]) => path === prefix || path.startsWith(`${prefix}/`))
        .flatMap(([path, byMethod]) => Object.entries(byMethod).map(([method, operation]) => ({ method, rest: path.slice(prefix.length), operation })));
    const studies = operations('/api/v1/studies');
    const aliases = operations('/api/v1/batches');
    expect(studies.map(({ method, rest }) => `${method} ${rest}`).sort()).toEqual(aliases.map(({ method, rest }) => `${method} ${rest}`).sort());
    expect(studies.length).toBeGreaterThanOrEqual(11);
    for (const { method, rest, operation } of studies) {
      const where = `${method.toUpperCase()} /api/v1/studies${rest}`;
      expect(operation.deprecated, where).toBeUndefined();
      const alias = aliases.find((a) => a.method === method && a.rest === rest)!.operation;
      expect(alias.deprecated, where).toBe(true);
      expect(alias.description, where).toContain(`Deprecated alias of \`${where}\``);
      // The same contract otherwise: parameters, body and responses.
      expect({ ...alias, deprecated: undefined, description: undefined }, where).toEqual({ ...operation, description: undefined });
    }
  });

  it('gives every operation a typed success response, the error shape, and a schema for any body it takes', () => {
    for (const [path, operations] of Object.entries(doc.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const where = `${method.toUpperCase()} ${path}`;
        const successes = Object.entries(operation.responses).filter(([status]) => status.startsWith('2'));
        expect(successes.length, where).toBeGreaterThan(0);
        for (const [, response] of successes) expect(Object.keys(response.content ?? {}).length, where).toBeGreaterThan(0);
        expect(JSON.stringify(operation.responses.default?.content?.['application/json']?.schema), where).toContain('#/components/schemas/Error');
        if (operation.requestBody) expect(JSON.stringify(operation.requestBody), where).toContain('"schema"');
      }
    }
    expect(Object.keys(doc.components?.schemas ?? {})).toEqual(expect.arrayContaining(['Error', 'Call', 'CapturedCall', 'StudyProgress']));
  });

  it('produces every documented success response for real, each matching its schema', async () => {
    const json = async (response: Response | Promise<Response>, status: number) => {
      const res = await response;
      expect(res.status, await res.clone().text()).toBe(status);
      return res.json();
    };
    const get = (path: string, status = 200) => json(t.get(path), status);
    const post = (path: string, body: unknown, status = 200) => json(t.post(path, body), status);

    await get('/api/v1/health');
    await get('/api/v1/providers');
    const { calls } = await post('/api/v1/inference', { provider: 'echo', prompt: 'contract', samples: 2 });
    const callId = calls[0].id;
    await get('/api/v1/calls?limit=5');
    await get(`/api/v1/calls/${callId}`);
    for (const format of ['csv', 'jsonl']) expect((await t.get(`/api/v1/calls/export?format=${format}`)).status).toBe(200);

    const { group } = await post('/api/v1/groups', { name: 'contract' }, 201);
    await post(`/api/v1/groups/${group.id}/members`, { call_ids: [callId] }, 201);
    await get('/api/v1/groups');
    await get(`/api/v1/groups/${group.id}`);

    const { conversation } = await post('/api/v1/conversations', { provider: 'echo' }, 201);
    await post(`/api/v1/conversations/${conversation.id}/messages`, { content: 'hello' });
    await get(`/api/v1/conversations/${conversation.id}`);

    await post('/api/v1/embeddings', { provider: 'echo', model: 'echo-1', texts: ['a', 'b'] });
    await post('/api/v1/embeddings/similar', { provider: 'echo', model: 'echo-1', text: 'a', k: 2 });

    for (const view of ['summary', 'providers', 'timeseries', 'recent']) await get(`/api/v1/analytics/${view}`);
    await get('/api/v1/search?q=contract');
    const price = { provider: 'echo', model: 'echo-1', input_usd_per_million: 1, output_usd_per_million: 2, effective_from: '2026-01-01' };
    await post('/api/v1/prices', price, 201);
    await post('/api/v1/prices', { ...price, output_usd_per_million: 3 }, 200);
    await get('/api/v1/prices');

    // Every study operation, at its path and at the deprecated alias (documented too, so checked too).
    const scoredStudies: number[] = [];
    for (const studies of ['/api/v1/studies', '/api/v1/batches']) {
      // A study whose second item fails once, so that resume has something to run.
      fake.setFaultPolicy((req) => (String(req.body?.messages?.[0]?.content).includes('flaky') ? { kind: 'status', status: 400 } : undefined));
      const study = await post(
        studies,
        {
          items: [{ prompt: 'Capital of France?', expected: 'echo: Capital of France?' }, { prompt: 'flaky' }],
          targets: [{ provider: 'echo' }, { provider: 'fake', model: 'fake-model' }],
          scorers: [{ type: 'exact' }],
        },
        202,
      );
      const settled = () => waitFor(() => get(`${studies}/${study.id}`), (p) => p.status !== 'running' && p.status !== 'creating');
      expect(await settled()).toMatchObject({ status: 'completed', failed: 1 });
      await get(studies);
      await get(`${studies}/${study.id}/results`);
      fake.setFaultPolicy(undefined);
      await post(`${studies}/${study.id}/resume`, {}, 202);
      expect(await settled()).toMatchObject({ status: 'completed', failed: 0 });

      const run = await post(`${studies}/${study.id}/score`, {}, 202);
      await waitFor(() => get(`${studies}/${study.id}/scoring/${run.id}`), (r) => r.status !== 'running');
      await get(`${studies}/${study.id}/scoring`);
      await get(`${studies}/${study.id}/report`);
      await post(`${studies}/estimate`, { items: [{ prompt: 'Capital of France?' }], targets: [{ provider: 'echo' }, { provider: 'fake', model: 'fake-model' }] });
      await post(`${studies}/${study.id}/budget`, { budget_usd: null });
      scoredStudies.push(study.id);
      for (const format of ['csv', 'jsonl']) expect((await t.get(`${studies}/${study.id}/export?format=${format}`)).status).toBe(200);
      const copy = await post(`${studies}/${study.id}/clone`, { samples: 1 }, 202);
      await waitFor(() => get(`${studies}/${copy.id}`), (p) => p.status !== 'running' && p.status !== 'creating');
      const rerun = await post(`${studies}/${study.id}/rerun`, { samples: 1 }, 202);
      await waitFor(() => get(`${studies}/${rerun.id}`), (p) => p.status !== 'running' && p.status !== 'creating');
      await get(`${studies}/${rerun.id}/runs`);
      await json(t.app.request(`${studies}/${rerun.id}/schedule`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ every: '7d' }) }), 200);
      await json(t.app.request(`${studies}/${rerun.id}/schedule`, { method: 'DELETE' }), 200);

      // Cancel last: a study held up by a slow provider.
      fake.setLatency(2_000);
      const slow = await post(studies, { items: [{ prompt: 'slow' }], targets: [{ provider: 'fake', model: 'fake-model' }] }, 202);
      await post(`${studies}/${slow.id}/cancel`, {});
      fake.setLatency(0);
    }
    for (const studies of ['/api/v1/studies', '/api/v1/batches']) await get(`${studies}/${scoredStudies[1]}/drift?baseline=${scoredStudies[0]}`);
    await post(`/api/v1/calls/${callId}/scores`, { pass: true, label: 'right' }, 201);
    await get(`/api/v1/calls/${callId}/scores`);

    const expected = documentedRoutes(t.deps).flatMap((route) =>
      Object.keys(route.responses)
        .filter((status) => status.startsWith('2'))
        .map((status) => `${route.method} ${route.template} ${status}`),
    );
    expect(expected.filter((response) => !checkedResponses.has(response))).toEqual([]);
  }, 60_000);
});
