import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, dumpDatabase, type TestApp } from '../support/app';

describe('groups API', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  it('creates an experiment, files calls in it and summarises them per target', async () => {
    const created = await t.post('/api/v1/groups', { group_type: 'experiment', name: 'colour study', description: 'does it pick blue?' });
    expect(created.status).toBe(201);
    const { group } = await created.json();
    expect(group).toMatchObject({ group_type: 'experiment', name: 'colour study' });

    const inference = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'a colour', samples: 2, group_id: group.id });
    const ids = (await inference.json()).calls.map((c: { id: number }) => c.id);
    const other = await t.post('/api/v1/inference', { provider: 'echo', model: 'echo-2', prompt: 'another' });
    const otherId = (await other.json()).calls[0].id;
    const added = await t.post(`/api/v1/groups/${group.id}/members`, { call_ids: [otherId], role: 'control' });
    expect(added.status).toBe(201);

    const detail = await (await t.get(`/api/v1/groups/${group.id}`)).json();
    expect(detail.members.map((m: { call_id: number }) => m.call_id)).toEqual([...ids, otherId]);
    expect(detail.members.map((m: { position: number }) => m.position)).toEqual([0, 1, 2]);
    expect(detail.members[2].role).toBe('control');
    expect(detail.summary).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ provider: 'echo', model: 'echo-1', calls: 2, success: 2, failed: 0 }),
        expect.objectContaining({ provider: 'echo', model: 'echo-2', calls: 1 }),
      ]),
    );

    const listed = await (await t.get('/api/v1/groups?type=experiment')).json();
    expect(listed.groups).toContainEqual(expect.objectContaining({ id: group.id, members: 3 }));
    const filtered = await (await t.get(`/api/v1/calls?group_id=${group.id}`)).json();
    expect(filtered.calls).toHaveLength(3);
  });

  it('pages through members', async () => {
    const { group } = await (await t.post('/api/v1/groups', { name: 'paged' })).json();
    await t.post('/api/v1/inference', { provider: 'echo', prompt: 'p', samples: 5, group_id: group.id });
    const first = await (await t.get(`/api/v1/groups/${group.id}?members_limit=2`)).json();
    expect(first.members).toHaveLength(2);
    const second = await (await t.get(`/api/v1/groups/${group.id}?members_limit=2&members_after=${first.next_members_after}`)).json();
    expect(second.members.map((m: { position: number }) => m.position)).toEqual([2, 3]);
  });

  it('refuses unknown calls and changes nothing', async () => {
    const { group } = await (await t.post('/api/v1/groups', { name: 'strict' })).json();
    const inference = await t.post('/api/v1/inference', { provider: 'echo', prompt: 'real' });
    const realId = (await inference.json()).calls[0].id;
    const res = await t.post(`/api/v1/groups/${group.id}/members`, { call_ids: [realId, 999999] });
    expect(res.status).toBe(404);
    expect((await res.json()).error.message).toContain('999999');
    const detail = await (await t.get(`/api/v1/groups/${group.id}`)).json();
    expect(detail.members).toEqual([]);
  });

  it('validates input naming the field', async () => {
    for (const [body, field] of [
      [{ group_type: 'experiment' }, 'name'],
      [{ name: '' }, 'name'],
      [{ name: 'x', metadata: 'nope' }, 'metadata'],
    ] as const) {
      const res = await t.post('/api/v1/groups', body);
      expect(res.status).toBe(400);
      expect((await res.json()).error.message).toContain(field);
    }
    expect((await t.post('/api/v1/groups/1/members', { call_ids: ['a'] })).status).toBe(400);
    expect((await t.get('/api/v1/groups/424242')).status).toBe(404);
  });
});

describe('secrets in group names', () => {
  const KEY = 'sk-provider-key-never-shown-0123456789';
  let t: TestApp;
  beforeAll(async () => {
    // The key is configured (so it is a secret); the calls go to echo, nothing reaches OpenAI.
    t = await createTestApp({ OPENAI_API_KEY: KEY });
  });
  afterAll(() => t.close());

  it('shows a study as type "study" on the groups pages, while the API keeps its group_type "batch"', async () => {
    const started = await t.post('/api/v1/studies', { name: 'typed study', items: [{ prompt: 'hi' }], targets: [{ provider: 'echo' }] });
    const { id } = await started.json();
    const { group } = await (await t.get(`/api/v1/groups/${id}`)).json();
    expect(group).toMatchObject({ group_type: 'batch', name: 'typed study' });
    expect((await (await t.get('/api/v1/groups?type=batch')).json()).groups).toContainEqual(expect.objectContaining({ id }));

    const row = (page: string) => page.match(new RegExp(`<tr><td><a href="/studies/${id}">${id}</a></td><td>([^<]*)</td>`))?.[1];
    const all = await (await t.get('/groups')).text();
    expect(row(all)).toBe('study');
    expect(all).toContain('<a href="/groups?type=study">studies</a>');
    expect(all).not.toMatch(/<td>batch<\/td>/);
    const studiesOnly = await (await t.get('/groups?type=study')).text();
    expect(row(studiesOnly)).toBe('study');
    expect(studiesOnly).not.toContain('colour study');
    expect(await (await t.get(`/groups/${id}`)).text()).toContain('typed study <span class="muted">(study)</span>');
    // Filing a call into it is refused naming it a study.
    const call = (await (await t.post('/api/v1/inference', { provider: 'echo', prompt: 'stray' })).json()).calls[0].id;
    const refused = await t.post(`/api/v1/groups/${id}/members`, { call_ids: [call] });
    expect(refused.status).toBe(409);
    expect((await refused.json()).error.message).toContain(`group ${id} is a study group: only its study run (POST /api/v1/studies) adds calls`);
  });

  it('removes a configured key from names and descriptions made by the gateway header, the API, the page form, a chat and a study', async () => {
    const header = { 'x-study-group': `run ${KEY}` };
    const chat = { model: 'echo/echo-1', messages: [{ role: 'user', content: 'hi' }] };
    expect((await t.post('/v1/chat/completions', chat, header)).status).toBe(200);
    // The same header again finds the group it made (by its stored, scrubbed name).
    expect((await t.post('/v1/chat/completions', chat, header)).status).toBe(200);
    const api = await t.post('/api/v1/groups', { name: `api ${KEY}`, description: `key is ${KEY}`, metadata: { note: KEY, [KEY]: 1 } });
    expect(api.status).toBe(201);
    expect((await api.json()).group).toMatchObject({ name: 'api [redacted]', description: 'key is [redacted]' });
    const form = await t.app.request('/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ group_type: 'experiment', name: `form ${KEY}`, description: `also ${KEY}` }).toString(),
    });
    expect(form.status).toBe(303);
    expect((await t.post('/api/v1/conversations', { provider: 'echo', name: `chat ${KEY}` })).status).toBe(201);
    const study = await t.post('/api/v1/studies', { name: `study ${KEY}`, description: `about ${KEY}`, items: [{ prompt: 'hi' }], targets: [{ provider: 'echo' }] });
    expect(study.status).toBe(202);

    const { groups } = await (await t.get('/api/v1/groups')).json();
    const names = groups.map((g: { name: string }) => g.name);
    expect(names).toEqual(expect.arrayContaining(['run [redacted]', 'api [redacted]', 'form [redacted]', 'chat [redacted]', 'study [redacted]']));
    const run = groups.find((g: { name: string }) => g.name === 'run [redacted]');
    expect(names.filter((n: string) => n === 'run [redacted]')).toHaveLength(1);
    expect(run.members).toBe(2);
    expect(JSON.stringify(groups)).not.toContain(KEY);
    const page = await (await t.get('/groups')).text();
    expect(page).toContain('form [redacted]');
    expect(page).not.toContain(KEY);
    expect(await dumpDatabase(t)).not.toContain(KEY);
  });
});
