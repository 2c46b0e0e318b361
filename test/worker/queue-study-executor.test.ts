// The Workers study backend, driven in Node with an in-memory queue standing in for Cloudflare Queues:
// what is enqueued, what the consumer runs, and that redelivery, stale messages and cancel are harmless.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { migrateDatabase } from '../../src/db/migrate';
import { createDeps, serviceContext, type AppDeps } from '../../src/deps';
import { createLogger } from '../../src/logging';
import { ProviderRegistry } from '../../src/providers/registry';
import {
  consumeStudyMessages,
  QueueStudyExecutor,
  STALE_RUN_MS,
  TASK_LEASE_MS,
  TASKS_PER_MESSAGE,
  type StudyMessageBody,
} from '../../src/studies/runner/queue-executor';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { delivery, MemoryQueue, queueServerPair, type QueueServer, type QueueServerPair } from '../support/queue-server';
import type { Sqld } from '../support/sqld';
import { waitFor } from '../support/wait';

describe('queue study executor (Workers backend)', () => {
  let fake: FakeOpenAI;
  let dir: string;
  let deps: AppDeps;
  let app: ReturnType<typeof createApp>;
  const queue = new MemoryQueue();
  const logs: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    dir = mkdtempSync(join(tmpdir(), 'study-queue-'));
    const config = loadConfig({
      DATABASE_URL: `file:${join(dir, 'study.db')}`,
      OPENAI_API_KEY: 'sk-queue-test-key',
      OPENAI_BASE_URL: fake.url,
      RETRY_MAX_ATTEMPTS: '1',
    });
    const database = await openDatabase(config.databaseUrl);
    await migrateDatabase(database.db);
    deps = createDeps({
      config,
      database,
      providers: ProviderRegistry.fromConfig(config),
      logger: createLogger({ write: (line) => logs.push(line), secrets: config.secrets }),
      studies: (ctx) => new QueueStudyExecutor(ctx, queue),
    });
    app = createApp(deps);
  });
  afterAll(async () => {
    deps.database.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    fake.reset();
    queue.take();
    vi.useRealTimers();
  });

  const post = async (path: string, body: unknown) =>
    app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const progress = async (id: number) => (await app.request(`/api/v1/studies/${id}`)).json();
  const consume = async (bodies: unknown[]) => {
    const messages = bodies.map(delivery);
    await consumeStudyMessages(serviceContext(deps), messages);
    return messages;
  };
  const taskRows = async (id: number) =>
    (
      await deps.database.client.execute({
        sql: `SELECT t.status, t.calls,
                     (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id AND c.status = 'success') AS successes
                FROM batch_tasks t WHERE t.batch_id = ? ORDER BY t.ordinal`,
        args: [id],
      })
    ).rows.map((r) => ({ status: String(r.status), calls: Number(r.calls), successes: Number(r.successes) }));
  const createStudy = async (items: number, extra: Record<string, unknown> = {}) => {
    const res = await post('/api/v1/studies', {
      items: Array.from({ length: items }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
      ...extra,
    });
    expect(res.status).toBe(202);
    return (await res.json()) as { id: number; status: string; total: number };
  };

  it('enqueues the pending tasks a few per message, and the consumer runs each one once', async () => {
    const study = await createStudy(6);
    expect(study).toMatchObject({ status: 'running', total: 12 });
    const messages = queue.take();
    expect(messages).toHaveLength(Math.ceil(12 / TASKS_PER_MESSAGE));
    expect(messages.flatMap((m) => m.taskIds)).toHaveLength(12);
    expect(new Set(messages.map((m) => m.run)).size).toBe(1);
    // The body keeps the shape messages queued before studies had their name carry.
    expect(messages.map((m) => Object.keys(m).sort())).toEqual(messages.map(() => ['batchId', 'run', 'taskIds']));
    expect(messages.every((m) => m.batchId === study.id)).toBe(true);
    expect(await progress(study.id)).toMatchObject({ status: 'running', pending: 12 });

    const delivered = await consume(messages);
    expect(delivered.every((m) => m.acked && !m.retried)).toBe(true);
    expect(await progress(study.id)).toMatchObject({ status: 'completed', done: 12, failed: 0, pending: 0 });
    expect(fake.requestCount).toBe(12);
    expect((await taskRows(study.id)).every((t) => t.status === 'success' && t.calls === 1 && t.successes === 1)).toBe(true);

    // At-least-once delivery: the same messages again change nothing.
    const again = await consume(messages);
    expect(again.every((m) => m.acked)).toBe(true);
    expect(fake.requestCount).toBe(12);
    expect((await taskRows(study.id)).every((t) => t.calls === 1)).toBe(true);
  });

  it('skips the tasks of a cancelled study, and drops messages of an earlier run after resume', async () => {
    const study = await createStudy(5);
    const [first, ...rest] = queue.take();
    await consume([first!]);
    const cancelled = await (await post(`/api/v1/studies/${study.id}/cancel`, {})).json();
    expect(cancelled).toMatchObject({ status: 'cancelled', done: TASKS_PER_MESSAGE });
    await consume(rest);
    expect(fake.requestCount).toBe(TASKS_PER_MESSAGE);
    expect((await progress(study.id)).status).toBe('cancelled');

    const resumed = await post(`/api/v1/studies/${study.id}/resume`, {});
    expect(resumed.status).toBe(202);
    const fresh = queue.take();
    expect(fresh.flatMap((m) => m.taskIds)).toHaveLength(10 - TASKS_PER_MESSAGE);
    // The old run's messages arrive late (a backlog, a redelivery): they must not run anything.
    await consume(rest);
    expect(fake.requestCount).toBe(TASKS_PER_MESSAGE);
    await consume(fresh);
    expect(await progress(study.id)).toMatchObject({ status: 'completed', done: 10 });
    expect(fake.requestCount).toBe(10);
    expect((await taskRows(study.id)).every((t) => t.successes === 1 && t.calls === 1)).toBe(true);
  });

  it('captures failures, completes, and a resume re-runs only the failed tasks', async () => {
    fake.setFaultPolicy((req) => (String(req.body?.messages?.[0]?.content).includes('question 1') ? { kind: 'status', status: 400 } : undefined));
    const study = await createStudy(3);
    await consume(queue.take());
    expect(await progress(study.id)).toMatchObject({ status: 'completed', done: 4, failed: 2 });

    fake.reset();
    await post(`/api/v1/studies/${study.id}/resume`, {});
    const retry = queue.take();
    expect(retry.flatMap((m) => m.taskIds)).toHaveLength(2);
    expect(await progress(study.id)).toMatchObject({ status: 'running', pending: 2, failed: 0 });
    await consume(retry);
    expect(await progress(study.id)).toMatchObject({ status: 'completed', done: 6, failed: 0 });
    expect(fake.requestCount).toBe(2);
    const rows = await taskRows(study.id);
    expect(rows.filter((t) => t.calls === 2)).toHaveLength(2); // a failed row, then a success row
    expect(rows.every((t) => t.successes === 1)).toBe(true);
  });

  it('reports a run whose messages stopped arriving as interrupted, and lets it be resumed', async () => {
    const study = await createStudy(2);
    queue.take(); // the messages are lost (dead-lettered after their retries)
    expect(await progress(study.id)).toMatchObject({ status: 'running' });
    expect((await post(`/api/v1/studies/${study.id}/resume`, {})).status).toBe(409);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + STALE_RUN_MS + 1000);
    expect(await progress(study.id)).toMatchObject({ status: 'interrupted', pending: 4 });
    expect((await post(`/api/v1/studies/${study.id}/resume`, {})).status).toBe(202);
    vi.useRealTimers();
    await consume(queue.take());
    expect(await progress(study.id)).toMatchObject({ status: 'completed', done: 4 });
  });

  it('acknowledges a malformed message, and asks the queue to retry one whose work failed', async () => {
    const [bad] = await consume([{ nonsense: true }]);
    expect(bad).toMatchObject({ acked: true, retried: false });
    expect(logs.some((l) => l.includes('study_message_invalid'))).toBe(true);

    const broken = await openDatabase(`file:${join(dir, 'broken.db')}`);
    broken.close();
    const brokenCtx = { ...serviceContext(deps), db: broken.db };
    const message = delivery({ batchId: 1, run: 'x', taskIds: [1] }); // the body's name for the study, as queued messages carry it
    await consumeStudyMessages(brokenCtx, [message]);
    expect(message).toMatchObject({ acked: false, retried: true });
  });
});

describe('one provider call per task on the queue path, two servers on one libSQL server (sqld)', () => {
  let pair: QueueServerPair;
  let sqld: Sqld;
  let fake: FakeOpenAI;
  let a: QueueServer;
  let b: QueueServer;
  beforeAll(async () => {
    pair = await queueServerPair('sk-queue-test-key');
    ({ sqld, fake, a, b } = pair);
  }, 60_000);
  afterAll(() => pair?.stop());
  afterEach(() => fake.reset());

  const post = (s: QueueServer, path: string, body: unknown = {}) =>
    s.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const progress = async (s: QueueServer, id: number) => (await s.app.request(`/api/v1/studies/${id}`)).json();
  const consume = async (s: QueueServer, bodies: unknown[]) => {
    const messages = bodies.map(delivery);
    await consumeStudyMessages(serviceContext(s.deps), messages);
    return messages;
  };
  const perTask = async (id: number) =>
    (
      await sqld.client.execute({
        sql: `SELECT t.id, t.status, (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id) AS calls
                FROM batch_tasks t WHERE t.batch_id = ? ORDER BY t.ordinal`,
        args: [id],
      })
    ).rows.map((r) => ({ id: Number(r.id), status: String(r.status), calls: Number(r.calls) }));
  const createStudy = async (s: QueueServer, items: number) => {
    const res = await post(s, '/api/v1/studies', {
      items: Array.from({ length: items }, (_, i) => ({ prompt: `question ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
      concurrency: 10,
    });
    expect(res.status).toBe(202);
    return ((await res.json()) as { id: number }).id;
  };

  it('a cancel and resume while calls are in flight: the new run leaves those tasks to them, and each task is called once', async () => {
    fake.setLatency(3000);
    const id = await createStudy(a, 5);
    const [first, second] = a.queue.take();
    expect(first!.taskIds).toHaveLength(TASKS_PER_MESSAGE);
    // Server a's consumer calls the provider for the first message's tasks...
    const firstRun = consume(a, [first!]);
    await waitFor(async () => fake.requestCount, (n) => n === TASKS_PER_MESSAGE, 10_000, 10);
    // ...while, on server b, the study is cancelled and resumed: a new run, all ten tasks pending.
    expect((await (await post(b, `/api/v1/studies/${id}/cancel`)).json()).status).toBe('cancelled');
    expect((await post(b, `/api/v1/studies/${id}/resume`)).status).toBe(202);
    const resumed = b.queue.take();
    expect(resumed.flatMap((m) => m.taskIds)).toHaveLength(10);
    // Server b's consumer runs only the tasks no call is in flight for; a's calls are still running.
    const delivered = await consume(b, resumed);
    expect(fake.requestCount).toBe(10);
    const holding = delivered.filter((m) => m.retried);
    expect(holding.map((m) => (m.body as StudyMessageBody).taskIds)).toEqual([first!.taskIds]);

    expect((await firstRun).every((m) => m.acked)).toBe(true);
    // Late and repeated deliveries change nothing: the first run's messages, and b's own again.
    await consume(a, [first!, second!]);
    await consume(b, resumed);
    expect(fake.requestCount).toBe(10);
    // The held message comes back once a's calls are over, and settles the run (if b's other message has not).
    const back = await consume(b, holding.map((m) => m.body));
    expect(back.every((m) => m.acked && !m.retried)).toBe(true);
    expect(await progress(a, id)).toMatchObject({ status: 'completed', done: 10, failed: 0 });
    expect((await perTask(id)).every((t) => t.status === 'success' && t.calls === 1)).toBe(true);
  }, 60_000);

  it('a task held by a run whose consumer died (its claim older than the lease) is called by the next run', async () => {
    const id = await createStudy(a, 1);
    a.queue.take(); // the first run's message is lost with its consumer
    const [dead, fresh] = (await perTask(id)).map((t) => t.id);
    const claimedAt = (msAgo: number) => new Date(Date.now() - msAgo).toISOString();
    await sqld.client.execute({ sql: "UPDATE batch_tasks SET claimed_run = 'dead-run', claimed_at = ? WHERE id = ?", args: [claimedAt(TASK_LEASE_MS + 60_000), dead!] });
    await sqld.client.execute({ sql: "UPDATE batch_tasks SET claimed_run = 'busy-run', claimed_at = ? WHERE id = ?", args: [claimedAt(1000), fresh!] });
    expect((await post(b, `/api/v1/studies/${id}/cancel`)).status).toBe(200);
    expect((await post(b, `/api/v1/studies/${id}/resume`)).status).toBe(202);
    const delivered = await consume(b, b.queue.take());
    // Only the task whose claim had expired was called; the other is left to its (live) run.
    expect(fake.requestCount).toBe(1);
    expect(delivered.map((m) => m.retried)).toEqual([true]);
    expect((await perTask(id)).map((t) => [t.status, t.calls])).toEqual([
      ['success', 1],
      ['pending', 0],
    ]);
  }, 30_000);
});
