// What one small request may cost is bounded before any work: each request that froze or crashed
// the server before is now refused with a 4xx naming its limit, or done in slices. While each runs,
// a probe keeps asking for /api/v1/health: the event loop stays free (evidence by count and by the
// longest gap between answers).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, type TestApp } from '../support/app';

interface Probe {
  answered: number;
  /** The longest time between two health answers, less the probe's own pause. */
  longestGapMs: number;
}

/** Runs `work` while probing health every 5 ms; reports how often health answered and the longest stall. */
async function whileProbing<T>(t: TestApp, work: () => Promise<T>): Promise<{ result: T; probe: Probe }> {
  let running = true;
  const probe: Probe = { answered: 0, longestGapMs: 0 };
  const prober = (async () => {
    while (running) {
      const started = performance.now();
      const res = await t.get('/api/v1/health');
      if (res.status === 200) probe.answered++;
      await new Promise((resolve) => setTimeout(resolve, 5));
      probe.longestGapMs = Math.max(probe.longestGapMs, performance.now() - started - 5);
    }
  })();
  const result = await work();
  running = false;
  await prober;
  return { result, probe };
}

const limitMessage = async (res: Response) => {
  expect(res.status).toBe(400);
  const body = await res.json();
  expect(body.error.code).toBe('limit_exceeded');
  return body.error.message as string;
};

describe('cost ceilings (default limits)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('refuses 10,000 texts at 65,536 dimensions (it crashed the server) at once, on the API and the gateway', async () => {
    const texts = Array.from({ length: 10_000 }, (_, i) => `t${i}`);
    const api = await t.post('/api/v1/embeddings', { provider: 'echo', model: 'e', texts, dimensions: 65_536 });
    expect(await limitMessage(api)).toContain('MAX_EMBEDDING_DIMENSIONS');
    const floats = await t.post('/api/v1/embeddings', { provider: 'echo', model: 'e', texts: texts.slice(0, 1000), dimensions: 8_192 });
    expect(await limitMessage(floats)).toMatch(/1,000 texts × 8,192 dimensions is 8,192,000 floats; at most 4,194,304 per request .*MAX_EMBEDDING_FLOATS/);
    const gateway = await t.post('/v1/embeddings', { model: 'echo/e', input: texts, dimensions: 65_536 });
    expect(gateway.status).toBe(400);
    expect((await gateway.json()).error).toMatchObject({ code: 'limit_exceeded', message: expect.stringContaining('MAX_EMBEDDING_DIMENSIONS') });
    expect(Number((await t.deps.database.client.execute('SELECT count(*) FROM embedding_vectors')).rows[0]![0])).toBe(0);
  });

  it('refuses a 1 MB prompt × 100 samples (it froze the server 26 s) before any call', async () => {
    const before = await countCalls(t);
    const res = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'x'.repeat(1_000_000), samples: 100 });
    expect(await limitMessage(res)).toContain('MAX_INFERENCE_BYTES');
    expect(await countCalls(t)).toBe(before);
  });

  it('refuses a study upload over the row limit before parsing it', async () => {
    const csv = `prompt\n${'a prompt\n'.repeat(100_001)}`;
    const form = new FormData();
    form.append('file', new File([csv], 'big.csv', { type: 'text/csv' }));
    form.append('targets', 'echo|echo-1');
    const { result, probe } = await whileProbing(t, async () => t.app.request('/studies', { method: 'POST', body: form }));
    expect(result.status).toBe(400);
    expect(await result.text()).toContain('MAX_UPLOAD_ROWS');
    // Before: the file was parsed first, and health stalled 5.3 s behind it.
    expect(probe.longestGapMs).toBeLessThan(2_000);
  });

  it('creates a 1,000,000-task batch (1,000 items × 1,000 samples) in slices while health keeps answering', async () => {
    const { result, probe } = await whileProbing(t, () =>
      t.post('/api/v1/studies', {
        items: Array.from({ length: 1000 }, (_, i) => ({ prompt: `p${i}` })),
        targets: [{ provider: 'echo' }],
        samples: 1000,
        concurrency: 1,
      }),
    );
    expect(result.status).toBe(202);
    const { id, total } = await result.json();
    expect(total).toBe(1_000_000);
    await t.post(`/api/v1/studies/${id}/cancel`, {});
    // Before: one statement, health stalled 5.5 s. Now health answered throughout, every few ms.
    expect(probe.answered).toBeGreaterThanOrEqual(10);
    expect(probe.longestGapMs).toBeLessThan(2_000);
    const tasks = await t.deps.database.client.execute({
      sql: `SELECT count(*) AS n, count(DISTINCT ordinal) AS distinct_ordinals, max(ordinal) AS last,
                   sum(ordinal = (i.position * 1000 + t.sample_index) * 1 + t.target_index) AS consistent
              FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ?`,
      args: [id],
    });
    expect(tasks.rows[0]).toMatchObject({ n: 1_000_000, distinct_ordinals: 1_000_000, last: 999_999, consistent: 1_000_000 });
    // Its run order, written in slices too, is a permutation of the tasks; its first thousand tasks span hundreds of items.
    const order = await t.deps.database.client.execute({
      sql: `SELECT count(*) AS n, count(DISTINCT ordinal) AS distinct_ordinals, max(run_order) AS last,
                   (SELECT count(DISTINCT ordinal / 1000) FROM batch_task_order WHERE batch_id = ?1 AND run_order < 1000) AS first_items
              FROM batch_task_order WHERE batch_id = ?1`,
      args: [id],
    });
    expect(order.rows[0]).toMatchObject({ n: 1_000_000, distinct_ordinals: 1_000_000, last: 999_999 });
    expect(Number(order.rows[0]!.first_items)).toBeGreaterThan(500);
    console.log(`1,000,000-task batch: health answered ${probe.answered} times, longest gap ${probe.longestGapMs.toFixed(0)} ms`);
  }, 60_000);

  it('refuses more tasks than MAX_BATCH_TASKS, creating nothing', async () => {
    const groups = async () => Number((await t.deps.database.client.execute('SELECT count(*) FROM groups')).rows[0]![0]);
    const before = await groups();
    const res = await t.post('/api/v1/studies', { items: Array.from({ length: 1001 }, (_, i) => ({ prompt: `p${i}` })), targets: [{ provider: 'echo' }], samples: 1000 });
    expect(await limitMessage(res)).toContain('MAX_BATCH_TASKS');
    expect(await groups()).toBe(before);
  });
});

describe('cost ceilings are configurable', () => {
  it('applies the MAX_* variables, naming the one that refused', async () => {
    const t = await createTestApp({ MAX_EMBEDDING_INPUTS: '3', MAX_INFERENCE_BYTES: '100', MAX_BATCH_TASKS: '4' });
    try {
      expect(await limitMessage(await t.post('/api/v1/embeddings', { provider: 'echo', model: 'e', texts: ['a', 'b', 'c', 'd'] }))).toContain('MAX_EMBEDDING_INPUTS');
      expect(await limitMessage(await t.post('/api/v1/inference', { provider: 'echo', prompt: 'x'.repeat(30), samples: 5 }))).toContain('MAX_INFERENCE_BYTES');
      expect((await t.post('/api/v1/inference', { provider: 'echo', prompt: 'x', samples: 2 })).status).toBe(200);
      expect(await limitMessage(await t.post('/api/v1/studies', { items: [{ prompt: 'a' }, { prompt: 'b' }, { prompt: 'c' }], targets: [{ provider: 'echo' }], samples: 2 }))).toContain('MAX_BATCH_TASKS');
    } finally {
      t.close();
    }
  });

  it('keeps the server under 1 GiB while it embeds the most the default ceiling allows', async () => {
    const t = await createTestApp();
    try {
      // 2,730 texts × 1,536 dimensions: 4,193,280 floats, just under MAX_EMBEDDING_FLOATS.
      const texts = Array.from({ length: 2_730 }, (_, i) => `text number ${i}`);
      let peak = process.memoryUsage().rss;
      const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
      const res = await t.post('/api/v1/embeddings', { provider: 'echo', model: 'big', texts, dimensions: 1536, return_vectors: true });
      clearInterval(sampler);
      expect(res.status).toBe(200);
      expect((await res.json()).embedded).toBe(2_730);
      expect(peak).toBeLessThan(1024 ** 3);
      console.log(`peak RSS embedding 4,193,280 floats (vectors returned): ${(peak / 1024 ** 2).toFixed(0)} MiB`);
    } finally {
      t.close();
    }
  }, 120_000);
});
