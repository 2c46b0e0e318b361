// What a new user reads first: the home page's gateway URL as this server is reached (not a fixed
// localhost:8787), the groups page before there are groups, and the call list's source column and
// request id filter.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

describe('the home page shows the gateway URL as the request reached the server', () => {
  it('from the Host header, ignoring forwarded headers unless TRUST_PROXY names a proxy', async () => {
    const t = await createTestApp({ ALLOWED_HOSTS: 'lab.internal' });
    try {
      const page = await (await t.get('/', { host: 'lab.internal:9000', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'elsewhere.example' })).text();
      expect(page).toContain('<code>http://lab.internal:9000/v1</code>');
      expect(page).not.toContain('8787');
      expect(page).not.toContain('elsewhere.example');
    } finally {
      t.close();
    }
  });

  it('from X-Forwarded-Proto and X-Forwarded-Host behind a proxy named in TRUST_PROXY', async () => {
    const t = await createTestApp({ ALLOWED_HOSTS: 'study.example.org', TRUST_PROXY: '10.0.0.0/8' });
    try {
      const page = await (await t.get('/', { host: 'study.example.org', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'study.example.org' })).text();
      expect(page).toContain('<code>https://study.example.org/v1</code>');
      const direct = await (await t.get('/', { host: 'study.example.org:8080' })).text();
      expect(direct).toContain('<code>http://study.example.org:8080/v1</code>');
    } finally {
      t.close();
    }
  });
});

describe('the groups page', () => {
  it('says there are no groups yet instead of an empty table, and lists them once there are', async () => {
    const t = await createTestApp();
    try {
      const empty = await (await t.get('/groups')).text();
      expect(empty).toContain('No groups yet.');
      expect(empty).not.toContain('<table');
      expect(empty).toMatch(/<h2>New group<\/h2>\s*<form class="panel row" method="post" action="\/groups">/);
      await t.post('/api/v1/groups', { group_type: 'experiment', name: 'colour prompts' });
      const listed = await (await t.get('/groups')).text();
      expect(listed).not.toContain('No groups yet.');
      expect(listed).toMatch(/<table>[\s\S]*colour prompts/);
      expect(await (await t.get('/groups?type=label')).text()).toContain('No label groups yet.');
    } finally {
      t.close();
    }
  });
});

describe('the calls page', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let gatewayRequestId: string;
  let studyId: number;
  let chatId: number;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-calls-page', OPENAI_BASE_URL: fake.url });
    expect((await t.post('/api/v1/inference', { provider: 'echo', prompt: 'from inference' })).status).toBe(200);
    const gateway = await t.post('/v1/chat/completions', { model: 'echo/echo-1', messages: [{ role: 'user', content: 'from the gateway' }] });
    expect(gateway.status).toBe(200);
    gatewayRequestId = gateway.headers.get('x-study-request-id')!;
    expect(gatewayRequestId).toBeTruthy();
    const study = await t.post('/api/v1/studies', { name: 'sourced', items: [{ prompt: 'from a study', expected: 'x' }], targets: [{ provider: 'echo' }] });
    studyId = (await study.json()).id;
    await waitFor(() => t.get(`/api/v1/studies/${studyId}`).then((r) => r.json()), (p) => p.status === 'completed');
    fake.setReplyPolicy(() => 'Verdict: correct');
    const judge = {
      type: 'llm_judge',
      target: { provider: 'openai', model: 'judge-model' },
      rubric: 'Is {answer} right? Verdict?',
      verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
    };
    expect((await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [judge] })).status).toBe(202);
    await t.deps.scoring.idle();
    chatId = (await (await t.post('/api/v1/conversations', { provider: 'echo' })).json()).conversation.id;
    expect((await t.post(`/api/v1/conversations/${chatId}/messages`, { content: 'from a chat' })).status).toBe(200);
    expect((await t.post('/api/v1/embeddings', { provider: 'openai', model: 'text-embedding-3-small', texts: ['from embeddings'] })).status).toBe(200);
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  /** Each row's source cell, newest first, as [text, link]. */
  const sources = (html: string) =>
    [...html.matchAll(/<td class="nowrap source source-(\w+)">(?:<a href="([^"]+)">)?([^<]*)/g)].map(([, kind, href, label]) => [kind, label, href ?? null]);

  it('shows where each call came from, linking its study or chat', async () => {
    const page = await (await t.get('/calls')).text();
    expect(page).toContain('<th>source</th>');
    const judgedCall = Number((await t.deps.database.client.execute("SELECT id FROM raw_calls WHERE json_extract(metadata_json, '$.source') = 'batch'")).rows[0]!.id);
    expect(sources(page)).toEqual([
      ['embedding', 'embedding', null],
      ['conversation', `chat ${chatId}`, `/conversations/${chatId}`],
      ['judge', `judge of #${judgedCall}`, `/studies/${studyId}`],
      ['study', `study ${studyId}`, `/studies/${studyId}`],
      ['gateway', 'gateway · chat.completions', null],
      ['inference', 'inference', null],
    ]);
  });

  it('filters by request id, on the page, its table fragment and its export links', async () => {
    const page = await (await t.get(`/calls?request_id=${encodeURIComponent(gatewayRequestId)}`)).text();
    expect(page).toContain(`name="request_id" value="${gatewayRequestId}"`);
    expect(sources(page)).toEqual([['gateway', 'gateway · chat.completions', null]]);
    expect(page).toContain(`request_id=${encodeURIComponent(gatewayRequestId)}`);
    const fragment = await (await t.get(`/calls/table?request_id=${encodeURIComponent(gatewayRequestId)}`)).text();
    expect(sources(fragment)).toHaveLength(1);
    const none = await (await t.get('/calls/table?request_id=no-such-request')).text();
    expect(none).toContain('No calls match these filters.');
    const tooLong = await (await t.get(`/calls/table?request_id=${'x'.repeat(201)}`)).text();
    expect(tooLong).toContain('request_id: ');
  });

  it('links a call\'s request id to every call of that request', async () => {
    const id = Number((await t.deps.database.client.execute({ sql: 'SELECT id FROM raw_calls WHERE request_id = ?', args: [gatewayRequestId] })).rows[0]!.id);
    const detail = await (await t.get(`/calls/${id}`)).text();
    expect(detail).toContain(`<a href="/calls?request_id=${encodeURIComponent(gatewayRequestId)}">every call of this request</a>`);
  });
});
