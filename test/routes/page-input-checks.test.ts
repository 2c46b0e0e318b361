// Inputs the pages and study scorers took without the checks the JSON API gives: prototype names
// as static files, broken multipart bodies, a page label the API would refuse, and an LLM judge
// whose target skipped the study target checks. Each is now a 4xx that names the field, changes
// nothing and calls no provider.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { nodeStaticAssets } from '../../src/node/static-assets';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('page and scorer inputs are checked like the API checks them', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let studyId: number;
  let callId: number;

  const snapshot = async () => {
    const counts: string[] = [];
    for (const table of ['groups', 'batches', 'batch_items', 'batch_tasks', 'raw_calls', 'scores', 'scoring_runs', 'sessions']) {
      counts.push(`${table}:${(await t.deps.database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n}`);
    }
    return counts.join(' ');
  };

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-page-checks', OPENAI_BASE_URL: fake.url });
    const res = await t.post('/api/v1/studies', { items: [{ id: 'q', prompt: 'What is 2+2?', expected: '4' }], targets: [{ provider: 'echo' }] });
    studyId = (await res.json()).id;
    await waitFor(() => t.get(`/api/v1/studies/${studyId}`).then((r) => r.json()), (p) => p.status === 'completed');
    callId = Number((await t.deps.database.client.execute('SELECT id FROM raw_calls LIMIT 1')).rows[0]!.id);
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  it('answers 404 for static names that are prototype properties', async () => {
    const app = createApp(t.deps, { staticAssets: nodeStaticAssets() });
    for (const name of ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf']) {
      expect((await app.request(`/static/${name}`)).status, name).toBe(404);
    }
    expect((await app.request('/static/app.css')).status).toBe(200);
  });

  it('answers 400 to a malformed multipart body on the sign-in and study forms, and changes nothing', async () => {
    const before = await snapshot();
    const broken = [
      '--xyz\r\nContent-Disposition: form-data; name="token"\r\n\r\nabc', // the closing boundary never comes
      'not multipart at all',
      '--xyz\r\nContent-Disposition: form-data\r\n\r\nno name\r\n--xyz--\r\n',
    ];
    for (const path of ['/login', '/studies', '/inference', `/calls/${callId}/label`]) {
      for (const body of broken) {
        const res = await t.app.request(path, { method: 'POST', headers: { 'content-type': 'multipart/form-data; boundary=xyz' }, body });
        expect(res.status, `${path} ${JSON.stringify(body)}`).toBe(400);
        // Pages answer with their error page, the sign-in form with the JSON error shape.
        expect(await res.text()).toContain('body: not a readable form');
      }
    }
    expect(await snapshot()).toBe(before);
  });

  it('refuses a page label the JSON API would refuse, naming the field, and stores nothing', async () => {
    const before = await snapshot();
    const post = (fields: Record<string, string>) =>
      t.app.request(`/calls/${callId}/label`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams(fields).toString(),
      });
    const huge = await post({ pass: '1', label: 'x'.repeat(1_900_000) });
    expect(huge.status).toBe(400);
    expect(await huge.text()).toMatch(/label: Too big|label: .*100/);
    const api = await t.post(`/api/v1/calls/${callId}/scores`, { pass: true, label: 'x'.repeat(1_900_000) });
    expect(api.status).toBe(400);
    const odd = await post({ pass: 'maybe' });
    expect(odd.status).toBe(400);
    expect(await odd.text()).toContain('pass: ');
    expect(await snapshot()).toBe(before);
    const fine = await post({ pass: '0', label: 'wrong unit' });
    expect(fine.status).toBe(200);
    expect((await (await t.get(`/api/v1/calls/${callId}/scores`)).json()).human).toMatchObject({ pass: false, label: 'wrong unit' });
  });

  const judge = (params: Record<string, unknown>) => ({
    type: 'llm_judge',
    target: { provider: 'openai', model: 'judge-model', params },
    rubric: 'Is {answer} right? Say "Verdict: correct" or "Verdict: incorrect".',
    verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
  });

  it('checks an LLM judge target exactly as a study target, on creation and on /score, before any call', async () => {
    const before = await snapshot();
    const cases: Array<[Record<string, unknown>, string]> = [
      [{ stream: true }, 'scorers.0.target.params.stream'],
      [{ n: 128 }, 'scorers.0.target.params.n'],
      [{ max_tokens: 5_000_000 }, 'scorers.0.target.params.max_tokens'],
      [{ temperature: 9 }, 'scorers.0.target.params.temperature'],
    ];
    for (const [params, field] of cases) {
      const created = await t.post('/api/v1/studies', { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], scorers: [judge(params)] });
      expect(created.status, JSON.stringify(params)).toBe(400);
      expect((await created.json()).error.message).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
      const scored = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [judge(params)] });
      expect(scored.status, JSON.stringify(params)).toBe(400);
      expect((await scored.json()).error.message).toMatch(new RegExp(`^${field.replaceAll('.', '\\.')}: `));
    }
    // A rubric naming its placeholders thousands of times would multiply a whole prompt into each judge call.
    const amplified = { ...judge({}), rubric: `${'{question}'.repeat(1_500)} {answer}` };
    const rubric = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [amplified] });
    expect(rubric.status).toBe(400);
    expect((await rubric.json()).error.message).toMatch(/^scorers\.0\.rubric: name the placeholders at most 10 times/);
    // The target schema is the study target's: the same refusal for a target of the study itself.
    const target = await t.post('/api/v1/studies', { items: [{ prompt: 'x' }], targets: [{ provider: 'openai', params: { stream: true } }] });
    expect((await target.json()).error.message).toMatch(/^targets\.0\.params\.stream: /);
    expect(fake.requests).toEqual([]);
    expect(await snapshot()).toBe(before);
  });

  it('stores the judge request exactly as it was sent', async () => {
    fake.setReplyPolicy(() => 'Verdict: correct');
    const run = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [judge({ temperature: 0, seed: 7, max_tokens: 50 })] });
    expect(run.status).toBe(202);
    await t.deps.scoring.idle();
    expect(fake.requests).toHaveLength(1);
    const sent = fake.requests[0]!.body;
    const stored = (await t.deps.database.client.execute("SELECT request_json FROM raw_calls WHERE json_extract(metadata_json, '$.source') = 'judge'")).rows;
    expect(stored).toHaveLength(1);
    // The provider layer adds `stream: false` to every non-streamed call (the SDK's transport flag, never
    // recorded, for any call); everything else is the stored request exactly. Before, a judge target's
    // `stream: true` was stored as if sent.
    const { stream, ...asBuilt } = sent;
    expect(stream).toBe(false);
    expect(JSON.parse(String(stored[0]!.request_json))).toEqual(asBuilt);
    expect(asBuilt).toMatchObject({ model: 'judge-model', temperature: 0, seed: 7, max_tokens: 50 });
  });

  it('refuses uploads the parser would read otherwise than they were counted or meant, creating nothing', async () => {
    const small = await createTestApp({ MAX_UPLOAD_ROWS: '5' });
    try {
      const before = Number((await small.deps.database.client.execute('SELECT count(*) FROM groups')).rows[0]![0]);
      const upload = async (name: string, text: string) => {
        const form = new FormData();
        form.append('file', new File([text], name));
        form.append('targets', 'echo|echo-1');
        const res = await small.app.request('/studies', { method: 'POST', body: form });
        return { status: res.status, page: await res.text() };
      };
      const crOnly = await upload('cr.csv', `prompt\r${Array.from({ length: 6 }, (_, i) => `p${i}`).join('\r')}`);
      expect(crOnly).toMatchObject({ status: 400, page: expect.stringContaining('MAX_UPLOAD_ROWS') });
      const noPrompt = await upload('q.csv', 'question,answer\nWhat?,That\n');
      expect(noPrompt.status).toBe(400);
      expect(noPrompt.page).toContain('no prompt column; the header has &quot;question&quot;, &quot;answer&quot;');
      const twice = await upload('d.csv', 'prompt,city,city\nx,a,b\n');
      expect(twice.status).toBe(400);
      expect(twice.page).toContain('the column &quot;city&quot; appears twice');
      expect(Number((await small.deps.database.client.execute('SELECT count(*) FROM groups')).rows[0]![0])).toBe(before);
      expect((await upload('ok.csv', 'prompt\r\na\r\nb\r\n')).status).toBe(303);
      // The upload form is read as it streams: repeated fields stay lists, the file stays a file.
      const form = new FormData();
      form.append('file', new File(['prompt,country\n"Capital of {country}, é?",Peru\n'], 'one.csv'));
      form.append('targets', 'echo|echo-1');
      form.append('targets', 'echo|echo-2');
      form.append('name', 'streamed form');
      const created = await small.app.request('/studies', { method: 'POST', body: form });
      expect(created.status).toBe(303);
      const id = Number(created.headers.get('location')!.split('/').pop());
      const study = await (await small.get(`/api/v1/studies/${id}`)).json();
      expect(study).toMatchObject({ name: 'streamed form', total: 2 });
      expect(study.targets.map((target: { model: string }) => target.model)).toEqual(['echo-1', 'echo-2']);
      const items = await small.deps.database.client.execute({ sql: 'SELECT prompt, vars_json FROM batch_items WHERE batch_id = ?', args: [id] });
      expect(items.rows[0]).toMatchObject({ prompt: 'Capital of {country}, é?', vars_json: '{"country":"Peru"}' });
    } finally {
      small.close();
    }
  });
});
