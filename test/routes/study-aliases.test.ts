// /api/v1/batches is what /api/v1/studies was first called: every study operation still answers
// there, exactly as at /api/v1/studies, its links pointing back under the path it was asked by.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const STUDIES = '/api/v1/studies';
const ALIAS = '/api/v1/batches';

describe('the /api/v1/batches alias of /api/v1/studies', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  /** A completed study with one failed task (its second item), an exact scorer and one finished scoring run. */
  let study: number;
  let scoringRun: number;

  const progress = async (id: number) => (await t.get(`${STUDIES}/${id}`)).json();
  const settled = (id: number) => waitFor(() => progress(id), (p) => p.status !== 'running' && p.status !== 'creating' && p.status !== 'cancelling');
  const start = async (prefix: string, body: unknown) => {
    const res = await t.post(prefix, body);
    expect(res.status, await res.clone().text()).toBe(202);
    return { res, body: await res.json() };
  };
  const flakyStudy = {
    name: 'alias',
    items: [{ id: 'fr', prompt: 'Capital of France?', expected: 'Paris' }, { id: 'bad', prompt: 'flaky' }],
    targets: [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test' }],
    samples: 2,
    scorers: [{ type: 'contains', name: 'paris' }],
  };
  /** The same request at both paths: status, content type and body (text) side by side. */
  const both = async (method: 'GET' | 'POST', rest: string, body?: unknown) => {
    const ask = (prefix: string) => (method === 'GET' ? t.get(`${prefix}${rest}`) : t.post(`${prefix}${rest}`, body ?? {}));
    const answers = [];
    for (const prefix of [STUDIES, ALIAS]) {
      const res = await ask(prefix);
      answers.push({ status: res.status, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition'), text: await res.text() });
    }
    return answers as [(typeof answers)[number], (typeof answers)[number]];
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-alias-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    fake.setFaultPolicy((req) => (String(req.body?.messages?.[0]?.content) === 'flaky' ? { kind: 'status', status: 400 } : undefined));
    study = (await start(STUDIES, flakyStudy)).body.id;
    expect(await settled(study)).toMatchObject({ status: 'completed', done: 6, failed: 2 });
    const scored = await (await t.post(`${STUDIES}/${study}/score`, {})).json();
    scoringRun = scored.id;
    await waitFor(async () => (await t.get(`${STUDIES}/${study}/scoring/${scoringRun}`)).json(), (run) => run.status !== 'running');
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.setLatency(0));

  it('POST starts a study as POST /api/v1/studies does, with its Location under the alias', async () => {
    const viaStudies = await start(STUDIES, flakyStudy);
    const viaAlias = await start(ALIAS, flakyStudy);
    expect(viaStudies.res.headers.get('location')).toBe(`${STUDIES}/${viaStudies.body.id}`);
    expect(viaAlias.res.headers.get('location')).toBe(`${ALIAS}/${viaAlias.body.id}`);
    // What does not move while the tasks run (counts and rates do).
    const comparable = ({ name, total, targets, samples, concurrency }: Record<string, unknown>) => ({ name, total, targets, samples, concurrency });
    expect(comparable(viaAlias.body)).toEqual(comparable(viaStudies.body));
    expect(comparable(viaAlias.body)).toMatchObject({ name: 'alias', total: 8, samples: 2 });
    const done = [await settled(viaStudies.body.id), await settled(viaAlias.body.id)];
    expect(done.map(({ status, done: finished, failed }) => ({ status, finished, failed }))).toEqual([
      { status: 'completed', finished: 6, failed: 2 },
      { status: 'completed', finished: 6, failed: 2 },
    ]);
    // Bad input is refused the same way at both.
    const [bad, badAlias] = await both('POST', '', { items: [], targets: [{ provider: 'echo' }] });
    expect(bad.status).toBe(400);
    expect(badAlias).toEqual(bad);
  });

  it('GET lists the studies, newest first with their progress, a page at a time, as GET /api/v1/studies does', async () => {
    const [list, listAlias] = await both('GET', '?limit=2');
    expect(list.status).toBe(200);
    expect(listAlias).toEqual(list);
    const page = JSON.parse(list.text);
    expect(page.studies).toHaveLength(2);
    expect(page.batches).toEqual(page.studies);
    expect(page.studies[0].id).toBeGreaterThan(page.studies[1].id);
    expect(page.studies[0]).toMatchObject({ status: expect.any(String), total: expect.any(Number), done: expect.any(Number) });
    expect(page.next_cursor).toBe(page.studies[1].id);
    const [next, nextAlias] = await both('GET', `?limit=2&cursor=${page.next_cursor}`);
    expect(nextAlias).toEqual(next);
    expect(JSON.parse(next.text).studies.every((s: { id: number }) => s.id < page.next_cursor)).toBe(true);
    const [bad, badAlias] = await both('GET', '?limit=0');
    expect(bad.status).toBe(400);
    expect(badAlias).toEqual(bad);
  });

  it('GET /{id} answers the progress GET /api/v1/studies/{id} does', async () => {
    const [one, alias] = await both('GET', `/${study}`);
    expect(one.status).toBe(200);
    expect(JSON.parse(one.text)).toMatchObject({ id: study, name: 'alias', status: 'completed', total: 8 });
    expect(alias).toEqual(one);
    const [missing, missingAlias] = await both('GET', '/987654');
    expect(missing.status).toBe(404);
    expect(missingAlias).toEqual(missing);
  });

  it('GET /{id}/results answers the answers per item × target GET /api/v1/studies/{id}/results does', async () => {
    const [results, alias] = await both('GET', `/${study}/results?limit=1`);
    expect(results.status).toBe(200);
    expect(JSON.parse(results.text).results).toHaveLength(2);
    expect(alias).toEqual(results);
  });

  it('POST /{id}/cancel cancels as POST /api/v1/studies/{id}/cancel does', async () => {
    fake.setLatency(300);
    const slow = { items: Array.from({ length: 4 }, (_, i) => ({ prompt: `slow ${i}` })), targets: [{ provider: 'openai', model: 'gpt-test' }], concurrency: 1 };
    const viaStudies = (await start(STUDIES, slow)).body.id;
    const viaAlias = (await start(ALIAS, slow)).body.id;
    const cancelled = await (await t.post(`${STUDIES}/${viaStudies}/cancel`, {})).json();
    const cancelledAlias = await (await t.post(`${ALIAS}/${viaAlias}/cancel`, {})).json();
    expect(cancelledAlias.status).toBe(cancelled.status);
    expect(['cancelling', 'cancelled']).toContain(cancelledAlias.status);
    expect(await settled(viaAlias)).toMatchObject({ status: 'cancelled', status_reason: 'cancelled on request' });
    await settled(viaStudies);
    // A completed study cannot be cancelled, at either path.
    const [refused, refusedAlias] = await both('POST', `/${study}/cancel`);
    expect(refused.status).toBe(409);
    expect(refusedAlias).toEqual(refused);
  });

  it('POST /{id}/resume resumes as POST /api/v1/studies/{id}/resume does, with its Location under the alias', async () => {
    const failing = { items: [{ prompt: 'flaky' }], targets: [{ provider: 'openai', model: 'gpt-test' }] };
    const ids = [(await start(STUDIES, failing)).body.id, (await start(STUDIES, failing)).body.id];
    for (const id of ids) expect(await settled(id)).toMatchObject({ status: 'completed', failed: 1 });
    const resumed = await Promise.all(ids.map((id, i) => t.post(`${i === 0 ? STUDIES : ALIAS}/${id}/resume`, {})));
    expect(resumed.map((res) => res.status)).toEqual([202, 202]);
    expect(resumed.map((res) => res.headers.get('location'))).toEqual([`${STUDIES}/${ids[0]}`, `${ALIAS}/${ids[1]}`]);
    for (const id of ids) expect(await settled(id)).toMatchObject({ status: 'completed', failed: 1 });
    // The same study resumed at one path, then at the other: each starts a run of its failed tasks.
    for (const prefix of [STUDIES, ALIAS]) {
      const again = await t.post(`${prefix}/${study}/resume`, {});
      expect(again.status).toBe(202);
      expect(again.headers.get('location')).toBe(`${prefix}/${study}`);
      expect(await settled(study)).toMatchObject({ status: 'completed', done: 6, failed: 2 });
    }
    const [missing, missingAlias] = await both('POST', '/987654/resume');
    expect(missing.status).toBe(404);
    expect(missingAlias).toEqual(missing);
  });

  it('GET /{id}/report answers the statistics GET /api/v1/studies/{id}/report does', async () => {
    const [report, alias] = await both('GET', `/${study}/report?scorer=paris`);
    expect(report.status).toBe(200);
    const withoutTiming = (text: string) => ({ ...JSON.parse(text), computed_ms: undefined });
    expect(withoutTiming(report.text)).toMatchObject({ id: study, scorer: { name: 'paris' } });
    expect(withoutTiming(alias.text)).toEqual(withoutTiming(report.text));
  });

  it('POST /{id}/score starts a scoring run as POST /api/v1/studies/{id}/score does, with its Location under the alias', async () => {
    const res = await t.post(`${ALIAS}/${study}/score`, {});
    expect(res.status).toBe(202);
    const run = await res.json();
    expect(res.headers.get('location')).toBe(`${ALIAS}/${study}/scoring/${run.id}`);
    expect(run).toMatchObject({ batch_id: study, study_id: study, scorers: [{ name: 'paris', version: expect.any(Number) }] });
    const finished = await waitFor(async () => (await t.get(`${STUDIES}/${study}/scoring/${run.id}`)).json(), (r) => r.status !== 'running');
    expect(finished).toMatchObject({ status: 'completed', total: 6 });
    const [refused, refusedAlias] = await both('POST', `/${study}/score`, { scorers: [{ type: 'nope' }] });
    expect(refused.status).toBe(400);
    expect(refusedAlias).toEqual(refused);
  });

  it('GET /{id}/scoring answers the recent scoring runs GET /api/v1/studies/{id}/scoring does', async () => {
    const [runs, alias] = await both('GET', `/${study}/scoring`);
    expect(runs.status).toBe(200);
    expect(JSON.parse(runs.text).runs.length).toBeGreaterThanOrEqual(1);
    expect(alias).toEqual(runs);
  });

  it('GET /{id}/scoring/{run} answers the scoring run GET /api/v1/studies/{id}/scoring/{run} does', async () => {
    const [run, alias] = await both('GET', `/${study}/scoring/${scoringRun}`);
    expect(run.status).toBe(200);
    expect(JSON.parse(run.text)).toMatchObject({ id: scoringRun, batch_id: study, study_id: study, status: 'completed' });
    expect(alias).toEqual(run);
  });

  it('GET /{id}/export streams the scored results GET /api/v1/studies/{id}/export does', async () => {
    for (const format of ['csv', 'jsonl']) {
      const [exported, alias] = await both('GET', `/${study}/export?format=${format}`);
      expect(exported.status).toBe(200);
      expect(exported.disposition).toBe(`attachment; filename="study-${study}-scored.${format}"`);
      expect(exported.text).toContain('Capital of France?');
      expect(alias).toEqual(exported);
    }
  });
});
