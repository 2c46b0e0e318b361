// Clone and change through HTTP: a new study with the same items and the original's setup, some of it
// changed, from the API (and its deprecated /batches alias) and from the study page's form.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('clone and change', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let original: number;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-clone-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    const res = await t.post('/api/v1/studies', {
      name: 'capitals',
      items: [
        { id: 'fr', prompt: 'France', expected: 'Paris', fields: { region: 'europe' } },
        { id: 'pe', prompt: '{country}', vars: { country: 'Peru' }, expected: ['Lima', 'Lima, Peru'] },
        { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Capital of Japan?' }], expected: 'Tokyo' },
      ],
      targets: [{ provider: 'openai', model: 'gpt-a', params: { temperature: 0 } }, { provider: 'echo' }],
      template: 'Capital of {user_input}?',
      samples: 2,
      scorers: [{ name: 'exact', type: 'normalized_exact' }],
    });
    expect(res.status).toBe(202);
    original = (await res.json()).id;
    await stopped(original);
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  const progress = async (id: number) => (await t.get(`/api/v1/studies/${id}`)).json();
  const stopped = (id: number) => waitFor(() => progress(id), (p) => p.status !== 'running' && p.status !== 'cancelling' && p.status !== 'creating');
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows.map((row) => ({ ...row }));
  const items = (id: number) => rows('SELECT position, item_key, prompt, messages_json, vars_json, expected_json, fields_json FROM batch_items WHERE batch_id = ? ORDER BY position', [id]);
  const options = async (id: number) => JSON.parse(String((await rows('SELECT options_json FROM batches WHERE group_id = ?', [id]))[0]!.options_json));
  const studyCount = async () => Number((await rows('SELECT count(*) AS n FROM batches'))[0]!.n);
  const post = (path: string, init: RequestInit = {}) => Promise.resolve(t.app.request(path, { method: 'POST', ...init }));

  it('copies a study as it is without a body: a new study, the same items and setup, cloned_from recorded', async () => {
    fake.reset();
    const res = await post(`/api/v1/studies/${original}/clone`);
    expect(res.status).toBe(202);
    const copy = await res.json();
    expect(copy.id).not.toBe(original);
    expect(res.headers.get('location')).toBe(`/api/v1/studies/${copy.id}`);
    expect(copy).toMatchObject({ name: 'capitals (clone)', cloned_from: original, samples: 2, total: 12 });
    expect(copy.targets).toEqual((await progress(original)).targets);
    expect(await items(copy.id)).toEqual(await items(original));
    expect(await options(copy.id)).toMatchObject({ cloned_from: original, scorers: [{ name: 'exact', config: { type: 'normalized_exact' } }] });
    expect((await rows('SELECT template FROM batches WHERE group_id = ?', [copy.id]))[0]!.template).toBe('Capital of {user_input}?');
    expect(await stopped(copy.id)).toMatchObject({ status: 'completed', done: 12 });
    // It ran its own tasks, sending what the original sent.
    expect(fake.requests.map((r) => r.body.messages.at(-1).content).sort()).toEqual(['Capital of France?', 'Capital of France?', 'Capital of Japan?', 'Capital of Japan?', 'Capital of Peru?', 'Capital of Peru?']);
    expect((await progress(original)).cloned_from).toBeUndefined();
  });

  it('applies changes: other targets, prompt variants in place of the template, samples, scorers and name', async () => {
    const res = await t.post(`/api/v1/studies/${original}/clone`, {
      name: 'capitals, two prompts',
      targets: [{ provider: 'openai', model: 'gpt-b' }],
      prompts: [{ name: 'ask', template: 'Capital of {user_input}?' }, { name: 'terse', template: 'One word: capital of {user_input}' }],
      samples: 1,
      scorers: [{ type: 'contains' }],
    });
    expect(res.status).toBe(202);
    const copy = await res.json();
    expect(copy).toMatchObject({ name: 'capitals, two prompts', cloned_from: original, samples: 1, total: 6 });
    expect(copy.targets).toEqual([
      { provider: 'openai', model: 'gpt-b', params: {}, prompt_name: 'ask' },
      { provider: 'openai', model: 'gpt-b', params: {}, prompt_name: 'terse' },
    ]);
    expect(await items(copy.id)).toEqual(await items(original));
    expect((await rows('SELECT template FROM batches WHERE group_id = ?', [copy.id]))[0]!.template).toBeNull();
    expect(await options(copy.id)).toMatchObject({ prompts: [{ name: 'ask' }, { name: 'terse' }], scorers: [{ name: 'contains', config: { type: 'contains' } }] });
    await stopped(copy.id);
  });

  it('copies a swept study crossed with prompt variants back to the targets it was given', async () => {
    const res = await t.post('/api/v1/studies', {
      items: [{ prompt: 'France' }],
      targets: [{ provider: 'echo', params: { max_tokens: 5 } }, { provider: 'openai', model: 'gpt-a' }],
      sweep: { temperature: [0, 1] },
      prompts: [{ name: 'a', template: 'A {user_input}' }, { name: 'b', template: 'B {user_input}' }],
      samples: 1,
      primary: [1, 0],
    });
    expect(res.status).toBe(202);
    const swept = await res.json();
    expect(swept.targets).toHaveLength(8);
    const copy = await (await post(`/api/v1/studies/${swept.id}/clone`)).json();
    expect(copy.targets).toEqual(swept.targets);
    expect(await options(copy.id)).toMatchObject({ sweep: { temperature: [0, 1] }, primary: [1, 0], prompts: [{ name: 'a' }, { name: 'b' }] });
    // New targets make the primary contrast's indexes meaningless: it is left out.
    const changed = await (await t.post(`/api/v1/studies/${swept.id}/clone`, { targets: [{ provider: 'echo' }] })).json();
    expect(changed.targets.map((target: { params: object; prompt_name: string }) => [target.params, target.prompt_name])).toEqual([
      [{ temperature: 0 }, 'a'], [{ temperature: 0 }, 'b'], [{ temperature: 1 }, 'a'], [{ temperature: 1 }, 'b'],
    ]);
    expect((await options(changed.id)).primary).toBeUndefined();
    for (const id of [swept.id, copy.id, changed.id]) await stopped(id);
  });

  it('answers under the deprecated /batches alias too', async () => {
    const res = await t.post(`/api/v1/batches/${original}/clone`, { samples: 1 });
    expect(res.status).toBe(202);
    const copy = await res.json();
    expect(copy).toMatchObject({ cloned_from: original, total: 6 });
    await stopped(copy.id);
  });

  it('refuses an unknown study (404) and bad changes (400, naming the field), storing nothing', async () => {
    const before = await studyCount();
    expect((await post('/api/v1/studies/999999/clone')).status).toBe(404);
    const refused = async (body: unknown, status: number, message: RegExp) => {
      const res = await t.post(`/api/v1/studies/${original}/clone`, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect((await res.json()).error.message).toMatch(message);
    };
    await refused({ colour: 'red' }, 400, /colour/);
    expect((await t.post(`/api/v1/studies/${original}/clone`, '{"samples": ')).status).toBe(400);
    // A study whose items are still being written has nothing whole to copy.
    await t.deps.database.client.execute({ sql: "UPDATE batches SET status = 'creating' WHERE group_id = ?", args: [original] });
    try {
      await refused({}, 409, /is not fully created: it cannot be cloned/);
    } finally {
      await t.deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed' WHERE group_id = ?", args: [original] });
    }
    await refused({ targets: [{ provider: 'nope' }] }, 400, /^targets\.0\.provider: /);
    await refused({ targets: [{ provider: 'openai', model: 'gpt-b', params: { temprature: 1 } }] }, 400, /^targets\.0\.params\.temprature: /);
    await refused({ template: 'x {user_input}', prompts: [{ name: 'a', template: 'y' }] }, 400, /^prompts: give one template, or prompt variants/);
    await refused({ prompts: [{ name: 'a', template: 'y' }, { name: 'a', template: 'z' }] }, 400, /^prompts\.1\.name: two prompt variants are called "a"/);
    await refused({ scorers: [{ type: 'no-such-scorer' }] }, 400, /^scorers\.0/);
    expect(await studyCount()).toBe(before);
  });

  it('offers a "Clone and change" form, filled in with the study\'s setup, that starts the changed copy', async () => {
    const studyPage = await (await t.get(`/studies/${original}`)).text();
    expect(studyPage).toContain(`href="/studies/${original}/clone"`);
    const form = await (await t.get(`/studies/${original}/clone`)).text();
    expect(form).toContain('Clone and change: capitals');
    expect(form).toContain('value="capitals (clone)"');
    expect(form).toContain('value="Capital of {user_input}?"');
    expect(form).toContain('{&quot;provider&quot;:&quot;openai&quot;,&quot;model&quot;:&quot;gpt-a&quot;,&quot;params&quot;:{&quot;temperature&quot;:0}}');
    expect(form).toContain('{&quot;name&quot;:&quot;exact&quot;,&quot;type&quot;:&quot;normalized_exact&quot;,');
    expect((await t.get('/studies/999999/clone')).status).toBe(404);

    const send = (fields: Record<string, string>) => post(`/studies/${original}/clone`, { body: new URLSearchParams(fields), headers: { 'content-type': 'application/x-www-form-urlencoded' } });
    const fields = {
      name: 'capitals on gpt-b',
      samples: '1',
      targets: '[{"provider": "openai", "model": "gpt-b"}]',
      template: 'Which city is the capital of {user_input}?',
      prompts: '',
      scorers: '[{"name": "exact", "type": "normalized_exact"}]',
    };
    const before = await studyCount();
    const bad = await send({ ...fields, targets: '[{"provider": "openai"' });
    expect(bad.status).toBe(400);
    const badPage = await bad.text();
    expect(badPage).toContain('targets: not valid JSON');
    expect(badPage).toContain('value="capitals on gpt-b"');
    expect(await studyCount()).toBe(before);

    const res = await send(fields);
    expect(res.status).toBe(303);
    const id = Number(res.headers.get('location')!.split('/').pop());
    const copy = await progress(id);
    expect(copy).toMatchObject({ name: 'capitals on gpt-b', cloned_from: original, total: 3, targets: [{ provider: 'openai', model: 'gpt-b', params: {} }] });
    expect(await items(id)).toEqual(await items(original));
    expect((await rows('SELECT template FROM batches WHERE group_id = ?', [id]))[0]!.template).toBe('Which city is the capital of {user_input}?');
    await stopped(id);
  });
});
