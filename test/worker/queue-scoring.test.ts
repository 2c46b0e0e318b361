// Scoring through the queue (the Workers backend), driven in Node with an in-memory queue standing in
// for Cloudflare Queues, on the embedded file and on two servers sharing one libSQL server (sqld):
// a page of answers per message, each answer scored once, each judge call made once, and redelivered,
// duplicated or late messages change nothing.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { createApp } from '../../src/app';
import { loadConfig } from '../../src/config';
import { openDatabase } from '../../src/db/client';
import { createDeps, serviceContext } from '../../src/deps';
import { createLogger } from '../../src/logging';
import { ProviderRegistry } from '../../src/providers/registry';
import { QUEUE_STALE_MS } from '../../src/studies/runner/background-run';
import { consumeStudyMessages, type StudyMessageBody } from '../../src/studies/runner/queue-executor';
import { consumeScoringMessages, JUDGE_PAGE, QueueScoringExecutor, type ScoringMessageBody } from '../../src/studies/scoring/queue-scoring';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { delivery, queueServer as serverOn, type QueueServer } from '../support/queue-server';
import { startSqld, type Sqld } from '../support/sqld';

/** A server whose studies and scoring run through its queue. */
const queueServer = (env: Record<string, string>, migrate: boolean) => serverOn({ OPENAI_API_KEY: 'sk-queue-scoring-key', ...env }, { migrate, queueScoring: true });

const ITEMS = 12;
const SAMPLES = 2;
const ANSWERS = ITEMS * SAMPLES;
const EXACT = { name: 'exact', type: 'exact' };
const JUDGE = {
  name: 'judge',
  type: 'llm_judge',
  target: { provider: 'openai', model: 'gpt-judge' },
  rubric: 'Question: {question}\nAnswer: {answer}\nSay "Verdict: correct" or "Verdict: incorrect".',
  verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
};

const post = (s: QueueServer, path: string, body: unknown = {}) =>
  s.app.request(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
const getJson = async (s: QueueServer, path: string) => (await s.app.request(path)).json();
const consumeScoring = async (s: QueueServer, bodies: unknown[]) => {
  const messages = bodies.map(delivery);
  await consumeScoringMessages(s.deps.scoring, messages);
  return messages;
};

/** A completed study of ITEMS × one target × SAMPLES, run through the queue; even items expect the fake's answer. */
async function answeredStudy(s: QueueServer): Promise<number> {
  const res = await post(s, '/api/v1/studies', {
    items: Array.from({ length: ITEMS }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, expected: i % 2 === 0 ? `reply to: question ${i}` : 'something else' })),
    targets: [{ provider: 'openai', model: 'gpt-test' }],
    samples: SAMPLES,
  });
  expect(res.status).toBe(202);
  const { id } = await res.json();
  await consumeStudyMessages(serviceContext(s.deps), s.queue.take<StudyMessageBody>().map(delivery));
  expect(await getJson(s, `/api/v1/studies/${id}`)).toMatchObject({ status: 'completed', done: ANSWERS });
  return id;
}

/** Per answered call of the study: how many scores each scorer version gave it. */
async function scoresPerCall(s: QueueServer, studyId: number, scorer: string, version: number) {
  const rows = (
    await s.deps.database.client.execute({
      sql: `SELECT t.last_call_id AS call, (SELECT count(*) FROM scores c WHERE c.call_id = t.last_call_id AND c.scorer = ? AND c.version = ?) AS n
              FROM batch_tasks t WHERE t.batch_id = ? AND t.status = 'success'`,
      args: [scorer, version, studyId],
    })
  ).rows;
  return rows.map((r) => Number(r.n));
}

/** Judge calls captured per judged call. */
async function judgeCallsPerAnswer(s: QueueServer, studyId: number) {
  const rows = (
    await s.deps.database.client.execute({
      sql: `SELECT json_extract(metadata_json, '$.judged_call_id') AS judged, count(*) AS n FROM raw_calls
             WHERE json_extract(metadata_json, '$.source') = 'judge' AND json_extract(metadata_json, '$.batch_id') = ? GROUP BY judged`,
      args: [studyId],
    })
  ).rows;
  return rows.map((r) => Number(r.n));
}

const judgeRequests = (fake: FakeOpenAI) => fake.requests.filter((r) => r.body?.model === 'gpt-judge').length;

describe('scoring through the queue (Workers backend), on the embedded file', () => {
  let fake: FakeOpenAI;
  let dir: string;
  let s: QueueServer;
  let studyId: number;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    dir = mkdtempSync(join(tmpdir(), 'queue-scoring-'));
    s = await queueServer({ DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_BASE_URL: fake.url }, true);
    studyId = await answeredStudy(s);
  });
  afterAll(async () => {
    s.deps.database.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(() => {
    fake.reset();
    s.queue.take();
    vi.useRealTimers();
  });

  it('scores a deterministic scorer a page per message, each answer once; the message again adds nothing', async () => {
    const calls = fake.requestCount;
    const res = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [EXACT] });
    expect(res.status).toBe(202);
    const run = await res.json();
    expect(run).toMatchObject({ status: 'running', total: ANSWERS, done: 0 });
    const messages = s.queue.take<ScoringMessageBody>();
    expect(messages).toEqual([{ scoringRunId: run.id, page: 0 }]);

    expect((await consumeScoring(s, messages)).map((m) => [m.acked, m.retried])).toEqual([[true, false]]);
    const done = await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`);
    expect(done).toMatchObject({ status: 'completed', total: ANSWERS, done: ANSWERS, percent: 100 });
    expect(await scoresPerCall(s, studyId, 'exact', 1)).toEqual(Array(ANSWERS).fill(1));
    const passes = (await s.deps.database.client.execute({ sql: "SELECT count(*) AS n FROM scores WHERE scorer = 'exact' AND pass = 1 AND batch_id = ?", args: [studyId] })).rows[0]!;
    expect(Number(passes.n)).toBe(ANSWERS / 2);

    expect((await consumeScoring(s, messages)).every((m) => m.acked)).toBe(true);
    expect(await scoresPerCall(s, studyId, 'exact', 1)).toEqual(Array(ANSWERS).fill(1));
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ done: ANSWERS, status: 'completed' });
    expect(fake.requestCount).toBe(calls); // no model called
  });

  it('judges each answer with one call, however often and however concurrently its message is delivered', async () => {
    fake.setLatency(30);
    fake.setReplyPolicy((req) => (req.body.model === 'gpt-judge' ? 'Verdict: correct' : undefined));
    const res = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [JUDGE, { ...EXACT, name: 'exact-again' }], concurrency: 2 });
    expect(res.status).toBe(202);
    const run = await res.json();
    const messages = s.queue.take<ScoringMessageBody>();
    expect(messages).toHaveLength(Math.ceil(ANSWERS / JUDGE_PAGE));
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ status: 'running', done: 0, judge_calls: 0 });

    // Every message twice in one delivery: one copy scores its page, the other finds it held and comes back later.
    const first = await consumeScoring(s, [...messages, ...messages]);
    expect(first.filter((m) => m.acked && !m.retried)).toHaveLength(messages.length);
    const held = first.filter((m) => m.retried);
    expect(held).toHaveLength(messages.length);
    expect(judgeRequests(fake)).toBe(ANSWERS);
    // The held copies come back: their pages are done, so they are acknowledged and add nothing.
    expect((await consumeScoring(s, held.map((m) => m.body))).every((m) => m.acked && !m.retried)).toBe(true);
    expect((await consumeScoring(s, messages)).every((m) => m.acked)).toBe(true);

    expect(judgeRequests(fake)).toBe(ANSWERS);
    expect(await judgeCallsPerAnswer(s, studyId)).toEqual(Array(ANSWERS).fill(1));
    expect(await scoresPerCall(s, studyId, 'judge', 1)).toEqual(Array(ANSWERS).fill(1));
    expect(await scoresPerCall(s, studyId, 'exact-again', 1)).toEqual(Array(ANSWERS).fill(1));
    const progress = await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`);
    expect(progress).toMatchObject({ status: 'completed', total: 2 * ANSWERS, done: 2 * ANSWERS, judge_calls: ANSWERS, unscored: 0 });
    const judgeGroup = progress.scorers.find((v: { name: string }) => v.name === 'judge').judge_group_id;
    const members = (await s.deps.database.client.execute({ sql: 'SELECT count(*) AS n FROM group_members WHERE group_id = ?', args: [judgeGroup] })).rows[0]!;
    expect(Number(members.n)).toBe(ANSWERS);
  });

  it('shows a run with no progress for 15 minutes as interrupted; the next run takes over and the old messages add nothing', async () => {
    const res = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [{ ...EXACT, name: 'late' }] });
    const run = await res.json();
    const lost = s.queue.take<ScoringMessageBody>(); // not delivered yet (a backlog, or dead-lettered)
    expect((await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [EXACT] })).status).toBe(409);

    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(Date.now() + QUEUE_STALE_MS + 1000);
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ status: 'interrupted', done: 0 });
    const next = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [{ ...EXACT, name: 'late' }] });
    expect(next.status).toBe(202);
    vi.useRealTimers();
    const nextRun = await next.json();
    expect(nextRun.scorers[0]).toMatchObject({ name: 'late', version: 2 });

    expect((await consumeScoring(s, lost)).every((m) => m.acked && !m.retried)).toBe(true);
    expect(await scoresPerCall(s, studyId, 'late', 1)).toEqual(Array(ANSWERS).fill(0));
    await consumeScoring(s, s.queue.take());
    expect(await scoresPerCall(s, studyId, 'late', 2)).toEqual(Array(ANSWERS).fill(1));
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ status: 'interrupted' });
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${nextRun.id}`)).toMatchObject({ status: 'completed', done: ANSWERS });
  });

  it('lets a page whose scoring failed go, so the retried message scores it', async () => {
    fake.setReplyPolicy(() => 'Verdict: incorrect');
    const res = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [{ ...JUDGE, name: 'retried' }] });
    const run = await res.json();
    const [page, ...rest] = s.queue.take<ScoringMessageBody>();
    const broken = await openDatabase(`file:${join(dir, 'broken.db')}`);
    broken.close();
    const failed = delivery(page);
    await consumeScoringMessages({ ...s.deps.scoring, ctx: { ...s.deps.scoring.ctx, db: broken.db } }, [failed]);
    expect(failed).toMatchObject({ acked: false, retried: true });
    await consumeScoring(s, [page, ...rest]);
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ status: 'completed', done: ANSWERS });
    expect(await scoresPerCall(s, studyId, 'retried', 1)).toEqual(Array(ANSWERS).fill(1));
  });

  it('ends the run as failed when its judge provider is no longer configured where the message is consumed', async () => {
    const res = await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [{ ...JUDGE, name: 'orphaned' }] });
    const run = await res.json();
    const before = judgeRequests(fake);
    const withoutOpenAI = { ...s.deps.scoring, ctx: { ...s.deps.scoring.ctx, providers: ProviderRegistry.fromConfig(loadConfig({})) } };
    const delivered = s.queue.take<ScoringMessageBody>().map(delivery);
    await consumeScoringMessages(withoutOpenAI, delivered);
    expect(delivered.every((m) => m.acked && !m.retried)).toBe(true);
    expect(judgeRequests(fake)).toBe(before);
    expect(await getJson(s, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({
      status: 'failed',
      done: 0,
      error: expect.stringMatching(/^scorers\.0\.target\.provider: unknown provider "openai"/),
    });
    expect(await scoresPerCall(s, studyId, 'orphaned', 1)).toEqual(Array(ANSWERS).fill(0));
  });

  it('answers 503 without a queue, leaving the run failed and the next one free to start', async () => {
    const lonely = await (async () => {
      const config = loadConfig({ DATABASE_URL: `file:${join(dir, 'study.db')}`, OPENAI_API_KEY: 'sk-queue-scoring-key', OPENAI_BASE_URL: fake.url });
      const deps = createDeps({
        config,
        database: s.deps.database,
        providers: ProviderRegistry.fromConfig(config),
        logger: createLogger({ write: () => undefined, secrets: config.secrets }),
        scoring: (ctx, embeddings) => new QueueScoringExecutor(ctx, embeddings, undefined),
      });
      return createApp(deps);
    })();
    const res = await lonely.request(`/api/v1/studies/${studyId}/score`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ scorers: [EXACT] }) });
    expect(res.status).toBe(503);
    expect((await res.json()).error.code).toBe('queue_unavailable');
    const [latest] = (await getJson(s, `/api/v1/studies/${studyId}/scoring`)).runs;
    expect(latest).toMatchObject({ status: 'failed', error: 'no queue is bound as BATCH_QUEUE' });
    expect((await post(s, `/api/v1/studies/${studyId}/score`, { scorers: [EXACT] })).status).toBe(202);
    await consumeScoring(s, s.queue.take());
  });
});

describe('scoring through the queue on two servers sharing one libSQL server (sqld)', () => {
  let dir: string;
  let sqld: Sqld;
  let fake: FakeOpenAI;
  let a: QueueServer;
  let b: QueueServer;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'queue-scoring-sqld-'));
    [sqld, fake] = await Promise.all([startSqld(dir), startFakeOpenAI()]);
    const env = { DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken, OPENAI_BASE_URL: fake.url };
    a = await queueServer(env, true);
    b = await queueServer(env, false);
  }, 60_000);
  afterAll(async () => {
    a?.deps.database.close();
    b?.deps.database.close();
    await Promise.all([sqld?.close(), fake?.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('each page scored once and each judge call made once when both consumers get every message at once', async () => {
    const studyId = await answeredStudy(a);
    fake.reset();
    fake.setLatency(30);
    const res = await post(b, `/api/v1/studies/${studyId}/score`, { scorers: [JUDGE], concurrency: 3 });
    expect(res.status).toBe(202);
    const run = await res.json();
    const messages = b.queue.take<ScoringMessageBody>();
    const [onA, onB] = await Promise.all([consumeScoring(a, messages), consumeScoring(b, messages)]);
    const retried = [...onA, ...onB].filter((m) => m.retried);
    await consumeScoring(a, retried.map((m) => m.body));

    expect(judgeRequests(fake)).toBe(ANSWERS);
    expect(await judgeCallsPerAnswer(a, studyId)).toEqual(Array(ANSWERS).fill(1));
    expect(await scoresPerCall(a, studyId, 'judge', 1)).toEqual(Array(ANSWERS).fill(1));
    expect(await getJson(a, `/api/v1/studies/${studyId}/scoring/${run.id}`)).toMatchObject({ status: 'completed', done: ANSWERS, judge_calls: ANSWERS });
  }, 60_000);
});
