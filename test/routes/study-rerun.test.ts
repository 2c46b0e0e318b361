// POST /api/v1/studies/:id/rerun (and its /batches alias): a new run of a stored study with the same
// items and targets, its own tasks and calls, recording the run it repeats; GET /:id/runs lists them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countCalls, createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const STUDIES = '/api/v1/studies';

describe('re-running a study', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let first: number;

  const progress = async (id: number) => (await t.get(`${STUDIES}/${id}`)).json();
  const settled = (id: number) => waitFor(() => progress(id), (p) => p.status === 'completed' || p.status === 'interrupted');
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows;
  const studyCount = async () => Number((await rows('SELECT count(*) AS n FROM batches'))[0]!.n);
  const itemsOf = async (id: number) =>
    (await rows('SELECT item_key, prompt, expected_json FROM batch_items WHERE batch_id = ? ORDER BY position', [id])).map((r) => ({ ...r }));

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-rerun-test-key', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', MAX_BATCH_TASKS: '100' });
    const res = await t.post(STUDIES, {
      name: 'capitals',
      items: [
        { id: 'fr', prompt: 'Capital of France?', expected: 'Paris' },
        { id: 'de', prompt: 'Capital of Germany?', expected: 'Berlin' },
      ],
      targets: [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test', params: { temperature: 0 } }],
      samples: 1,
      scorers: [{ type: 'contains', name: 'paris' }],
    });
    expect(res.status, await res.clone().text()).toBe(202);
    first = (await res.json()).id;
    expect(await settled(first)).toMatchObject({ status: 'completed', done: 4 });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('answers 202 with a new run of the same items and targets, recording the run it repeats', async () => {
    const callsBefore = await countCalls(t);
    const res = await t.app.request(`${STUDIES}/${first}/rerun`, { method: 'POST' });
    expect(res.status, await res.clone().text()).toBe(202);
    const run = await res.json();
    expect(run.id).not.toBe(first);
    expect(res.headers.get('location')).toBe(`${STUDIES}/${run.id}`);
    expect(run).toMatchObject({ rerun_of: first, series_id: first, name: 'capitals', samples: 1, total: 4 });
    expect(run.targets).toEqual((await progress(first)).targets);
    expect(await itemsOf(run.id)).toEqual(await itemsOf(first));
    expect(await settled(run.id)).toMatchObject({ status: 'completed', done: 4 });
    // Its own tasks and calls: four new captured calls, linked to the new run's tasks.
    expect(await countCalls(t)).toBe(callsBefore + 4);
    const linked = await rows('SELECT count(*) AS n FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE t.batch_id = ?', [run.id]);
    expect(Number(linked[0]!.n)).toBe(4);
    // The scorers come along: scoring the re-run without naming any runs the study's own.
    const scored = await t.post(`${STUDIES}/${run.id}/score`, {});
    expect(scored.status).toBe(202);
  });

  it('takes samples and targets for this run only, and a re-run of a re-run stays in the first run\'s series', async () => {
    const res = await t.post(`${STUDIES}/${first}/rerun`, { samples: 3 });
    expect(res.status, await res.clone().text()).toBe(202);
    const run = await res.json();
    expect(run).toMatchObject({ samples: 3, total: 12, rerun_of: first, series_id: first });
    await settled(run.id);
    const again = await t.post(`/api/v1/batches/${run.id}/rerun`, { targets: [{ provider: 'echo', model: 'echo-1' }] });
    expect(again.status, await again.clone().text()).toBe(202);
    expect(again.headers.get('location')).toMatch(/^\/api\/v1\/batches\/\d+$/);
    const next = await again.json();
    expect(next).toMatchObject({ rerun_of: run.id, series_id: first, samples: 3, total: 6 });
    expect(next.targets).toEqual([{ provider: 'echo', model: 'echo-1', params: {} }]);
    await settled(next.id);
    const listed = await (await t.get(`${STUDIES}/${next.id}/runs`)).json();
    expect(listed.series_id).toBe(first);
    expect(listed.runs.map((r: { id: number }) => r.id).slice(0, 2)).toEqual([next.id, run.id]);
    expect(listed.runs.at(-1)).toMatchObject({ id: first, rerun_of: null });
  });

  it('lists the headline accuracy of a scored run with its interval over items', async () => {
    const scored = await (await t.post(`${STUDIES}/${first}/score`, {})).json();
    await waitFor(async () => (await t.get(`${STUDIES}/${first}/scoring/${scored.id}`)).json(), (r) => r.status !== 'running');
    const listed = await (await t.get(`${STUDIES}/${first}/runs`)).json();
    const original = listed.runs.find((r: { id: number }) => r.id === first);
    // Item fr: echo's answer repeats the prompt (no "Paris"); the fake's does not either: both items 0 of 2.
    expect(original.accuracy).toMatchObject({ scorer: 'paris', version: 1, items: 2 });
    expect(original.accuracy.low).toBeLessThanOrEqual(original.accuracy.estimate);
    expect(original.accuracy.high).toBeGreaterThan(original.accuracy.estimate);
  });

  it('lists the runs on the study page, runs it again from there, and shows the latest accuracy on the studies list', async () => {
    const page = await (await t.get(`/studies/${first}`)).text();
    expect(page).toContain('id="study-runs"');
    const listed = await (await t.get(`${STUDIES}/${first}/runs`)).json();
    for (const run of listed.runs) expect(page).toContain(`/studies/${run.id}"`);
    // Each re-run links to its drift report against the run it repeats.
    const rerun = listed.runs.find((r: { rerun_of: number | null }) => r.rerun_of !== null);
    expect(page).toContain(`/studies/${rerun.id}/drift?baseline=${rerun.rerun_of}"`);
    expect((await t.get(`/studies/${rerun.id}/drift?baseline=${rerun.rerun_of}`)).status).toBe(200);
    // The first run is scored (the test above): its figure and interval are on the page.
    const scoredRun = listed.runs.find((r: { accuracy: unknown }) => r.accuracy !== null);
    expect(page).toContain(`${(scoredRun.accuracy.estimate * 100).toFixed(1)}% <span class="muted">[${(scoredRun.accuracy.low * 100).toFixed(1)}%–`);
    const again = await t.app.request(`/studies/${first}/rerun`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: '' });
    expect(again.status).toBe(303);
    const newId = Number(again.headers.get('location')!.split('/').pop());
    expect((await progress(newId)).rerun_of).toBe(first);
    await settled(newId);
    const list = await (await t.get('/studies')).text();
    expect(list).toContain('latest accuracy');
    // The first run's row links to the series' newest run.
    expect(list).toContain(`<a href="/studies/${newId}" class="muted">run ${newId}</a>`);
  });

  it('answers 404 for an unknown study and creates nothing', async () => {
    const before = await studyCount();
    const res = await t.post(`${STUDIES}/999999/rerun`, {});
    expect(res.status).toBe(404);
    expect((await res.json()).error.code).toBe('not_found');
    expect(await studyCount()).toBe(before);
  });

  it.each([
    [{ samples: 0 }, 'samples'],
    [{ samples: 1001 }, 'samples'],
    [{ targets: [] }, 'targets'],
    [{ targets: Array.from({ length: 51 }, () => ({ provider: 'echo' })) }, 'targets'],
    [{ targets: [{ provider: 'echo', params: { temprature: 1 } }] }, 'targets.0.params.temprature'],
    [{ targets: [{ provider: 'nowhere' }] }, 'targets.0.provider'],
    [{ items: [] }, 'items'],
    [{ series_id: 5, rerun_of: 1 }, 'series_id'],
    ['{"samples": ', 'body'],
  ])('refuses %j with a 400 naming %s, and creates nothing', async (body, field) => {
    const before = await studyCount();
    const callsBefore = await countCalls(t);
    const res = await t.post(`${STUDIES}/${first}/rerun`, body);
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message).toContain(field);
    expect(await studyCount()).toBe(before);
    expect(await countCalls(t)).toBe(callsBefore);
  });

  it('refuses to re-run a study still being created (409), creating nothing', async () => {
    const { id } = await (await t.post(STUDIES, { items: [{ prompt: 'half' }], targets: [{ provider: 'echo' }] })).json();
    await settled(id);
    await rows("UPDATE batches SET status = 'creating' WHERE group_id = ?", [id]);
    const before = await studyCount();
    const res = await t.post(`${STUDIES}/${id}/rerun`, {});
    expect(res.status).toBe(409);
    expect(await studyCount()).toBe(before);
  });

  it('refuses a re-run over MAX_BATCH_TASKS before creating anything', async () => {
    const before = await studyCount();
    const res = await t.post(`${STUDIES}/${first}/rerun`, { samples: 26 });
    expect(res.status).toBe(400);
    expect((await res.json()).error.code).toBe('limit_exceeded');
    expect(await studyCount()).toBe(before);
  });

  it('takes an empty JSON body as no overrides, and refuses overrides sent as something other than JSON', async () => {
    const before = await studyCount();
    const res = await t.post(`${STUDIES}/${first}/rerun`, '');
    expect(res.status, await res.clone().text()).toBe(202);
    await settled((await res.json()).id);
    const form = await t.post(`${STUDIES}/${first}/rerun`, 'samples=2', { 'content-type': 'application/x-www-form-urlencoded' });
    expect(form.status).toBe(415);
    expect(await studyCount()).toBe(before + 1);
  });
  it('re-runs a study of prompt variants with other targets through each variant, under the same spending cap', async () => {
    expect((await t.post('/api/v1/prices', { provider: 'openai', model: 'gpt-test', input_usd_per_million: 1, output_usd_per_million: 1, effective_from: '2020-01-01' })).status).toBeLessThan(300);
    expect((await t.post('/api/v1/prices', { provider: 'openai', model: 'gpt-other', input_usd_per_million: 1, output_usd_per_million: 1, effective_from: '2020-01-01' })).status).toBeLessThan(300);
    const res = await t.post(STUDIES, {
      items: [{ id: 'fr', prompt: 'France' }],
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      prompts: [{ name: 'ask', template: 'Capital of {user_input}?' }, { name: 'terse', template: 'One word: {user_input}' }],
      samples: 1,
      budget_usd: 5,
    });
    expect(res.status, await res.clone().text()).toBe(202);
    const study = (await res.json()).id;
    await settled(study);
    fake.reset();
    const rerun = await t.post(`${STUDIES}/${study}/rerun`, { targets: [{ provider: 'openai', model: 'gpt-other' }] });
    expect(rerun.status, await rerun.clone().text()).toBe(202);
    const run = await rerun.json();
    expect(run.targets.map((target: { model: string; prompt_name?: string }) => `${target.model}·${target.prompt_name}`)).toEqual(['gpt-other·ask', 'gpt-other·terse']);
    expect(run.budget).toMatchObject({ budget_usd: 5 });
    await settled(run.id);
    expect(fake.requests.map((r) => r.body.messages.at(-1).content).sort()).toEqual(['Capital of France?', 'One word: France']);
    // Other targets with no price cannot run under the cap.
    const unpriced = await t.post(`${STUDIES}/${study}/rerun`, { targets: [{ provider: 'openai', model: 'gpt-unpriced' }] });
    expect(unpriced.status).toBe(400);
  });
});
