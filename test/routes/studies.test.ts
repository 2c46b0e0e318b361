import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { createStudy, type NewStudy } from '../../src/studies/repository';
import { createGroup } from '../../src/groups/repository';
import { InProcessStudyExecutor, type StudyExecutor } from '../../src/studies/runner/runner';
import { resumeStudy } from '../../src/studies/service';
import { createTestApp, countCalls, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('batches', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-batch-test-key', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '2' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const finished = (id: number) => waitFor(() => progress(id), (p) => p.status !== 'running');
  /** A study created as owned by `runner` (as POST /api/v1/studies does), then launched by it. */
  const launchWith = async (runner: StudyExecutor, study: NewStudy) => {
    const runId = crypto.randomUUID();
    const id = await createStudy(t.deps.database.db, study, { runId, runner: runner.runner, now: new Date().toISOString() });
    await runner.launch(id, runId);
    return id;
  };
  const taskRows = async (id: number) =>
    (
      await t.deps.database.client.execute({
        sql: 'SELECT status, calls FROM batch_tasks WHERE batch_id = ? ORDER BY ordinal',
        args: [id],
      })
    ).rows;

  it('runs items × targets × samples in the background and reports progress and answer distributions', async () => {
    const res = await t.post('/api/v1/studies', {
      name: 'capitals',
      items: [{ id: 'fr', prompt: 'Capital of France?' }, { id: 'de', prompt: 'Capital of Germany?' }, { prompt: 'Capital of {country}?', vars: { country: 'Italy' } }],
      targets: [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test', params: { temperature: 0.9 } }],
      samples: 2,
      concurrency: 4,
      template: 'Answer briefly. {user_input}',
    });
    expect(res.status).toBe(202);
    const started = await res.json();
    expect(started).toMatchObject({ id: expect.any(Number), total: 12, status: 'running' });
    const done = await finished(started.id);
    expect(done).toMatchObject({ status: 'completed', total: 12, done: 12, failed: 0, pending: 0, percent: 100 });
    expect(fake.requests).toHaveLength(6);
    expect(fake.requests[0]!.body.messages[0].content).toMatch(/^Answer briefly\. Capital of /);

    const results = await (await t.get(`/api/v1/studies/${started.id}/results`)).json();
    expect(results.results).toHaveLength(6);
    const italyEcho = results.results.find((r: { item_key: string; target_index: number }) => r.item_key === '3' && r.target_index === 0);
    expect(italyEcho).toMatchObject({ samples: 2, success: 2, answers: [{ text: 'echo: Answer briefly. Capital of Italy?', count: 2 }] });

    const group = await (await t.get(`/api/v1/groups/${started.id}?members_limit=100`)).json();
    expect(group.group).toMatchObject({ group_type: 'batch', name: 'capitals' });
    expect(group.members).toHaveLength(12);
    expect((await taskRows(started.id)).every((r) => r.status === 'success' && Number(r.calls) === 1)).toBe(true);
  });

  it('stores items with messages, vars and awkward text exactly as given', async () => {
    const messages = [
      { role: 'system', content: 'Be terse — "quoted", \\backslashed\\, ünïcödé 🙂' },
      { role: 'user', content: 'Line one\nline two' },
    ];
    const res = await t.post('/api/v1/studies', {
      items: [{ id: 'conv', messages }, { id: "it's", prompt: 'x = {n}; y = "{n}"', vars: { n: '4.50' } }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      concurrency: 1,
    });
    const { id } = await res.json();
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 2 });
    // In the study's run order (seeded, not item order): compared as a set.
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.map((r) => r.body.messages)).toEqual(expect.arrayContaining([messages, [{ role: 'user', content: 'x = 4.50; y = "4.50"' }]]));
    const items = await t.deps.database.client.execute({
      sql: 'SELECT item_key, position, prompt, messages_json, vars_json FROM batch_items WHERE batch_id = ? ORDER BY position',
      args: [id],
    });
    expect(items.rows.map((r) => [r.item_key, r.position, r.prompt, r.messages_json && JSON.parse(String(r.messages_json)), r.vars_json])).toEqual([
      ['conv', 0, null, messages, null],
      ["it's", 1, 'x = {n}; y = "{n}"', null, '{"n":"4.50"}'],
    ]);
  });

  it('captures failed tasks, and resume re-runs only those', async () => {
    fake.setFaultPolicy((req) => (String(req.body?.messages?.[0]?.content).includes('bad') ? { kind: 'status', status: 400 } : undefined));
    const res = await t.post('/api/v1/studies', {
      items: [{ prompt: 'good 1' }, { prompt: 'bad 2' }, { prompt: 'good 3' }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
    });
    const { id } = await res.json();
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 4, failed: 2 });
    expect(fake.requests).toHaveLength(6);

    fake.reset();
    const resumed = await t.post(`/api/v1/studies/${id}/resume`, {});
    expect(resumed.status).toBe(202);
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 6, failed: 0 });
    expect(fake.requests).toHaveLength(2);
    expect(fake.requests.every((r) => r.body.messages[0].content === 'bad 2')).toBe(true);
    const rows = await taskRows(id);
    expect(rows.filter((r) => Number(r.calls) === 2)).toHaveLength(2); // a failure row and a success row each
  });

  it('resumes a study larger than one page of tasks, running only the unfinished ones, in order', async () => {
    const bad = new Set([1, 4, 5, 10, 13]);
    fake.setFaultPolicy((req) => (String(req.body?.messages?.[0]?.content).startsWith('bad') ? { kind: 'status', status: 400 } : undefined));
    const res = await t.post('/api/v1/studies', {
      items: Array.from({ length: 15 }, (_, i) => ({ prompt: `${bad.has(i) ? 'bad' : 'good'} ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      concurrency: 1,
    });
    const { id } = await res.json();
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 10, failed: 5 });

    fake.reset();
    // Two tasks per page: the five failed ones are spread over pages full of finished tasks.
    const runner = new InProcessStudyExecutor(serviceContext(t.deps), { taskPage: 2 });
    await resumeStudy({ ...serviceContext(t.deps), studies: runner }, id);
    const stats = runner.stats(id)!;
    expect(stats.queued + stats.running + stats.finished).toBe(5);
    await runner.idle();
    // In the study's run order, which every run of it follows.
    const inRunOrder = await t.deps.database.client.execute({
      sql: `SELECT i.prompt FROM batch_task_order o JOIN batch_tasks t ON t.batch_id = o.batch_id AND t.ordinal = o.ordinal
              JOIN batch_items i ON i.id = t.item_id WHERE o.batch_id = ? ORDER BY o.run_order`,
      args: [id],
    });
    expect(fake.requests.map((r) => r.body.messages[0].content)).toEqual(inRunOrder.rows.map((r) => String(r.prompt)).filter((p) => p.startsWith('bad')));
    expect((await taskRows(id)).map((r) => [r.status, Number(r.calls)])).toEqual(
      Array.from({ length: 15 }, (_, i) => ['success', bad.has(i) ? 2 : 1]),
    );
  });

  it('stops the whole run when a task cannot run, and ends it only once no task is left running', async () => {
    const before = await countCalls(t);
    fake.setLatency(150);
    // Every item's second target is a provider no longer configured (as after a config change and
    // a restart): its first task throws while the first item's openai task is still in flight.
    const runner = new InProcessStudyExecutor(serviceContext(t.deps), { taskPage: 5 });
    const id = await launchWith(runner, {
      name: 'orphaned target',
      targets: [
        { provider: 'openai', model: 'gpt-test', params: {} },
        { provider: 'gone', model: 'm', params: {} },
      ],
      samples: 1,
      concurrency: 2,
      options: {},
      items: Array.from({ length: 10 }, (_, i) => ({ key: String(i + 1), prompt: `p ${i}` })),
    });
    await runner.idle();
    // The task in flight was captured before the run ended, and nothing started after the failure.
    expect(await countCalls(t)).toBe(before + 1);
    await new Promise((r) => setTimeout(r, 400));
    expect(fake.requests).toHaveLength(1);
    expect(await countCalls(t)).toBe(before + 1);
    expect(runner.isRunningHere(id)).toBe(false);
    expect(t.logs.some((line) => line.includes('batch_error') && line.includes('gone'))).toBe(true);
    expect(await progress(id)).toMatchObject({ status: 'interrupted', done: 1, pending: 19 });
    expect((await progress(id)).status_reason).toContain('a task could not run');
  });

  it('tells a live run on another server from a dead one by its heartbeat and its process', async () => {
    const study = (name: string): NewStudy => ({
      name,
      targets: [{ provider: 'echo', model: 'echo-1', params: {} }],
      samples: 1,
      concurrency: 1,
      options: {},
      items: [{ key: '1', prompt: 'p' }],
    });
    const db = t.deps.database.db;
    const stamp = (runner: object, beatAgoMs: number) => ({
      runId: crypto.randomUUID(),
      runner: JSON.stringify(runner),
      now: new Date(Date.now() - beatAgoMs).toISOString(),
    });
    const host = (await import('node:os')).hostname();
    const started = Math.round(Date.now() - process.uptime() * 1000);
    // Another server (another host) that beat a moment ago is running it; resume must not start a second run.
    const elsewhere = await createStudy(db, study('elsewhere'), stamp({ host: 'other-host', pid: 1, started: 1, instance: 'x' }, 1000));
    expect(await progress(elsewhere)).toMatchObject({ status: 'running' });
    expect((await t.post(`/api/v1/studies/${elsewhere}/resume`, {})).status).toBe(409);
    // The same server, silent for longer than the stale limit: taken to be dead.
    const silent = await createStudy(db, study('silent'), stamp({ host: 'other-host', pid: 1, started: 1, instance: 'x' }, 60_000));
    expect(await progress(silent)).toMatchObject({ status: 'interrupted' });
    // A process on this host that no longer exists (a killed server): dead at once, resumable at once.
    const killed = await createStudy(db, study('killed'), stamp({ host, pid: 2 ** 22 + 17, started, instance: 'y' }, 10));
    expect(await progress(killed)).toMatchObject({ status: 'interrupted' });
    // A restarted container reuses the pid: an earlier process with our pid is gone too.
    const restarted = await createStudy(db, study('restarted'), stamp({ host, pid: process.pid, started: started - 60_000, instance: 'z' }, 10));
    expect(await progress(restarted)).toMatchObject({ status: 'interrupted' });
    for (const id of [silent, killed, restarted]) {
      expect((await t.post(`/api/v1/studies/${id}/resume`, {})).status).toBe(202);
      expect(await finished(id)).toMatchObject({ status: 'completed', done: 1 });
    }
  });

  it('cancels a running study and resumes it to completion without running anything twice', async () => {
    fake.setLatency(100);
    const res = await t.post('/api/v1/studies', {
      items: Array.from({ length: 10 }, (_, i) => ({ prompt: `slow ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      concurrency: 1,
    });
    const { id } = await res.json();
    await waitFor(() => progress(id), (p) => p.done >= 2);
    const cancelled = await (await t.post(`/api/v1/studies/${id}/cancel`, {})).json();
    // The task in flight finishes and is captured; then the run marks the study cancelled.
    expect(cancelled.status).toBe('cancelling');
    expect((await t.post(`/api/v1/studies/${id}/resume`, {})).status).toBe(409);
    const afterCancel = await waitFor(() => progress(id), (p) => p.status === 'cancelled');
    expect(afterCancel.done).toBeLessThan(10);
    await new Promise((r) => setTimeout(r, 300));
    expect((await progress(id)).done).toBe(afterCancel.done);

    fake.setLatency(0);
    await t.post(`/api/v1/studies/${id}/resume`, {});
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 10 });
    const prompts = fake.requests.map((r) => r.body.messages[0].content);
    expect(new Set(prompts).size).toBe(prompts.length);
    expect(prompts).toHaveLength(10);
  });

  it('backs off the whole study on a 429 with Retry-After, then continues', async () => {
    fake.failNext({ kind: 'status', status: 429, headers: { 'retry-after': '1' } });
    fake.setLatency(20);
    const res = await t.post('/api/v1/studies', {
      items: Array.from({ length: 12 }, (_, i) => ({ prompt: `q ${i}` })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      concurrency: 3,
    });
    const { id } = await res.json();
    expect(await finished(id)).toMatchObject({ status: 'completed', done: 12, failed: 0 });
    const limitedAt = fake.requests[0]!.receivedAt;
    // Requests started before the 429 came back were already in flight (at most concurrency - 1);
    // every later request waited for the Retry-After pause.
    const early = fake.requests.slice(1).filter((r) => r.receivedAt < limitedAt + 950);
    expect(early.length).toBeLessThanOrEqual(2);
    expect(fake.requests).toHaveLength(13);
  });

  it('rejects bad input naming the field and creates nothing', async () => {
    const before = await countCalls(t);
    const groupsBefore = (await (await t.get('/api/v1/groups?type=batch&limit=500')).json()).groups.length;
    const cases: Array<[unknown, string]> = [
      [{ targets: [{ provider: 'echo' }] }, 'items'],
      [{ items: [], targets: [{ provider: 'echo' }] }, 'items'],
      [{ items: [{ prompt: 'x' }], targets: [] }, 'targets'],
      [{ items: [{ prompt: 'x' }], targets: [{ provider: 'nope' }] }, 'targets.0.provider'],
      [{ items: [{}], targets: [{ provider: 'echo' }] }, 'items.0.prompt'],
      [{ items: [{ id: 'a', prompt: 'x' }, { id: 'a', prompt: 'y' }], targets: [{ provider: 'echo' }] }, 'items.1.id'],
      [{ items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], concurrency: 0 }, 'concurrency'],
      [{ items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], samples: 100000 }, 'samples'],
    ];
    for (const [body, field] of cases) {
      const res = await t.post('/api/v1/studies', body);
      expect(res.status, JSON.stringify(body)).toBe(400);
      expect((await res.json()).error.message).toContain(field);
    }
    expect((await t.get('/api/v1/studies/999999')).status).toBe(404);
    expect((await t.post('/api/v1/studies/999999/resume', {})).status).toBe(404);
    expect(await countCalls(t)).toBe(before);
    expect((await (await t.get('/api/v1/groups?type=batch&limit=500')).json()).groups.length).toBe(groupsBefore);
  });
});

describe('study pages for study groups without a run', () => {
  it('sends a study group that has no study run (a v1 import) to its group page', async () => {
    const t = await createTestApp();
    try {
      // The v1 importer makes study groups itself; the groups API refuses to.
      expect((await t.post('/api/v1/groups', { group_type: 'batch', name: 'imported v1 batch' })).status).toBe(400);
      const group = await createGroup(t.deps.database.db, { groupType: 'batch', name: 'imported v1 batch' });
      const res = await t.get(`/studies/${group.id}`);
      expect(res.status).toBe(302);
      expect(res.headers.get('location')).toBe(`/groups/${group.id}`);
      expect((await t.get('/studies/987654')).status).toBe(404);
    } finally {
      t.close();
    }
  });
});
