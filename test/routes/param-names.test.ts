// A misspelt sampling parameter (`temprature = 0, 1`) used to make two targets that differ in nothing
// and send {"temprature": 1} upstream. Now an unknown name is a 400 naming it and the nearest known
// name — in the study API (targets, sweep, judge targets), the Studies form, the inference API and
// page — unless the target says "allow_unknown_params": true. The gateway forwards what clients send.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const SUGGESTION = /unknown parameter "temprature"; did you mean temperature\?/;

describe('sampling parameter names', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-param-names', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const rows = async () => {
    const counts: string[] = [];
    for (const table of ['groups', 'batches', 'raw_calls', 'scoring_runs']) counts.push(String((await t.deps.database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n));
    return counts.join(' ');
  };
  const refused = async (res: Response, field: string) => {
    expect(res.status).toBe(400);
    const { error } = await res.json();
    expect(error.message.startsWith(`${field}: `), error.message).toBe(true);
    expect(error.message).toMatch(SUGGESTION);
    expect(error.details[0].path).toBe(field);
    return error.message as string;
  };
  const completed = (id: number) => waitFor(() => t.get(`/api/v1/studies/${id}`).then((r) => r.json()), (p) => p.status === 'completed');
  const form = (fields: Record<string, string>) => {
    const body = new FormData();
    for (const [key, value] of Object.entries(fields)) body.append(key, value);
    return body;
  };

  describe('the study API', () => {
    it('refuses an unknown name in a target\'s params or in the sweep, suggesting the nearest, and creates nothing', async () => {
      const before = await rows();
      const base = { items: [{ prompt: 'Name a colour.' }], samples: 1 };
      const message = await refused(await t.post('/api/v1/studies', { ...base, targets: [{ provider: 'openai', model: 'gpt-test', params: { temprature: 1 } }] }), 'targets.0.params.temprature');
      expect(message).toContain('set "allow_unknown_params": true on the target');
      const swept = await refused(await t.post('/api/v1/studies', { ...base, targets: [{ provider: 'echo' }], sweep: { temprature: [0, 1] } }), 'sweep.temprature');
      expect(swept).toContain('on every target');
      // One target allowing it is not enough: the swept value goes to every target.
      await refused(
        await t.post('/api/v1/studies', { ...base, targets: [{ provider: 'echo', allow_unknown_params: true }, { provider: 'openai', model: 'gpt-test' }], sweep: { temprature: [0, 1] } }),
        'sweep.temprature',
      );
      const far = await t.post('/api/v1/studies', { ...base, targets: [{ provider: 'echo', params: { banana_split_factor: 2 } }] });
      expect((await far.json()).error.message).toMatch(/^targets\.0\.params\.banana_split_factor: unknown parameter "banana_split_factor" \(known: /);
      expect(fake.requestCount).toBe(0);
      expect(await rows()).toBe(before);
    });

    it('takes the common provider additions, and any name from a target that allows unknown parameters, sending it as given', async () => {
      const known = await t.post('/api/v1/studies', {
        items: [{ prompt: 'Name a colour.' }],
        targets: [{ provider: 'openai', model: 'gpt-test', params: { top_k: 40, min_p: 0.05, repetition_penalty: 1.1 } }],
      });
      expect(known.status).toBe(202);
      await completed((await known.json()).id);
      expect(fake.requests.at(-1)!.body).toMatchObject({ top_k: 40, min_p: 0.05, repetition_penalty: 1.1 });

      fake.reset();
      const allowed = await t.post('/api/v1/studies', {
        items: [{ prompt: 'Name a colour.' }],
        targets: [{ provider: 'openai', model: 'gpt-test', params: { mirostat: 2 }, allow_unknown_params: true }],
        sweep: { mirostat_tau: [4, 5] },
      });
      expect(allowed.status).toBe(202);
      const study = await allowed.json();
      // The flag decides what is checked; it is not a parameter and is not sent or stored with the target.
      expect(study.targets).toEqual([
        { provider: 'openai', model: 'gpt-test', params: { mirostat: 2, mirostat_tau: 4 }, sweep: { mirostat_tau: 4 } },
        { provider: 'openai', model: 'gpt-test', params: { mirostat: 2, mirostat_tau: 5 }, sweep: { mirostat_tau: 5 } },
      ]);
      await completed(study.id);
      expect(fake.requests.map((r) => [r.body.mirostat, r.body.mirostat_tau, 'allow_unknown_params' in r.body])).toEqual([[2, 4, false], [2, 5, false]]);
    });

    it('refuses an unknown name in an LLM judge\'s target on creation and on /score, unless the judge target allows it', async () => {
      const judge = (target: Record<string, unknown>) => ({
        type: 'llm_judge',
        target: { provider: 'openai', model: 'judge-model', ...target },
        rubric: 'Is {answer} right? Say "Verdict: correct" or "Verdict: incorrect".',
        verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
      });
      const before = await rows();
      const created = await t.post('/api/v1/studies', { items: [{ prompt: 'x', expected: 'y' }], targets: [{ provider: 'echo' }], scorers: [judge({ params: { temprature: 0 } })] });
      expect(await refused(created, 'scorers.0.target.params.temprature')).toContain('on the judge target');
      expect(await rows()).toBe(before);

      const res = await t.post('/api/v1/studies', { items: [{ prompt: 'x', expected: 'y' }], targets: [{ provider: 'echo' }] });
      const { id } = await res.json();
      await completed(id);
      await refused(await t.post(`/api/v1/studies/${id}/score`, { scorers: [judge({ params: { temprature: 0 } })] }), 'scorers.0.target.params.temprature');
      expect(fake.requestCount).toBe(0);

      fake.setReplyPolicy(() => 'Verdict: correct');
      const run = await t.post(`/api/v1/studies/${id}/score`, { scorers: [judge({ params: { temprature: 0 }, allow_unknown_params: true })] });
      expect(run.status).toBe(202);
      await t.deps.scoring.idle();
      expect(fake.requests).toHaveLength(1);
      expect(fake.requests[0]!.body.temprature).toBe(0);
      expect('allow_unknown_params' in fake.requests[0]!.body).toBe(false);
    });
  });

  describe('the Studies form', () => {
    it('refuses `temprature = 0, 1` in the sweep with the suggestion, and keeps what was typed', async () => {
      const before = await rows();
      const res = await t.app.request('/studies', { method: 'POST', body: form({ prompts: 'Name a colour.', targets: 'echo|echo-1', sweep: 'temprature = 0, 1' }) });
      expect(res.status).toBe(400);
      const page = await res.text();
      expect(page).toContain('sweep.temprature: unknown parameter &quot;temprature&quot;; did you mean temperature?');
      expect(page).toContain('by ticking &quot;send parameters this app does not know&quot;');
      expect(page).toContain('temprature = 0, 1</textarea>');
      const more = await t.app.request('/studies', { method: 'POST', body: form({ prompts: 'Name a colour.', targets: 'echo|echo-1', more_params: '{"temprature": 1}' }) });
      expect(more.status).toBe(400);
      expect(await more.text()).toContain('params.temprature: unknown parameter');
      expect(await rows()).toBe(before);
    });

    it('sends an unknown name when "send parameters this app does not know" is ticked', async () => {
      const res = await t.app.request('/studies', {
        method: 'POST',
        body: form({ prompts: 'Name a colour.', targets: 'openai|gpt-4o-mini', sweep: 'mirostat = 1, 2', more_params: '{"top_k": 5}', allow_unknown_params: '1', samples: '1' }),
      });
      expect(res.status).toBe(303);
      const id = Number(res.headers.get('location')!.split('/').pop());
      const progress = await completed(id);
      expect(progress.targets.map((target: { params: unknown }) => target.params)).toEqual([{ top_k: 5, mirostat: 1 }, { top_k: 5, mirostat: 2 }]);
      expect(fake.requests.map((r) => r.body.mirostat).sort()).toEqual([1, 2]);
    });
  });

  describe('inference', () => {
    it('refuses an unknown name on the API and the page, before any call', async () => {
      const before = await rows();
      const message = await refused(await t.post('/api/v1/inference', { provider: 'openai', prompt: 'hi', params: { temprature: 0.2 } }), 'params.temprature');
      expect(message).toContain('set "allow_unknown_params": true beside params');
      const page = await t.app.request('/inference', { method: 'POST', body: form({ provider: 'openai', model: 'gpt-4o-mini', prompt: 'hi', more_params: '{"temprature": 0.2}' }) });
      expect(page.status).toBe(400);
      const html = await page.text();
      expect(html).toContain('class="error-box"');
      expect(html).toContain('params.temprature: unknown parameter &quot;temprature&quot;; did you mean temperature?');
      const compare = await t.app.request('/compare', { method: 'POST', body: form({ prompt: 'hi', targets: 'openai|gpt-4o-mini', more_params: '{"temprature": 0.2}' }) });
      expect(compare.status).toBe(400);
      expect(await compare.text()).toContain('did you mean temperature?');
      expect(fake.requestCount).toBe(0);
      expect(await rows()).toBe(before);
    });

    it('sends an unknown name when allow_unknown_params is set (API) or ticked (page)', async () => {
      const api = await t.post('/api/v1/inference', { provider: 'openai', prompt: 'hi', params: { temprature: 0.2 }, allow_unknown_params: true });
      expect(api.status).toBe(200);
      const page = await t.app.request('/inference', {
        method: 'POST',
        body: form({ provider: 'openai', model: 'gpt-4o-mini', prompt: 'hi', more_params: '{"custom_knob": true}', allow_unknown_params: '1' }),
      });
      expect(page.status).toBe(200);
      expect(fake.requests.map((r) => [r.body.temprature, r.body.custom_knob])).toEqual([[0.2, undefined], [undefined, true]]);
      expect(fake.requests.every((r) => !('allow_unknown_params' in r.body))).toBe(true);
    });

    it('refuses a parameter given both in its own field and in the JSON of the page', async () => {
      const page = await t.app.request('/inference', { method: 'POST', body: form({ provider: 'echo', prompt: 'hi', temperature: '0.5', more_params: '{"temperature": 1}' }) });
      expect(page.status).toBe(400);
      expect(await page.text()).toContain('more_params.temperature: temperature has its own field above; give it once');
    });
  });

  it('leaves the gateway alone: clients send provider-specific fields on purpose', async () => {
    const res = await t.post('/v1/chat/completions', { model: 'openai/gpt-test', messages: [{ role: 'user', content: 'hi' }], temprature: 0.3 });
    expect(res.status).toBe(200);
    expect(fake.requests[0]!.body.temprature).toBe(0.3);
  });

  it('documents allow_unknown_params on the inference body and the study target', async () => {
    const doc = await (await t.get('/api/v1/openapi.json')).json();
    const inference = doc.paths['/api/v1/inference'].post.requestBody.content['application/json'].schema;
    const resolve = (schema: { $ref?: string }) => (schema.$ref ? doc.components.schemas[schema.$ref.split('/').pop()!] : schema);
    expect(resolve(inference).properties.allow_unknown_params.type).toBe('boolean');
    const study = resolve(doc.paths['/api/v1/studies'].post.requestBody.content['application/json'].schema);
    expect(resolve(study.properties.targets.items).properties).toHaveProperty('allow_unknown_params');
  });
});
