// A study cut short holds a random sample of its matrix (issue 19): tasks run in a seeded random
// order over items and samples, each round on every target, in this process and through the queue;
// the same seed gives the same order, and resume runs exactly the remaining tasks once each.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createDeps, serviceContext, type AppDeps } from '../../src/deps';
import { createLogger } from '../../src/logging';
import { ProviderRegistry } from '../../src/providers/registry';
import { consumeStudyMessages, QueueStudyExecutor, type StudyMessageBody } from '../../src/studies/runner/queue-executor';
import { createStudy } from '../../src/studies/repository';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const ITEMS = 40;
const SAMPLES = 5;
const TASKS = ITEMS * 2 * SAMPLES;
const matrix = (extra: Record<string, unknown> = {}) => ({
  items: Array.from({ length: ITEMS }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}` })),
  targets: [
    { provider: 'openai', model: 'gpt-a' },
    { provider: 'openai', model: 'gpt-b' },
  ],
  samples: SAMPLES,
  ...extra,
});

type Client = AppDeps['database']['client'];

/** The answered tasks of a study: how many, on how many items, and per target. */
async function answered(client: Client, studyId: number) {
  const rows = (
    await client.execute({
      sql: `SELECT t.item_id, t.target_index FROM batch_tasks t WHERE t.batch_id = ? AND t.status = 'success'`,
      args: [studyId],
    })
  ).rows;
  const perTarget = [0, 1].map((target) => rows.filter((r) => Number(r.target_index) === target).length);
  return { done: rows.length, items: new Set(rows.map((r) => Number(r.item_id))).size, perTarget };
}

/** The study's tasks in run order: their ids and prompts. */
async function runOrder(client: Client, studyId: number) {
  return (
    await client.execute({
      sql: `SELECT t.id, t.target_index, i.prompt FROM batch_task_order o
              JOIN batch_tasks t ON t.batch_id = o.batch_id AND t.ordinal = o.ordinal
              JOIN batch_items i ON i.id = t.item_id
             WHERE o.batch_id = ? ORDER BY o.run_order`,
      args: [studyId],
    })
  ).rows.map((r) => ({ id: Number(r.id), target: Number(r.target_index), prompt: String(r.prompt) }));
}

/** Every task has exactly one success row. */
async function eachTaskOnce(client: Client, studyId: number) {
  const rows = (
    await client.execute({
      sql: `SELECT (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id AND c.status = 'success') AS ok FROM batch_tasks t WHERE t.batch_id = ?`,
      args: [studyId],
    })
  ).rows;
  return rows.length === TASKS && rows.every((r) => Number(r.ok) === 1);
}

/**
 * A study as a server without run orders leaves it (an older version, during a rolling deploy; or one
 * made before them): no seed, no run order rows. Created stopped, for a resume to run.
 */
async function seedlessStudy(deps: AppDeps, prompts: string[]) {
  const now = new Date().toISOString();
  const id = await createStudy(
    deps.database.db,
    { name: 'seedless', targets: [{ provider: 'openai', model: 'gpt-a', params: {} }], samples: 1, concurrency: 1, options: {}, items: prompts.map((prompt, i) => ({ key: String(i), prompt })) },
    { runId: crypto.randomUUID(), runner: 'an older server', now },
  );
  await deps.database.client.batch([
    { sql: "UPDATE batches SET run_seed = NULL, status = 'interrupted' WHERE group_id = ?", args: [id] },
    { sql: 'DELETE FROM batch_task_order WHERE batch_id = ?', args: [id] },
  ]);
  return id;
}

/**
 * What item order could never give: it answers ⌈done / 10⌉ items (ten tasks each). A random order of
 * 20 or more (item, sample) pairs out of 200 covers fewer than 8 items with probability below 1e-10.
 */
function expectSpreadOverItems(result: { done: number; items: number }) {
  expect(result.items).toBeGreaterThanOrEqual(8);
  expect(result.items).toBeGreaterThan(Math.ceil(result.done / 10) + 2);
}

describe('the run order in this process', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-order-key', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());
  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();

  it('cut short after ~40 of 400 tasks: answers on many items, both targets alike; resume runs the rest once each', async () => {
    fake.setLatency(20);
    const res = await t.post('/api/v1/studies', matrix({ concurrency: 4 }));
    expect(res.status).toBe(202);
    const { id, seed } = await res.json();
    expect(seed).toEqual(expect.any(Number));
    await waitFor(() => progress(id), (p) => p.done >= 40, 20_000, 5);
    expect((await t.post(`/api/v1/studies/${id}/cancel`, {})).status).toBe(200);
    await waitFor(() => progress(id), (p) => p.status === 'cancelled');

    const cut = await answered(t.deps.database.client, id);
    expect(cut.done).toBeGreaterThanOrEqual(40);
    expect(cut.done).toBeLessThan(TASKS);
    expectSpreadOverItems(cut);
    // Each round runs one (item, sample) on both targets: they differ by at most the tasks in flight.
    expect(Math.abs(cut.perTarget[0]! - cut.perTarget[1]!)).toBeLessThanOrEqual(4);

    fake.setLatency(0);
    const before = fake.requestCount;
    expect((await t.post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    expect(await waitFor(() => progress(id), (p) => p.status === 'completed')).toMatchObject({ done: TASKS, failed: 0, seed });
    expect(fake.requestCount - before).toBe(TASKS - cut.done);
    expect(await eachTaskOnce(t.deps.database.client, id)).toBe(true);
  });

  it('gives the same order for the same seed, another for another, and runs in it', async () => {
    const create = async (extra: Record<string, unknown>) => {
      const res = await t.post('/api/v1/studies', matrix({ concurrency: 1, samples: 1, ...extra }));
      expect(res.status).toBe(202);
      return (await res.json()) as { id: number; seed: number };
    };
    const [a, b, c] = [await create({ seed: 2_024 }), await create({ seed: 2_024 }), await create({ seed: 7, template: 'C: {user_input}' })];
    expect(a.seed).toBe(2_024);
    const tasks = async (id: number) => (await runOrder(t.deps.database.client, id)).map((task) => `${task.prompt}@${task.target}`);
    expect(await tasks(a.id)).toEqual(await tasks(b.id));
    expect(await tasks(a.id)).not.toEqual(await tasks(c.id));
    const itemOrder = matrix().items.flatMap((item) => [`${item.prompt}@0`, `${item.prompt}@1`]);
    expect(await tasks(a.id)).not.toEqual(itemOrder);
    expect([...(await tasks(a.id))].sort()).toEqual([...itemOrder].sort());

    await waitFor(() => progress(c.id), (p) => p.status === 'completed');
    // One task at a time: the provider was called in the study's run order.
    const called = fake.requests
      .filter((r) => String(r.body.messages[0].content).startsWith('C: '))
      .map((r) => `${String(r.body.messages[0].content).slice(3)}@${r.body.model === 'gpt-a' ? 0 : 1}`);
    expect(called).toEqual(await tasks(c.id));
  });

  it('runs a study without a seed in item order', async () => {
    const prompts = Array.from({ length: 12 }, (_, i) => `old ${i}`);
    const id = await seedlessStudy(t.deps, prompts);
    expect((await t.post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    expect(await waitFor(() => progress(id), (p) => p.status === 'completed')).toMatchObject({ done: 12, seed: null });
    expect(fake.requests.map((r) => r.body.messages[0].content)).toEqual(prompts);
  });

  it('refuses a seed that is not a 32-bit unsigned integer, naming it', async () => {
    const res = await t.post('/api/v1/studies', matrix({ seed: -1 }));
    expect(res.status).toBe(400);
    expect((await res.json()).error.details[0].path).toBe('seed');
  });
});

describe('the run order through the queue (Workers)', () => {
  let fake: FakeOpenAI;
  let dir: string;
  let deps: AppDeps;
  let app: ReturnType<typeof createApp>;
  const sent: StudyMessageBody[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    dir = mkdtempSync(join(tmpdir(), 'study-order-queue-'));
    const config = loadConfig({ DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_API_KEY: 'sk-order-queue', OPENAI_BASE_URL: fake.url });
    const database = await openDatabase(config.databaseUrl);
    await migrateDatabase(database.db);
    const queue = { sendBatch: async (messages: Iterable<{ body: StudyMessageBody }>) => void sent.push(...[...messages].map((m) => structuredClone(m.body))) };
    deps = createDeps({
      config,
      database,
      providers: ProviderRegistry.fromConfig(config),
      logger: createLogger({ write: () => undefined, secrets: config.secrets }),
      studies: (ctx) => new QueueStudyExecutor(ctx, queue),
    });
    app = createApp(deps);
  });
  afterAll(async () => {
    deps.database.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const post = (path: string, body: unknown) => app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const consume = (bodies: StudyMessageBody[]) =>
    consumeStudyMessages(
      serviceContext(deps),
      bodies.map((body) => ({ body, ack: () => undefined, retry: () => undefined })),
    );

  it('enqueues tasks in run order; cut short, it holds many items on both targets; resume sends exactly the rest', async () => {
    const res = await post('/api/v1/studies', matrix());
    const { id } = await res.json();
    const order = await runOrder(deps.database.client, id);
    const first = sent.splice(0);
    expect(first.flatMap((m) => m.taskIds)).toEqual(order.map((task) => task.id));

    await consume(first.slice(0, 8)); // 40 tasks: 20 rounds of (item, sample) on both targets
    expect((await post(`/api/v1/studies/${id}/cancel`, {})).status).toBe(200);
    const cut = await answered(deps.database.client, id);
    expect(cut.done).toBe(40);
    expect(cut.perTarget).toEqual([20, 20]);
    expectSpreadOverItems(cut);

    expect((await post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    const rest = sent.splice(0);
    expect(rest.flatMap((m) => m.taskIds)).toEqual(order.slice(40).map((task) => task.id));
    await consume(rest);
    expect(fake.requestCount).toBe(TASKS);
    expect(await eachTaskOnce(deps.database.client, id)).toBe(true);
    expect(await (await app.request(`/api/v1/studies/${id}`)).json()).toMatchObject({ status: 'completed', done: TASKS });
  });

  it('enqueues a study without a seed in item order', async () => {
    const id = await seedlessStudy(deps, ['old a', 'old b', 'old c', 'old d', 'old e', 'old f', 'old g']);
    expect((await post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    const byOrdinal = (await deps.database.client.execute({ sql: 'SELECT id FROM batch_tasks WHERE batch_id = ? ORDER BY ordinal', args: [id] })).rows.map((r) => Number(r.id));
    expect(sent.splice(0).flatMap((m) => m.taskIds)).toEqual(byOrdinal);
  });
});
