// The embedding service through the real openai SDK against the local OpenAI-compatible server.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { blobVector } from '../../src/embeddings/repository';
import { embeddingCacheKey, normalizeEmbeddingText } from '../../src/embeddings/cache-key';
import { EmbeddingService } from '../../src/embeddings/service';
import { VectorIndex } from '../../src/embeddings/vector-index';
import { countCalls, createTestApp, dumpDatabase, type TestApp } from '../support/app';
import { embeddingVector, startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const KEY = 'sk-embeddings-test-key-never-stored-7';
let modelCounter = 0;
/** Deployment answers are remembered per (provider, model) for the app's life: a fresh model per test. */
const freshModel = (label = 'emb') => `${label}-${++modelCounter}`;

describe('embedding service', () => {
  let fake: FakeOpenAI;
  let t: TestApp;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ LLM_ENDPOINT_FAKE_BASE_URL: fake.url, LLM_ENDPOINT_FAKE_API_KEY: KEY, RETRY_MAX_ATTEMPTS: '3' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const embed = async (body: Record<string, unknown>) => {
    const res = await t.post('/api/v1/embeddings', { provider: 'fake', ...body });
    return { status: res.status, body: await res.json() };
  };
  const sql = async (query: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql: query, args })).rows;
  const sentInputs = () => fake.requests.filter((r) => r.path.endsWith('/embeddings')).map((r) => r.body.input as string[]);

  describe('cache key', () => {
    it('normalizes text by removing null bytes and trimming whitespace', async () => {
      expect(normalizeEmbeddingText('  hel\u0000lo \n')).toBe('hello');
      const key = (over: Record<string, unknown> = {}) => embeddingCacheKey({ provider: 'p', model: 'm', text: 'hello', ...over });
      expect(await key({ text: normalizeEmbeddingText(' hello\u0000 ') })).toBe(await key());
      expect(await key({ encodingFormat: 'float' })).toBe(await key());
      const variants = await Promise.all([key({ provider: 'q' }), key({ model: 'n' }), key({ text: 'Hello' }), key({ dimensions: 8 }), key({ encodingFormat: 'base64' })]);
      expect(new Set([await key(), ...variants]).size).toBe(6);
    });
  });

  it('embeds a miss, then answers the same text from the cache with no provider call', async () => {
    const model = freshModel();
    const first = await embed({ model, texts: ['The cat sat on the mat.'] });
    expect(first.status).toBe(200);
    expect(first.body).toMatchObject({ provider: 'fake', model, cached: 0, embedded: 1, failed: 0, provider_requests: 1 });
    const [item] = first.body.embeddings;
    expect(item).toMatchObject({ index: 0, status: 'success', cached: false, dimension: 8, request_hash: expect.stringMatching(/^[0-9a-f]{64}$/) });

    fake.reset();
    const second = await embed({ model, texts: ['  The cat sat on the mat.\u0000 '] });
    expect(second.body).toMatchObject({ cached: 1, embedded: 0, provider_requests: 0 });
    expect(second.body.embeddings[0]).toMatchObject({ cached: true, call_id: item.call_id, vector_id: item.vector_id, request_hash: item.request_hash });
    expect(fake.requestCount).toBe(0);
  });

  it('sends only the misses of a batch, de-duplicated, chunked by the provider input limit after a one-text probe', async () => {
    const service = new EmbeddingService(serviceContext(t.deps), { maxInputsPerRequest: { fake: 3 } });
    const model = freshModel();
    await service.embed({ provider: 'fake', model, texts: ['a0', 'a1'] }); // probe + 1 request
    fake.reset();

    const texts = ['a0', 'b1', 'b2', 'b1', 'a1', 'b3', 'b4', 'b5', ' b2 ', 'b6', 'b7'];
    const result = await service.embed({ provider: 'fake', model, texts });
    expect(sentInputs()).toEqual([
      ['b1', 'b2', 'b3'],
      ['b4', 'b5', 'b6'],
      ['b7'],
    ]);
    expect(result).toMatchObject({ cached: 2, embedded: 9, failed: 0, provider_requests: 3 });
    expect(result.embeddings.map((e) => e.cached)).toEqual([true, false, false, false, true, false, false, false, false, false, false]);
    // Duplicates share one vector and the request that produced it.
    expect(result.embeddings[3]).toMatchObject({ vector_id: result.embeddings[1]!.vector_id, call_id: result.embeddings[1]!.call_id });
    expect(result.embeddings[8]!.vector_id).toBe(result.embeddings[2]!.vector_id);

    // A new model's first request is a one-text probe; the rest follow in full chunks.
    fake.reset();
    const other = freshModel();
    await service.embed({ provider: 'fake', model: other, texts: ['c1', 'c2', 'c3', 'c4', 'c5'] });
    expect(sentInputs()).toEqual([['c1'], ['c2', 'c3', 'c4'], ['c5']]);
  });

  it('captures one raw_calls row per provider request and one embedding_vectors row per distinct text', async () => {
    const service = new EmbeddingService(serviceContext(t.deps), { maxInputsPerRequest: { fake: 2 } });
    const model = freshModel();
    const callsBefore = await countCalls(t);
    const result = await service.embed({ provider: 'fake', model, texts: ['x1', 'x2', 'x3', 'x2'], dimensions: 4, metadata: { sweep: 'S1' } });
    expect(await countCalls(t)).toBe(callsBefore + 2);

    const calls = await sql(`SELECT * FROM raw_calls WHERE model = ? ORDER BY id`, [model]);
    expect(calls.map((c) => JSON.parse(String(c.request_json)))).toEqual([
      { model, input: ['x1'], dimensions: 4 },
      { model, input: ['x2', 'x3'], dimensions: 4 },
    ]);
    for (const call of calls) {
      expect(call).toMatchObject({ provider: 'fake', modality: 'embedding', status: 'success' });
      const response = JSON.parse(String(call.response_json));
      expect(response).toMatchObject({ vectors: expect.any(Number), dimension: 4 });
      // No vector in the captured response: they live in embedding_vectors.
      expect(String(call.response_json)).not.toMatch(/\[-?\d\.\d+,/);
      expect(JSON.parse(String(call.metadata_json))).toMatchObject({ source: 'embeddings', sweep: 'S1', attempts: 1 });
    }
    expect(JSON.parse(String(calls[0]!.metadata_json)).deployment_probe).toBe(true);
    expect(JSON.parse(String(calls[0]!.tokens_json))).toMatchObject({ prompt: 1, total: 1 });

    const vectors = await sql(`SELECT * FROM embedding_vectors WHERE model = ? ORDER BY id`, [model]);
    expect(vectors).toHaveLength(3);
    expect(vectors.map((v) => Number(v.call_id))).toEqual([Number(calls[0]!.id), Number(calls[1]!.id), Number(calls[1]!.id)]);
    for (const [i, text] of ['x1', 'x2', 'x3'].entries()) {
      const row = vectors[i]!;
      const stored = blobVector(row.vector);
      expect([...stored]).toEqual([...embeddingVector(text, 4)]);
      expect(Number(row.norm)).toBeCloseTo(1, 5);
      expect(row).toMatchObject({ dimension: 4, provider: 'fake', request_hash: result.embeddings[i]!.request_hash });
      expect(JSON.parse(String(row.metadata_json))).toMatchObject({ text, encoding_format: 'float', dimensions: 4 });
    }
    // The vector column really is a libSQL vector.
    const [typed] = await sql(`SELECT vector_extract(vector) AS v FROM embedding_vectors WHERE id = ?`, [Number(vectors[0]!.id)]);
    expect(JSON.parse(String(typed!.v))).toHaveLength(4);
  });

  it('never shares a provider request between identical requests in flight: each makes and captures its own', async () => {
    const model = freshModel();
    await embed({ model, texts: ['warm-up'] }); // the deployment probe, out of the way
    fake.reset();
    fake.setLatency(100);
    const [a, b] = await Promise.all([embed({ model, texts: ['same one', 'same two'] }), embed({ model, texts: ['same one', 'same two'] })]);
    expect([a.body.provider_requests, b.body.provider_requests]).toEqual([1, 1]);
    expect(sentInputs()).toEqual([
      ['same one', 'same two'],
      ['same one', 'same two'],
    ]);
    const rows = await sql(`SELECT metadata_json FROM raw_calls WHERE model = ? AND id IN (?, ?)`, [model, a.body.embeddings[0].call_id, b.body.embeddings[0].call_id]);
    expect(rows).toHaveLength(2);
    expect(rows.map((r) => JSON.parse(String(r.metadata_json)).deduplicated)).toEqual([undefined, undefined]);
  });

  it('keeps two cache entries, and two indexes, for the same text embedded by two models', async () => {
    const [m1, m2] = [freshModel(), freshModel()];
    const a = await embed({ model: m1, texts: ['shared text'] });
    const b = await embed({ model: m2, texts: ['shared text'], dimensions: 12 });
    expect(a.body.embeddings[0].request_hash).not.toBe(b.body.embeddings[0].request_hash);
    expect(a.body.embeddings[0].vector_id).not.toBe(b.body.embeddings[0].vector_id);
    const indexes = await sql(`SELECT model, dimension, table_name FROM embedding_indexes WHERE model IN (?, ?) ORDER BY model`, [m1, m2]);
    expect(indexes.map((r) => [r.model, r.dimension])).toEqual([
      [m1, 8],
      [m2, 12],
    ]);
    expect(new Set(indexes.map((r) => r.table_name)).size).toBe(2);
  });

  it('returns vectors when asked, identical whether the provider sent floats or base64', async () => {
    const model = freshModel();
    const floats = await embed({ model, texts: ['vector please'], return_vectors: true, encoding_format: 'float' });
    const packed = await embed({ model, texts: ['vector please'], return_vectors: true, encoding_format: 'base64' });
    expect(packed.body.embeddings[0].cached).toBe(false); // the encoding format is part of the key
    expect(floats.body.embeddings[0].vector).toEqual([...embeddingVector('vector please', 8)]);
    expect(packed.body.embeddings[0].vector).toEqual(floats.body.embeddings[0].vector);
    const cached = await embed({ model, texts: ['vector please'], return_vectors: true, encoding_format: 'base64' });
    expect(cached.body.embeddings[0]).toMatchObject({ cached: true, vector: floats.body.embeddings[0].vector });
  });

  describe('deployment validation', () => {
    beforeEach(() => fake.setFaultPolicy((req) => (req.body?.model === 'no-such-deployment' ? { kind: 'status', status: 404 } : undefined)));

    it('probes a missing deployment once, captures that failure, and refuses later requests without calling the provider', async () => {
      const before = await countCalls(t);
      const first = await embed({ model: 'no-such-deployment', texts: ['t1', 't2', 't3'] });
      expect(first.status).toBe(400);
      expect(first.body.error).toMatchObject({ code: 'deployment_not_found', message: expect.stringMatching(/^model: /) });
      expect(fake.requestCount).toBe(1);
      expect(fake.requests[0]!.body.input).toEqual(['t1']);
      expect(await countCalls(t)).toBe(before + 1);
      const [failed] = await sql(`SELECT status, error_json FROM raw_calls WHERE model = 'no-such-deployment'`);
      expect(failed).toMatchObject({ status: 'failed' });
      expect(JSON.parse(String(failed!.error_json))).toMatchObject({ status: 404, attempts: 1 });

      const again = await embed({ model: 'no-such-deployment', texts: ['t4'] });
      expect(again.status).toBe(400);
      expect(again.body.error.code).toBe('deployment_not_found');
      expect(fake.requestCount).toBe(1);
      expect(await countCalls(t)).toBe(before + 1);
    });

    it('shares one probe between concurrent first requests', async () => {
      fake.setLatency(30);
      const model = freshModel();
      const results = await Promise.all([embed({ model, texts: ['p1', 'p2'] }), embed({ model, texts: ['q1', 'q2'] })]);
      expect(results.map((r) => r.status)).toEqual([200, 200]);
      // One probe for both; the other request waited for it, then sent its texts together.
      expect([['p1', 'p2', 'q1,q2'], ['p1,p2', 'q1', 'q2']]).toContainEqual(sentInputs().map((input) => input.join(',')).sort());
      const probes = await sql(`SELECT count(*) AS n FROM raw_calls WHERE model = ? AND json_extract(metadata_json, '$.deployment_probe')`, [model]);
      expect(Number(probes[0]!.n)).toBe(1);
    });
  });

  it('retries transient errors and records the attempts', async () => {
    const model = freshModel();
    fake.failNext({ kind: 'status', status: 503 }, { kind: 'status', status: 429, headers: { 'retry-after-ms': '1' } });
    const { body } = await embed({ model, texts: ['flaky'] });
    expect(body.embeddings[0]).toMatchObject({ status: 'success', cached: false });
    const [call] = await sql(`SELECT metadata_json FROM raw_calls WHERE id = ?`, [body.embeddings[0].call_id]);
    expect(JSON.parse(String(call!.metadata_json)).attempts).toBe(3);
  });

  it('does not remember a transient probe failure: the next request probes again', async () => {
    const model = freshModel();
    fake.failNext(...Array.from({ length: 3 }, () => ({ kind: 'status' as const, status: 502 })));
    const failed = await embed({ model, texts: ['t1', 't2'] });
    expect(failed.status).toBe(200);
    expect(failed.body).toMatchObject({ failed: 2, embedded: 0, provider_requests: 1 });
    expect(failed.body.embeddings[1]).toMatchObject({ status: 'failed', call_id: failed.body.embeddings[0].call_id, error: { status: 502 } });
    expect(fake.requestCount).toBe(3);

    fake.reset();
    const ok = await embed({ model, texts: ['t1', 't2'] });
    expect(ok.body).toMatchObject({ embedded: 2, provider_requests: 2 });
    expect(sentInputs()).toEqual([['t1'], ['t2']]);
  });

  it('captures a non-retryable failure (too many inputs) as a failed row and sends nothing more', async () => {
    const service = new EmbeddingService(serviceContext(t.deps), { maxInputsPerRequest: { fake: 3 } });
    const model = freshModel();
    fake.setMaxEmbeddingInputs(2);
    const result = await service.embed({ provider: 'fake', model, texts: ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'] });
    // The probe (1 text) succeeds; the first 3-text request gets a 400, once, and nothing follows.
    expect(sentInputs()).toEqual([['n1'], ['n2', 'n3', 'n4']]);
    expect(result).toMatchObject({ embedded: 1, failed: 6, provider_requests: 2 });
    const failedCall = result.embeddings[1]!.call_id;
    expect(result.embeddings.slice(1).every((e) => e.status === 'failed' && e.call_id === failedCall)).toBe(true);
    const [row] = await sql(`SELECT status, error_json FROM raw_calls WHERE id = ?`, [failedCall]);
    expect(row!.status).toBe('failed');
    expect(JSON.parse(String(row!.error_json))).toMatchObject({ status: 400, attempts: 1, retryable: false });
  });

  it('files provider calls and every embedding used, hits included, under the group', async () => {
    const group = await (await t.post('/api/v1/groups', { group_type: 'experiment', name: 'sweep 1' })).json();
    const groupId = group.group?.id ?? group.id;
    const model = freshModel();
    await embed({ model, texts: ['g-cached'] });
    const { body } = await embed({ model, texts: ['g-cached', 'g-new'], group_id: groupId });
    const members = await sql(`SELECT call_id FROM group_members WHERE group_id = ?`, [groupId]);
    expect(members.map((m) => Number(m.call_id))).toEqual([body.embeddings[1].call_id]);
    const vectors = await sql(`SELECT vector_id FROM embedding_group_members WHERE group_id = ? ORDER BY vector_id`, [groupId]);
    expect(vectors.map((v) => Number(v.vector_id))).toEqual([body.embeddings[0].vector_id, body.embeddings[1].vector_id]);
  });

  describe('rejects bad input with a 400 naming the field, and changes nothing', () => {
    const cases: Array<[string, Record<string, unknown>, number, string]> = [
      ['a text that is empty once normalized', { model: 'm', texts: ['ok', ' \u0000 \n'] }, 400, 'texts.1'],
      ['no texts', { model: 'm', texts: [] }, 400, 'texts'],
      ['a text of the wrong type', { model: 'm', texts: [42] }, 400, 'texts.0'],
      ['a missing model', { texts: ['a'] }, 400, 'model'],
      ['dimensions of zero', { model: 'm', texts: ['a'], dimensions: 0 }, 400, 'dimensions'],
      ['an unknown encoding format', { model: 'm', texts: ['a'], encoding_format: 'int8' }, 400, 'encoding_format'],
      ['an unknown provider', { provider: 'nope', model: 'm', texts: ['a'] }, 400, 'provider'],
      ['an unknown field', { model: 'm', texts: ['a'], api_key: 'x' }, 400, 'api_key'],
      ['a group that does not exist', { model: 'm', texts: ['a'], group_id: 987654 }, 404, 'group'],
    ];
    for (const [label, body, status, field] of cases) {
      it(label, async () => {
        const before = await countCalls(t);
        const vectorsBefore = (await sql('SELECT count(*) AS n FROM embedding_vectors'))[0]!.n;
        const res = await embed(body);
        expect(res.status).toBe(status);
        expect(res.body.error.message).toContain(field);
        expect(await countCalls(t)).toBe(before);
        expect((await sql('SELECT count(*) AS n FROM embedding_vectors'))[0]!.n).toBe(vectorsBefore);
        expect(fake.requestCount).toBe(0);
      });
    }
  });

  it('never writes the provider key anywhere in the database', async () => {
    await embed({ model: freshModel(), texts: ['secret check'] });
    expect(await dumpDatabase(t)).not.toContain(KEY);
  });

  describe('similarity search', () => {
    const model = freshModel('similar');
    const texts = Array.from({ length: 40 }, (_, i) => `document number ${i}`);
    let vectors: number[][];
    let ids: number[];

    beforeAll(async () => {
      const { body } = await embed({ model, texts, dimensions: 16, return_vectors: true });
      vectors = body.embeddings.map((e: { vector: number[] }) => e.vector);
      ids = body.embeddings.map((e: { vector_id: number }) => e.vector_id);
    });

    const cosineDistance = (a: number[], b: number[]) => {
      let dot = 0, na = 0, nb = 0;
      for (let i = 0; i < a.length; i++) {
        dot += a[i]! * b[i]!;
        na += a[i]! ** 2;
        nb += b[i]! ** 2;
      }
      return 1 - dot / Math.sqrt(na * nb);
    };
    const bruteForce = (query: number[], k: number, among = ids) =>
      among
        .map((id) => ({ id, d: cosineDistance(query, vectors[ids.indexOf(id)]!) }))
        .sort((x, y) => x.d - y.d)
        .slice(0, k);

    it('finds the k nearest with their cosine distance, through the libSQL vector index', async () => {
      const query = vectors[7]!.map((v, i) => v + (i % 2 ? 0.01 : -0.01));
      const res = await t.post('/api/v1/embeddings/similar', { model, vector: query, k: 5 });
      expect(res.status).toBe(200);
      const body = await res.json();
      expect(body).toMatchObject({ model, dimension: 16, k: 5, query: null });
      expect(body.neighbors).toHaveLength(5);
      expect(body.neighbors[0]).toMatchObject({ vector_id: ids[7], text: 'document number 7', provider: 'fake', model });
      const expected = bruteForce(query, 5);
      expect(body.neighbors.map((n: { vector_id: number }) => n.vector_id)).toEqual(expected.map((e) => e.id));
      body.neighbors.forEach((n: { distance: number }, i: number) => { expect(n.distance).toBeCloseTo(expected[i]!.d, 5); });

      const [index] = await sql(`SELECT table_name FROM embedding_indexes WHERE model = ? AND dimension = 16`, [model]);
      const table = await VectorIndex.tableName(model, 16);
      expect(index!.table_name).toBe(table);
      expect(Number((await sql(`SELECT count(*) AS n FROM "${table}"`))[0]!.n)).toBe(40);
      const [plan] = await sql(`SELECT sql FROM sqlite_master WHERE name = ?`, [`${table}_ann`]);
      expect(String(plan!.sql)).toMatch(/libsql_vector_idx\(vector, 'metric=cosine'/);
    });

    it('embeds a query text through the cache and leaves the query itself out of the results', async () => {
      const res = await t.post('/api/v1/embeddings/similar', { provider: 'fake', model, text: 'document number 3', k: 3, dimensions: 16 });
      const body = await res.json();
      expect(body.query).toMatchObject({ cached: true, vector_id: ids[3] });
      expect(body.neighbors.map((n: { vector_id: number }) => n.vector_id)).not.toContain(ids[3]);
      expect(body.neighbors.map((n: { vector_id: number }) => n.vector_id)).toEqual(
        bruteForce(vectors[3]!, 4).map((e) => e.id).filter((id) => id !== ids[3]),
      );
    });

    it('searches only a group when given one', async () => {
      const group = await (await t.post('/api/v1/groups', { group_type: 'experiment', name: 'similar subset' })).json();
      const groupId = group.group?.id ?? group.id;
      const subset = texts.filter((_, i) => i % 4 === 0);
      await embed({ model, texts: subset, dimensions: 16, group_id: groupId });
      const res = await t.post('/api/v1/embeddings/similar', { model, vector: vectors[1], k: 3, group_id: groupId });
      const body = await res.json();
      const subsetIds = ids.filter((_, i) => i % 4 === 0);
      expect(body.neighbors.map((n: { vector_id: number }) => n.vector_id)).toEqual(bruteForce(vectors[1]!, 3, subsetIds).map((e) => e.id));
    });

    it('answers no neighbours for a dimension nothing was cached at', async () => {
      const res = await t.post('/api/v1/embeddings/similar', { model, vector: [0.1, 0.2, 0.3], k: 3 });
      expect(await res.json()).toMatchObject({ dimension: 3, neighbors: [] });
    });

    it('rejects a search without a query, with both text and vector, text without a provider, or a zero vector', async () => {
      for (const [body, field] of [
        [{ model, k: 3 }, 'text'],
        [{ model, text: 'a', vector: [1], provider: 'fake' }, 'text'],
        [{ model, text: 'a' }, 'provider'],
        [{ model, vector: [0, 0, 0] }, 'vector'],
        [{ model, vector: [1, 2], k: 1000 }, 'k'],
      ] as const) {
        const res = await t.post('/api/v1/embeddings/similar', body);
        expect(res.status).toBe(400);
        expect((await res.json()).error.message).toMatch(new RegExp(`^${field}`));
      }
    });
  });

  describe('page', () => {
    it('renders the embeddings page with the providers that embed', async () => {
      const res = await t.get('/embeddings');
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toContain('<h1>Embeddings</h1>');
      expect(html).toContain('value="fake"');
      expect(html).toContain('hx-post="/embeddings/similar"');
    });

    it('embeds from the form, shows hits and new texts, and escapes user text', async () => {
      const model = freshModel();
      const form = (texts: string) => new URLSearchParams({ provider: 'fake', model, texts });
      const post = (body: URLSearchParams) =>
        t.app.request('/embeddings', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' }, body });
      await post(form('first line'));
      const res = await post(form('first line\n\n<script>alert(1)</script>'));
      expect(res.status).toBe(200);
      const html = await res.text();
      expect(html).toMatch(/2 text\(s\): <strong>1 from cache<\/strong>, 1 embedded/);
      expect(html).toContain('badge-success">hit');
      expect(html).not.toContain('<script>alert(1)</script>');
      expect(html).toContain('&lt;script&gt;');
      expect(html).not.toContain('<html');
      // The cache counts below the forms are refreshed out of band.
      expect(html).toMatch(/<section id="embedding-cache" hx-swap-oob="true">[\s\S]*<td>emb-\d+<\/td>/);
    });

    it('shows a form error as an error box with a 400', async () => {
      const res = await t.app.request('/embeddings', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
        body: new URLSearchParams({ provider: 'fake', model: 'm', texts: '' }),
      });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('error-box');
    });
  });
});
