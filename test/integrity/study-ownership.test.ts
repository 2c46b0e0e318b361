// One run per study, on every database: a run is claimed by a conditional UPDATE, so concurrent
// resumes — in one process or from two servers on one libSQL server (sqld) — start exactly one run,
// and every task ends with exactly one success row.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { startSqld, type Sqld } from '../support/sqld';
import { waitFor } from '../support/wait';

const TASKS = 40;

async function cancelledStudy(t: TestApp, fake: FakeOpenAI): Promise<number> {
  fake.setLatency(40);
  const res = await t.post('/api/v1/studies', {
    items: Array.from({ length: TASKS }, (_, i) => ({ prompt: `task ${i}` })),
    targets: [{ provider: 'openai', model: 'gpt-test' }],
    concurrency: 2,
  });
  const { id } = await res.json();
  await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.done >= 2);
  expect((await t.post(`/api/v1/studies/${id}/cancel`, {})).status).toBe(200);
  await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'cancelled');
  fake.setLatency(5);
  return id;
}

/** Per task of the study: its success rows (by the bookkeeping column) and its status. */
async function successRowsPerTask(t: TestApp, studyId: number) {
  const result = await t.deps.database.client.execute({
    sql: `SELECT t.id, t.status, (SELECT count(*) FROM raw_calls c WHERE c.batch_task_id = t.id AND c.status = 'success') AS successes
            FROM batch_tasks t WHERE t.batch_id = ?`,
    args: [studyId],
  });
  return result.rows.map((r) => ({ status: String(r.status), successes: Number(r.successes) }));
}

async function resumeTenTimes(apps: TestApp[], id: number) {
  const responses = await Promise.all(Array.from({ length: 10 }, (_, i) => apps[i % apps.length]!.post(`/api/v1/studies/${id}/resume`, {})));
  return responses.map((r) => r.status).sort();
}

describe('ten concurrent resumes on the embedded file', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-own-key', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('start one run (one 202, nine 409s) and run every task once', async () => {
    const id = await cancelledStudy(t, fake);
    const doneBefore = (await (await t.get(`/api/v1/studies/${id}`)).json()).done;
    const callsBefore = fake.requestCount;
    expect(await resumeTenTimes([t], id)).toEqual([202, ...Array(9).fill(409)]);
    expect(await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed')).toMatchObject({ done: TASKS });
    expect(fake.requestCount - callsBefore).toBe(TASKS - doneBefore);
    expect((await successRowsPerTask(t, id)).every((task) => task.status === 'success' && task.successes === 1)).toBe(true);
  });

  it('refuses to cancel or resume a completed study with nothing left, leaving it completed', async () => {
    const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'one' }], targets: [{ provider: 'echo' }] })).json();
    await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
    const cancel = await t.post(`/api/v1/studies/${id}/cancel`, {});
    expect(cancel.status).toBe(409);
    expect((await cancel.json()).error.message).toContain('completed');
    const resume = await t.post(`/api/v1/studies/${id}/resume`, {});
    expect(resume.status).toBe(409);
    expect((await resume.json()).error.message).toContain('nothing left to run');
    expect((await (await t.get(`/api/v1/studies/${id}`)).json()).status).toBe('completed');
  });
});

describe('ten concurrent resumes from two servers on one libSQL server (sqld)', () => {
  let dir: string;
  let sqld: Sqld;
  let fake: FakeOpenAI;
  let servers: TestApp[];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'study-sqld-'));
    [sqld, fake] = await Promise.all([startSqld(dir), startFakeOpenAI()]);
    const env = { DATABASE_URL: sqld.url, DATABASE_AUTH_TOKEN: sqld.authToken, OPENAI_API_KEY: 'sk-own-key', OPENAI_BASE_URL: fake.url };
    servers = [await createTestApp(env), await createTestApp(env)];
  }, 60_000);
  afterAll(async () => {
    servers.forEach((s) => { s.close(); });
    await Promise.all([sqld.close(), fake.close()]);
    rmSync(dir, { recursive: true, force: true });
  });

  it('start one run between them (one 202, nine 409s) and run every task once', async () => {
    const [a, b] = servers as [TestApp, TestApp];
    const id = await cancelledStudy(a, fake);
    const doneBefore = (await (await b.get(`/api/v1/studies/${id}`)).json()).done;
    const callsBefore = fake.requestCount;
    expect(await resumeTenTimes([a, b], id)).toEqual([202, ...Array(9).fill(409)]);
    // Either server reports the run in progress: the one that runs it, and the other from the database.
    const finished = await waitFor(async () => (await b.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed', 30_000);
    expect(finished).toMatchObject({ done: TASKS, failed: 0 });
    expect(fake.requestCount - callsBefore).toBe(TASKS - doneBefore);
    expect((await successRowsPerTask(a, id)).every((task) => task.status === 'success' && task.successes === 1)).toBe(true);
  }, 60_000);

  it('lets a cancel made on one server stop the run of the other', async () => {
    const [a, b] = servers as [TestApp, TestApp];
    fake.setLatency(30);
    const { id } = await (
      await a.post('/api/v1/studies', {
        items: Array.from({ length: 200 }, (_, i) => ({ prompt: `long ${i}` })),
        targets: [{ provider: 'openai', model: 'gpt-test' }],
        concurrency: 1,
      })
    ).json();
    await waitFor(async () => (await b.get(`/api/v1/studies/${id}`)).json(), (p) => p.done >= 1);
    expect((await (await b.post(`/api/v1/studies/${id}/cancel`, {})).json()).status).toBe('cancelling');
    // Server a hears of it at its next heartbeat (5 s), finishes the task in flight and marks it cancelled.
    const cancelled = await waitFor(async () => (await a.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'cancelled', 15_000);
    expect(cancelled.done).toBeLessThan(200);
    const settled = fake.requestCount;
    await new Promise((r) => setTimeout(r, 300));
    expect(fake.requestCount).toBe(settled);
  }, 30_000);
});
