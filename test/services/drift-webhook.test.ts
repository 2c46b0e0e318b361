// The end of a scheduled run: scored with the study's scorers, its drift against the run before it
// computed once (the drift service is injected: here a simple function), and when anything drifted,
// a JSON summary POSTed to STUDY_WEBHOOK_URL — a local receiver on 127.0.0.1 — once, never retried.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { serviceContext } from '../../src/deps';
import { postDriftNotice, webhookTarget, type DriftNotice, type DriftSummary } from '../../src/studies/series/drift-webhook';
import { runScheduledWork, type ScheduleWork } from '../../src/studies/series/scheduler';
import { scheduledRunDrift } from '../../src/studies/series/drift-summary';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { createTestApp, type TestApp } from '../support/app';
import { waitFor } from '../support/wait';

const HOOK_TOKEN = 'hook-secret-token-7f3a9c';

interface Received {
  body: unknown;
  type: string | undefined;
}

describe('the drift webhook of scheduled runs', () => {
  let receiver: Server;
  let hookUrl: string;
  let received: Received[] = [];
  let respond: (res: ServerResponse) => void = (res) => res.writeHead(204).end();
  let t: TestApp;
  const studyCompleted = (id: number) => waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
  const scoringCompleted = (id: number, scoringId: number) =>
    waitFor(async () => (await t.get(`/api/v1/studies/${id}/scoring/${scoringId}`)).json(), (r) => r.status === 'completed');
  /** The study's run completed, then scored (as a series' first run is before its re-runs are compared with it). */
  async function scoredWhenCompleted(id: number) {
    await studyCompleted(id);
    const scoring = await (await t.post(`/api/v1/studies/${id}/score`, {})).json();
    await scoringCompleted(id, scoring.id);
  }
  let fake: FakeOpenAI;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    receiver = createServer((req: IncomingMessage, res) => {
      let text = '';
      req.on('data', (chunk) => (text += chunk));
      req.on('end', () => {
        received.push({ body: JSON.parse(text), type: req.headers['content-type'] });
        respond(res);
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    hookUrl = `http://127.0.0.1:${(receiver.address() as { port: number }).port}/hooks/${HOOK_TOKEN}`;
    t = await createTestApp({ STUDY_SCHEDULE_MIN_EVERY: '1m', STUDY_WEBHOOK_URL: hookUrl, STUDY_WEBHOOK_TIMEOUT_MS: '300', OPENAI_API_KEY: 'sk-drift-hook-key', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  });
  beforeEach(() => {
    received = [];
    respond = (res) => res.writeHead(204).end();
  });

  /** A scheduled study that has run once, and its first scheduled run, completed. */
  async function scheduledRun(scorers?: unknown[]) {
    const created = await t.post('/api/v1/studies', {
      name: 'drifting',
      items: [{ prompt: 'Paris', expected: 'Paris' }, { prompt: 'Rome', expected: 'Paris' }],
      targets: [{ provider: 'echo' }],
      schedule: { every: '1m' },
      ...(scorers ? { scorers } : {}),
    });
    const study = await created.json();
    const due = new Date(Date.parse(study.schedule.next_run_at));
    const { started } = await runScheduledWork({ ctx: serviceContext(t.deps), scoring: t.deps.scoring }, due);
    const run = started.find((s) => s.study === study.id)!;
    await studyCompleted(run.run);
    return { study: study.id as number, run: run.run, due };
  }

  const work = (driftSummary: DriftSummary): ScheduleWork => ({
    ctx: serviceContext(t.deps),
    scoring: t.deps.scoring,
    driftSummary,
    webhook: webhookTarget(t.deps.config.schedules),
  });

  it('scores the run first, then checks it against the previous run once and POSTs the summary when it drifted', async () => {
    const { study, run, due } = await scheduledRun([{ type: 'exact' }]);
    const asked: Array<[number, number]> = [];
    const drift: DriftSummary = async (runId, baselineId) => {
      asked.push([runId, baselineId]);
      return { drifted: true, summary: { items_drifted: 1, targets: [{ target_index: 0, accuracy_difference: { difference: -0.5, low: -0.9, high: -0.1 } }] } };
    };
    // The first check starts scoring; drift waits until the scores are in.
    expect((await runScheduledWork(work(drift), due)).checked).toEqual([]);
    const [scoring] = (await (await t.get(`/api/v1/studies/${run}/scoring`)).json()).runs;
    expect(scoring).toBeDefined();
    await scoringCompleted(run, scoring.id);
    expect((await runScheduledWork(work(drift), due)).checked).toEqual([run]);
    expect(asked).toEqual([[run, study]]);
    await waitFor(async () => received, (r) => r.length === 1);
    expect(received[0]!.type).toBe('application/json');
    expect(received[0]!.body).toEqual({
      event: 'study.drift',
      series_id: study,
      run_id: run,
      baseline_id: study,
      scheduled_for: due.toISOString(),
      name: 'drifting',
      summary: { items_drifted: 1, targets: [{ target_index: 0, accuracy_difference: { difference: -0.5, low: -0.9, high: -0.1 } }] },
    } satisfies DriftNotice);
    // Checked once: later checks neither ask again nor send again.
    expect((await runScheduledWork(work(drift), due)).checked).toEqual([]);
    expect(asked).toHaveLength(1);
    expect(received).toHaveLength(1);
  });

  it('sends nothing when nothing drifted', async () => {
    const { due } = await scheduledRun();
    const checked = await runScheduledWork(work(async () => ({ drifted: false, summary: {} })), due);
    expect(checked.checked).toHaveLength(1);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(received).toEqual([]);
  });

  it('tries a failing receiver once, logging the status but never the URL', async () => {
    respond = (res) => res.writeHead(500).end('down');
    const { run, due } = await scheduledRun();
    await runScheduledWork(work(async () => ({ drifted: true, summary: {} })), due);
    expect(received).toHaveLength(1);
    await runScheduledWork(work(async () => ({ drifted: true, summary: {} })), new Date(due.getTime() + 1000));
    expect(received).toHaveLength(1);
    const failures = t.logs.filter((line) => line.includes('drift_webhook_failed') && line.includes(`"run_id":${run}`));
    expect(failures).toHaveLength(1);
    expect(failures[0]).toContain('"status":500');
    expect(t.logs.join('\n')).not.toContain(HOOK_TOKEN);
  });

  it('gives up on a receiver that does not answer within STUDY_WEBHOOK_TIMEOUT_MS', async () => {
    respond = () => undefined;
    const started = Date.now();
    const sent = await postDriftNotice(
      { url: hookUrl, timeoutMs: 300 },
      { event: 'study.drift', series_id: 1, run_id: 2, baseline_id: 1, scheduled_for: null, name: 'x', summary: {} },
      { logger: t.deps.logger, redact: t.deps.redact },
    );
    expect(sent).toBe(false);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(t.logs.some((line) => line.includes('drift_webhook_failed') && line.includes('no answer within 300 ms'))).toBe(true);
    expect(t.logs.join('\n')).not.toContain(HOOK_TOKEN);
  });

  it('with the drift service: a model whose answers changed on some items is reported, naming exactly those items', async () => {
    const capitals = Array.from({ length: 8 }, (_, i) => ({ id: `q${i}`, prompt: `question ${i}`, expected: 'Paris' }));
    const moved = new Set(['question 0', 'question 1', 'question 2']);
    fake.setReplyPolicy(() => 'Paris');
    const created = await t.post('/api/v1/studies', {
      name: 'capitals over time',
      items: capitals,
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 5,
      scorers: [{ type: 'exact' }],
      schedule: { every: '1m' },
    });
    const study = await created.json();
    await scoredWhenCompleted(study.id);
    // The model changes its answer on three items.
    fake.setReplyPolicy(({ body }) => (moved.has(String(body.messages?.at(-1)?.content)) ? 'Lyon' : 'Paris'));
    const due = new Date(Date.parse(study.schedule.next_run_at));
    const drifting: ScheduleWork = { ...work(scheduledRunDrift(t.deps.database.db)) };
    const { started } = await runScheduledWork(drifting, due);
    const run = started.find((s) => s.study === study.id)!.run;
    await studyCompleted(run);
    await runScheduledWork(drifting, due);
    const [scoring] = (await (await t.get(`/api/v1/studies/${run}/scoring`)).json()).runs;
    await scoringCompleted(run, scoring.id);
    expect((await runScheduledWork(drifting, due)).checked).toEqual([run]);
    await waitFor(async () => received, (r) => r.length === 1);
    const notice = received[0]!.body as DriftNotice;
    expect(notice).toMatchObject({ run_id: run, baseline_id: study.id, series_id: study.id });
    const summary = notice.summary as { cells_drifted: number; items: Array<{ key: string }>; targets: Array<{ accuracy_difference: { difference: number } }> };
    expect(summary.items.map((item) => item.key).sort()).toEqual(['q0', 'q1', 'q2']);
    expect(summary.cells_drifted).toBe(3);
    // Three of eight items went from every sample right to every sample wrong.
    expect(summary.targets[0]!.accuracy_difference.difference).toBeCloseTo(-3 / 8, 10);
    fake.setReplyPolicy(undefined);
  }, 30_000);
  it('with the drift service: two items that both changed are not taken for a change in accuracy (sign test p = 0.5)', async () => {
    fake.setReplyPolicy(() => 'Lyon');
    const created = await t.post('/api/v1/studies', {
      name: 'two items',
      items: [{ id: 'a', prompt: 'first', expected: 'Paris' }, { id: 'b', prompt: 'second', expected: 'Paris' }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 1,
      scorers: [{ type: 'exact' }],
      schedule: { every: '1m' },
    });
    const study = await created.json();
    await scoredWhenCompleted(study.id);
    fake.setReplyPolicy(() => 'Paris');
    const due = new Date(Date.parse(study.schedule.next_run_at));
    const drifting: ScheduleWork = { ...work(scheduledRunDrift(t.deps.database.db)) };
    const run = (await runScheduledWork(drifting, due)).started.find((s) => s.study === study.id)!.run;
    await studyCompleted(run);
    await runScheduledWork(drifting, due);
    const [scoring] = (await (await t.get(`/api/v1/studies/${run}/scoring`)).json()).runs;
    await scoringCompleted(run, scoring.id);
    const drift = await (await t.get(`/api/v1/studies/${run}/drift?baseline=${study.id}`)).json();
    expect(drift.targets[0].accuracy_difference).toMatchObject({ difference: 1 });
    expect(drift.targets[0].p_value).toBeCloseTo(0.5, 10);
    expect((await runScheduledWork(drifting, due)).checked).toEqual([run]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(received).toEqual([]);
    fake.setReplyPolicy(undefined);
  }, 30_000);
  it('scores the series\' first run too when it never was, and still reports the drift', async () => {
    fake.setReplyPolicy(() => 'Paris');
    const created = await t.post('/api/v1/studies', {
      name: 'first run unscored',
      items: Array.from({ length: 6 }, (_, i) => ({ id: `u${i}`, prompt: `unscored ${i}`, expected: 'Paris' })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 5,
      scorers: [{ type: 'exact' }],
      schedule: { every: '1m' },
    });
    const study = await created.json();
    await studyCompleted(study.id);
    const moved = new Set(['unscored 0', 'unscored 1', 'unscored 2']);
    fake.setReplyPolicy(({ body }) => (moved.has(String(body.messages?.at(-1)?.content)) ? 'Lyon' : 'Paris'));
    const due = new Date(Date.parse(study.schedule.next_run_at));
    const drifting: ScheduleWork = { ...work(scheduledRunDrift(t.deps.database.db)) };
    const run = (await runScheduledWork(drifting, due)).started.find((s) => s.study === study.id)!.run;
    await studyCompleted(run);
    // Checks until both runs are scored and the run is checked.
    await waitFor(async () => (await runScheduledWork(drifting, due)).checked, (checked) => checked.includes(run), 15_000);
    await waitFor(async () => received, (r) => r.length === 1);
    const summary = received[0]!.body as DriftNotice;
    expect(summary).toMatchObject({ run_id: run, baseline_id: study.id });
    expect((summary.summary as { items: Array<{ key: string }> }).items.map((item) => item.key).sort()).toEqual(['u0', 'u1', 'u2']);
    fake.setReplyPolicy(undefined);
  }, 30_000);
});
