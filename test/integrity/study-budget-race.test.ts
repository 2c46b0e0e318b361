// The spending cap with two servers on one libSQL server (sqld), their queue consumers running the
// same study's tasks side by side: each task's cost is reserved by one conditional UPDATE before it
// starts, so together they never start more than the cap leaves room for, and the spend never passes it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { consumeStudyMessages, type StudyMessageBody } from '../../src/studies/runner/queue-executor';
import type { FakeOpenAI } from '../support/fake-openai';
import { queueServerPair, type QueueServer, type QueueServerPair } from '../support/queue-server';
import type { Sqld } from '../support/sqld';

describe('a spending cap held by two servers on one libSQL server (sqld)', () => {
  let pair: QueueServerPair;
  let sqld: Sqld;
  let fake: FakeOpenAI;
  let a: QueueServer;
  let b: QueueServer;
  beforeAll(async () => {
    pair = await queueServerPair('sk-race-key');
    ({ sqld, fake, a, b } = pair);
  }, 60_000);
  afterAll(() => pair?.stop());

  const post = (s: QueueServer, path: string, body: unknown) =>
    s.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  const progress = async (s: QueueServer, id: number) => (await s.app.request(`/api/v1/studies/${id}`)).json();
  const consume = (s: QueueServer, bodies: StudyMessageBody[]) =>
    consumeStudyMessages(serviceContext(s.deps), bodies.map((body) => ({ body, ack() {}, retry() {} })));
  /** Both servers' consumers at once, each with half the messages. */
  const consumeOnBoth = async (messages: StudyMessageBody[]) => {
    const half = Math.ceil(messages.length / 2);
    await Promise.all([consume(a, messages.slice(0, half)), consume(b, messages.slice(half))]);
  };
  const capturedUsd = async (id: number) =>
    Number(
      (await sqld.client.execute({ sql: 'SELECT coalesce(sum(c.cost_usd), 0) AS usd FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE t.batch_id = ?', args: [id] })).rows[0]!.usd,
    );

  it('never starts a task that could pass the cap, stops interrupted (budget), and completes once the cap is raised', async () => {
    // A tenth of a cent a token. Each task is reserved at 3 input + 10 (max_tokens) output tokens, $0.013,
    // and costs 2 + 4 tokens, $0.006 (the fake server counts words): $0.05 leaves room for 3 tasks at a time.
    expect((await post(a, '/api/v1/prices', { provider: 'openai', model: 'gpt-priced', input_usd_per_million: 1000, output_usd_per_million: 1000, effective_from: '2020-01-01' })).status).toBeLessThan(300);
    fake.setLatency(150);
    const res = await post(a, '/api/v1/studies', {
      items: Array.from({ length: 40 }, (_, i) => ({ prompt: `question ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-priced', params: { max_tokens: 10 } }],
      concurrency: 20,
      budget_usd: 0.05,
    });
    expect(res.status).toBe(202);
    const { id } = await res.json();
    // 40 tasks in 8 messages, split between the two servers and consumed at the same moment.
    await consumeOnBoth(a.queue.take());

    const stopped = await progress(b, id);
    expect(stopped).toMatchObject({ status: 'interrupted', status_reason: 'budget' });
    const captured = await capturedUsd(id);
    expect(captured).toBeLessThanOrEqual(0.05);
    expect(stopped.budget.spent_usd).toBeCloseTo(captured, 9);
    expect(stopped.budget.reserved_usd).toBe(0);
    expect(stopped.done).toBeGreaterThan(0);
    // Tasks the cap had no room for went back unclaimed, so the resume below takes them at once.
    const claimedPending = await sqld.client.execute({ sql: "SELECT count(*) AS n FROM batch_tasks WHERE batch_id = ? AND status = 'pending' AND claimed_run IS NOT NULL", args: [id] });
    expect(Number(claimedPending.rows[0]!.n)).toBe(0);
    expect(stopped.done).toBeLessThanOrEqual(Math.floor(0.05 / 0.006));
    // The two servers together called the provider once per answered task, and no more.
    expect(fake.requestCount).toBe(stopped.done);

    expect((await post(b, `/api/v1/studies/${id}/budget`, { budget_usd: 1 })).status).toBe(200);
    expect((await post(b, `/api/v1/studies/${id}/resume`, {})).status).toBe(202);
    await consumeOnBoth(b.queue.take());
    const done = await progress(a, id);
    expect(done).toMatchObject({ status: 'completed', done: 40 });
    expect(done.budget.spent_usd).toBeCloseTo(40 * 0.006, 9);
    expect(fake.requestCount).toBe(40);
  }, 60_000);
});
