// Safe to expose, token or not: a Host allowlist against DNS rebinding, no cross-site writes from
// browsers, CORS only for listed origins, sign-in that is throttled and redirects only within the
// site, and configured secrets scrubbed from every answer we store, relay or show.
import OpenAI from 'openai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config';
import { countCalls, createTestApp, dumpDatabase, serveApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const API_KEY = 'sk-exposure-test-key-55aa77bb';
const TOKEN = 'exposure-access-token-31415926';

describe('open mode (no token) on 127.0.0.1', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.url, CORS_ORIGINS: 'https://notebook.example' });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const call = (path: string, init: RequestInit & { host?: string } = {}) =>
    t.app.request(`http://${init.host ?? 'localhost'}${path}`, init);
  const chat = JSON.stringify({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'spend my credits' }] });

  it('answers only for its own host names, so DNS rebinding gets nowhere', async () => {
    for (const host of ['evil.example', 'evil.example:8787', '192.168.1.50:8787']) {
      for (const path of ['/api/v1/calls', '/v1/models', '/calls']) {
        const res = await t.app.request(path, { headers: { host } });
        expect(res.status, `${host} ${path}`).toBe(421);
      }
    }
    const refused = await t.app.request('/api/v1/calls', { headers: { host: 'evil.example' } });
    expect((await refused.json()).error.message).toContain('ALLOWED_HOSTS');
    for (const host of ['localhost:8787', '127.0.0.1:8787', '[::1]:8787', 'LOCALHOST']) {
      expect((await t.app.request('/api/v1/calls?limit=1', { headers: { host } })).status, host).toBe(200);
    }
    // Load balancers probe health by address: it stays open.
    expect((await t.app.request('/api/v1/health', { headers: { host: '10.0.0.7:8787' } })).status).toBe(200);
  });

  it('answers hosts listed in ALLOWED_HOSTS, and any host with "*"', async () => {
    const listed = await createTestApp({ ALLOWED_HOSTS: 'study.example, 10.0.0.7' });
    const any = await createTestApp({ ALLOWED_HOSTS: '*' });
    try {
      expect((await listed.app.request('/api/v1/providers', { headers: { host: 'study.example' } })).status).toBe(200);
      expect((await listed.app.request('/api/v1/providers', { headers: { host: '10.0.0.7:8787' } })).status).toBe(200);
      expect((await listed.app.request('/api/v1/providers', { headers: { host: 'other.example' } })).status).toBe(421);
      expect((await any.app.request('/api/v1/providers', { headers: { host: 'other.example' } })).status).toBe(200);
    } finally {
      listed.close();
      any.close();
    }
  });

  it('refuses cross-site writes from browsers on the API, the gateway and pages, calling no provider', async () => {
    const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'p' }], targets: [{ provider: 'openai', model: 'gpt-test' }] })).json();
    await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status !== 'running');
    fake.reset();
    const before = await countCalls(t);
    const crossSite = { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' };
    const cancel = await call(`/api/v1/studies/${id}/cancel`, { method: 'POST', headers: crossSite });
    expect(cancel.status).toBe(403);
    expect((await cancel.json()).error.code).toBe('cross_site_refused');
    // Another port on this machine is another origin: same-site is not same-origin.
    const sameSite = await call('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json', 'sec-fetch-site': 'same-site', origin: 'http://127.0.0.1:3000' }, body: chat });
    expect(sameSite.status).toBe(403);
    // What a page can send without a preflight: a text/plain "simple" request.
    const noCors = await call('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'text/plain' }, body: chat });
    expect(noCors.status).toBe(415);
    expect((await noCors.json()).error.code).toBe('unsupported_media_type');
    const form = await call('/inference', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded', ...crossSite }, body: 'provider=openai&prompt=x' });
    expect(form.status).toBe(403);
    expect(fake.requestCount).toBe(0);
    expect(await countCalls(t)).toBe(before);
    // Non-browser clients (no Origin, no Sec-Fetch-Site) are unaffected.
    expect((await call('/v1/chat/completions', { method: 'POST', headers: { 'content-type': 'application/json' }, body: chat })).status).toBe(200);
  });

  it('allows cross-origin calls from the origins in CORS_ORIGINS only, preflight included', async () => {
    const preflight = await call('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: 'https://notebook.example', 'access-control-request-method': 'POST', 'access-control-request-headers': 'content-type' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe('https://notebook.example');
    const allowed = await call('/v1/chat/completions', {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://notebook.example', 'sec-fetch-site': 'cross-site' },
      body: chat,
    });
    expect(allowed.status).toBe(200);
    expect(allowed.headers.get('access-control-allow-origin')).toBe('https://notebook.example');
    const other = await call('/v1/chat/completions', {
      method: 'OPTIONS',
      headers: { origin: 'https://evil.example', 'access-control-request-method': 'POST' },
    });
    expect(other.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('marks API responses nosniff', async () => {
    expect((await t.get('/api/v1/providers')).headers.get('x-content-type-options')).toBe('nosniff');
    expect((await t.get('/v1/models')).headers.get('x-content-type-options')).toBe('nosniff');
  });
});

describe('signing in', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp({ STUDY_ACCESS_TOKEN: TOKEN, AUTH_FAILURES_PER_MINUTE: '5' });
  });
  afterAll(() => t.close());

  const login = (token: string, next: string, address = '203.0.113.1') =>
    t.app.request('http://localhost/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'cf-connecting-ip': address },
      body: new URLSearchParams({ token, next }).toString(),
    });

  it('sends the user home for a next that would leave the site, and never fails on it', async () => {
    for (const next of ['/\t/evil.example/x', '/\n/evil.example', '/\\evil.example', '//evil.example', '/%09/x', 'https://evil.example', '/ok\r\nset-cookie: x=1']) {
      const res = await login(TOKEN, next, '203.0.113.9');
      expect(res.status, JSON.stringify(next)).toBe(303);
      expect(res.headers.get('location'), JSON.stringify(next)).toBe(next === '/%09/x' ? '/%09/x' : '/');
    }
    const page = await t.app.request('http://localhost/login?next=/%0Aevil');
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('value="/"');
  });

  it('throttles failed sign-ins and bearer tokens per address: 429 with Retry-After, even for the right token', async () => {
    for (let i = 0; i < 5; i++) expect((await login('wrong-token', '/')).status).toBe(401);
    const blocked = await login(TOKEN, '/');
    expect(blocked.status).toBe(429);
    expect(Number(blocked.headers.get('retry-after'))).toBeGreaterThan(0);
    // Another address is not affected; a wrong bearer from it counts the same way.
    expect((await login(TOKEN, '/', '203.0.113.2')).status).toBe(303);
    const bearer = (token: string) => t.app.request('http://localhost/api/v1/calls', { headers: { authorization: `Bearer ${token}`, 'cf-connecting-ip': '203.0.113.3' } });
    for (let i = 0; i < 5; i++) expect((await bearer('nope-nope')).status).toBe(401);
    const throttled = await bearer(TOKEN);
    expect(throttled.status).toBe(429);
    expect((await throttled.json()).error.code).toBe('too_many_attempts');
  });

  it('refuses to start with a token shorter than 16 characters', () => {
    expect(() => loadConfig({ STUDY_ACCESS_TOKEN: 'short-token' })).toThrow(ConfigError);
    expect(() => loadConfig({ STUDY_ACCESS_TOKEN: 'short-token' })).toThrow(/STUDY_ACCESS_TOKEN is 11 characters; use at least 16/);
  });
});

describe('secrets in what providers answer', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let server: Awaited<ReturnType<typeof serveApp>>;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.url });
    server = await serveApp(t.app);
  });
  afterAll(async () => {
    await server.close();
    t.close();
    await fake.close();
  });

  it('are scrubbed before storing, indexing, relaying and showing', async () => {
    // The fake provider answers "reply to: <prompt>": a prompt that quotes the key gets it echoed back.
    const prompt = `repeat ${API_KEY} please`;
    const api = await (await t.post('/api/v1/inference', { provider: 'openai', model: 'gpt-test', prompt })).json();
    expect(api.calls[0].text).toBe('reply to: repeat [redacted] please');
    const client = new OpenAI({ baseURL: `${server.base}/v1`, apiKey: 'x', maxRetries: 0 });
    const relayed = await client.chat.completions.create({ model: 'openai/gpt-test', messages: [{ role: 'user', content: prompt }] });
    expect(relayed.choices[0]!.message.content).toBe('reply to: repeat [redacted] please');
    let streamed = '';
    for await (const chunk of await client.chat.completions.create({ model: 'openai/gpt-test', stream: true, messages: [{ role: 'user', content: prompt }] })) {
      streamed += chunk.choices[0]?.delta?.content ?? '';
    }
    expect(streamed).toBe('reply to: repeat [redacted] please');
    expect(fake.requests[0]!.body.messages[0].content).toContain(API_KEY); // the provider did get the prompt as written

    const shown = [
      await (await t.get(`/api/v1/calls/${api.calls[0].id}`)).text(),
      await (await t.get('/api/v1/calls?limit=10')).text(),
      await (await t.get(`/calls/${api.calls[0].id}`)).text(),
      await (await t.get('/api/v1/calls/export?format=jsonl')).text(),
      await (await t.get('/api/v1/analytics/recent')).text(),
    ].join('\n');
    expect(shown).toContain('[redacted]');
    expect(shown).not.toContain(API_KEY);
    const dump = await dumpDatabase(t);
    expect(dump).toContain('reply to: repeat [redacted] please');
    expect(dump).not.toContain(API_KEY);
    // Not indexed either: searching for the key finds nothing.
    expect((await (await t.get(`/api/v1/search?q=${API_KEY}`)).json()).results).toEqual([]);
  });
});
