// Access control (STUDY_ACCESS_TOKEN), CSRF, secure headers and body limits, through the real app.
import { serve, type ServerType } from '@hono/node-server';
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createApp } from '../../src/app';
import { nodeStaticAssets } from '../../src/node/static-assets';
import worker from '../../src/worker';
import { createTestApp, dumpDatabase, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';

const TOKEN = 'study-token-4f1c9e2b7a';
const API_KEY = 'sk-access-test-key-0123456789';
const BASE = 'http://localhost';

describe('access control with STUDY_ACCESS_TOKEN', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let app: ReturnType<typeof createApp>;
  const bodies: string[] = [];

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ STUDY_ACCESS_TOKEN: TOKEN, OPENAI_API_KEY: API_KEY, OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1', ALLOWED_HOSTS: 'study.example' });
    app = createApp(t.deps, { staticAssets: nodeStaticAssets() });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  /** Every response body read through here is kept, to prove no secret ever appears in one. */
  const request = async (path: string, init: RequestInit = {}) => {
    const res = await app.request(`${BASE}${path}`, init);
    const text = await res.clone().text();
    bodies.push(text);
    return Object.assign(res, { bodyText: text });
  };
  const bearer = { authorization: `Bearer ${TOKEN}` };
  const form = (fields: Record<string, string>) => new URLSearchParams(fields).toString();
  const formHeaders = { 'content-type': 'application/x-www-form-urlencoded', origin: BASE };
  const login = async () => {
    const res = await request('/login', { method: 'POST', headers: formHeaders, body: form({ token: TOKEN, next: '/' }) });
    const cookie = res.headers.get('set-cookie')!;
    return cookie.split(';')[0]!;
  };

  it('keeps health and static files open', async () => {
    expect((await request('/api/v1/health')).status).toBe(200);
    const htmx = await request('/static/htmx.min.js');
    expect(htmx.status).toBe(200);
  });

  it('answers the API without a valid bearer token with 401 in the API error shape', async () => {
    const none = await request('/api/v1/providers');
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toMatch(/^Bearer/);
    expect(JSON.parse(none.bodyText)).toMatchObject({ error: { code: 'unauthorized', message: expect.stringContaining('Bearer') } });
    const wrong = await request('/api/v1/providers', { headers: { authorization: `Bearer ${TOKEN}x` } });
    expect(wrong.status).toBe(401);
    const prefix = await request('/api/v1/providers', { headers: { authorization: `Bearer ${TOKEN.slice(0, -1)}` } });
    expect(prefix.status).toBe(401);
    const ok = await request('/api/v1/providers', { headers: bearer });
    expect(ok.status).toBe(200);
  });

  it('answers the gateway without a valid bearer token with 401 in the OpenAI error shape', async () => {
    const res = await request('/v1/models');
    expect(res.status).toBe(401);
    expect(JSON.parse(res.bodyText)).toEqual({
      error: { message: expect.any(String), type: 'authentication_error', param: null, code: 'invalid_api_key' },
    });
    // A page session is no key for the gateway.
    expect((await request('/v1/models', { headers: { cookie: await login() } })).status).toBe(401);
  });

  it('lets the OpenAI SDK in with the study token as its api_key', async () => {
    let server: ServerType | undefined;
    const port = await new Promise<number>((resolve) => {
      server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) => resolve(info.port));
    });
    try {
      const client = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: TOKEN, maxRetries: 0 });
      const completion = await client.chat.completions.create({ model: 'echo/echo-1', messages: [{ role: 'user', content: 'hi' }] });
      expect(completion.choices[0]!.message.content).toBe('echo: hi');
      const denied = new OpenAI({ baseURL: `http://127.0.0.1:${port}/v1`, apiKey: 'not-the-token', maxRetries: 0 });
      await expect(denied.models.list()).rejects.toMatchObject({ status: 401, code: 'invalid_api_key' });
    } finally {
      await new Promise((r) => server!.close(r));
    }
  });

  it('sends pages without a session to the login form, keeping where they were going', async () => {
    const res = await request('/calls?status=failed');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/login?next=%2Fcalls%3Fstatus%3Dfailed');
    const htmx = await request('/calls/table', { headers: { 'hx-request': 'true' } });
    expect(htmx.status).toBe(401);
    expect(htmx.headers.get('hx-redirect')).toMatch(/^\/login\?next=/);
    const page = await request('/login?next=%2Fcalls');
    expect(page.status).toBe(200);
    expect(page.bodyText).toContain('name="token"');
    expect(page.bodyText).toContain('value="/calls"');
  });

  it('signs in with the token: an HttpOnly SameSite cookie that does not contain the token', async () => {
    const wrong = await request('/login', { method: 'POST', headers: formHeaders, body: form({ token: 'nope', next: '/calls' }) });
    expect(wrong.status).toBe(401);
    expect(wrong.headers.get('set-cookie')).toBeNull();
    expect(wrong.bodyText).toContain('That token is not right');

    const res = await request('/login', { method: 'POST', headers: formHeaders, body: form({ token: TOKEN, next: '/calls' }) });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/calls');
    const cookie = res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/^study_session=[\w-]{43};/);
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Lax/);
    expect(cookie).toMatch(/Path=\//);
    expect(cookie).not.toMatch(/Secure/); // plain http here; see the https case below
    expect(cookie).not.toContain(TOKEN);

    const session = cookie.split(';')[0]!;
    expect((await request('/', { headers: { cookie: session } })).status).toBe(200);
    expect((await request('/calls', { headers: { cookie: session } })).status).toBe(200);
    // Links from pages to the API (exports, results JSON) work with the session too.
    expect((await request('/api/v1/calls?limit=1', { headers: { cookie: session } })).status).toBe(200);
  });

  it('marks the cookie Secure over https (directly or behind a TLS proxy)', async () => {
    const direct = await app.request('https://study.example/login', {
      method: 'POST',
      headers: { ...formHeaders, origin: 'https://study.example' },
      body: form({ token: TOKEN }),
    });
    expect(direct.headers.get('set-cookie')).toMatch(/; Secure/);
    const proxied = await app.request(`${BASE}/login`, {
      method: 'POST',
      headers: { ...formHeaders, 'x-forwarded-proto': 'https' },
      body: form({ token: TOKEN }),
    });
    expect(proxied.headers.get('set-cookie')).toMatch(/; Secure/);
  });

  it('refuses tampered, made-up, revoked and expired sessions', async () => {
    const good = (await login()).split('=')[1]!;
    const tampered = good.slice(0, -2) + (good.endsWith('AA') ? 'BB' : 'AA');
    const madeUp = 'A'.repeat(43);
    for (const value of [tampered, madeUp, TOKEN, '']) {
      const res = await request('/', { headers: { cookie: `study_session=${value}` } });
      expect(res.status).toBe(303);
    }
    expect((await request('/', { headers: { cookie: `study_session=${good}` } })).status).toBe(200);
    // An expired session (its row says so) is refused too.
    await t.deps.database.client.execute("UPDATE sessions SET expires_at = '2000-01-01T00:00:00.000Z'");
    expect((await request('/', { headers: { cookie: `study_session=${good}` } })).status).toBe(303);
  });

  it('only redirects to local paths after sign-in', async () => {
    for (const next of ['//evil.example/', 'https://evil.example/', '/\\evil.example']) {
      const res = await request('/login', { method: 'POST', headers: formHeaders, body: form({ token: TOKEN, next }) });
      expect(res.headers.get('location')).toBe('/');
    }
  });

  it('signs out: the session is revoked on the server, so a copy of the cookie no longer works', async () => {
    const cookie = await login();
    expect((await request('/', { headers: { cookie } })).status).toBe(200);
    const res = await request('/logout', { method: 'POST', headers: { ...formHeaders, cookie } });
    expect(res.status).toBe(303);
    expect(res.headers.get('set-cookie')).toMatch(/study_session=;.*Max-Age=0/);
    expect((await request('/', { headers: { cookie } })).status).toBe(303);
    expect((await request('/api/v1/calls?limit=1', { headers: { cookie } })).status).toBe(401);
  });

  it('refuses cross-site form posts (CSRF), even with a valid session', async () => {
    const cookie = await login();
    const crossSite = { 'content-type': 'application/x-www-form-urlencoded', cookie };
    const byOrigin = await request('/inference', { method: 'POST', headers: { ...crossSite, origin: 'https://evil.example' }, body: form({ provider: 'echo', prompt: 'x' }) });
    expect(byOrigin.status).toBe(403);
    expect(byOrigin.bodyText).toMatch(/CSRF/);
    const byFetchSite = await request('/logout', { method: 'POST', headers: { ...crossSite, 'sec-fetch-site': 'cross-site' } });
    expect(byFetchSite.status).toBe(403);
    const loginCsrf = await request('/login', { method: 'POST', headers: { ...formHeaders, origin: 'https://evil.example' }, body: form({ token: TOKEN }) });
    expect(loginCsrf.status).toBe(403);
    // The API takes a session cookie only from our own pages for anything that changes data.
    const apiCrossSite = await request('/api/v1/groups', {
      method: 'POST',
      headers: { 'content-type': 'application/json', cookie, origin: 'https://evil.example' },
      body: JSON.stringify({ name: 'x', group_type: 'label' }),
    });
    expect(apiCrossSite.status).toBe(403);
    const sameSite = await request('/logout', { method: 'POST', headers: { ...crossSite, 'sec-fetch-site': 'same-origin' } });
    expect(sameSite.status).toBe(303);
  });

  it('sends secure headers with pages, with a CSP that allows only our own scripts', async () => {
    for (const path of ['/login', '/static/app.css']) {
      const res = await request(path);
      const csp = res.headers.get('content-security-policy') ?? '';
      expect(csp).toContain("script-src 'self'");
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toContain('unsafe-eval');
      expect(res.headers.get('x-content-type-options')).toBe('nosniff');
      expect(res.headers.get('x-frame-options')).toBe('DENY');
    }
    const page = await request('/', { headers: { cookie: await login() } });
    expect(page.headers.get('content-security-policy')).toContain("default-src 'self'");
  });

  it('answers oversized bodies with a clear 413 on the API, the gateway and page forms', async () => {
    const big = 'x'.repeat(5 * 1024 * 1024);
    const api = await request('/api/v1/inference', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'echo', prompt: big }) });
    expect(api.status).toBe(413);
    expect(JSON.parse(api.bodyText)).toMatchObject({ error: { code: 'payload_too_large', message: expect.stringMatching(/larger than \d+ bytes/) } });
    const gateway = await request('/v1/chat/completions', {
      method: 'POST',
      headers: { ...bearer, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'echo/echo-1', messages: [{ role: 'user', content: big }] }),
    });
    expect(gateway.status).toBe(413);
    expect(JSON.parse(gateway.bodyText)).toMatchObject({ error: { type: 'invalid_request_error', code: 'payload_too_large' } });
    const page = await request('/inference', { method: 'POST', headers: { ...formHeaders, cookie: await login() }, body: form({ provider: 'echo', prompt: big }) });
    expect(page.status).toBe(413);
    expect(page.bodyText).toMatch(/larger than \d+ bytes/);
  });

  it('never shows the API key or the access token in a page, a response, a log line or a database row', async () => {
    const cookie = await login();
    await request('/api/v1/inference', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'openai', model: 'gpt-test', prompt: 'hello' }) });
    fake.failNext({ kind: 'status', status: 401, body: { error: { message: `Incorrect API key provided: ${API_KEY}`, type: 'invalid_request_error', code: 'invalid_api_key' } } });
    const failed = await request('/api/v1/inference', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ provider: 'openai', model: 'gpt-test', prompt: 'again' }) });
    expect(failed.status).toBe(200);
    expect(fake.requests.at(-1)!.headers.authorization).toBe(`Bearer ${API_KEY}`); // the key did reach the provider
    await request('/v1/chat/completions', { method: 'POST', headers: { ...bearer, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'openai/gpt-test', messages: [{ role: 'user', content: 'hi' }] }) });
    for (const path of ['/', '/calls', '/calls/1', '/calls/2', '/inference', '/studies', '/groups']) await request(path, { headers: { cookie } });
    await request('/api/v1/calls?limit=50', { headers: bearer });
    await request('/api/v1/calls/2', { headers: bearer });

    const everything = [bodies.join('\n'), t.logs.join('\n'), await dumpDatabase(t)].join('\n');
    expect(everything).toContain('hello'); // the prompt is stored: the dump is real
    expect(everything).not.toContain(API_KEY);
    expect(everything).not.toContain(TOKEN);
  });
});

describe('access control without a token', () => {
  it('leaves a Node app open (local use)', async () => {
    const t = await createTestApp();
    try {
      expect((await t.get('/api/v1/providers')).status).toBe(200);
      expect((await t.get('/')).status).toBe(200);
      expect((await t.get('/login')).status).toBe(303);
      // Cross-site form posts are refused all the same: they could spend the provider keys.
      const crossSite = await t.app.request('/inference', {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', origin: 'https://evil.example' },
        body: 'provider=echo&prompt=x',
      });
      expect(crossSite.status).toBe(403);
    } finally {
      t.close();
    }
  });

  it('makes the Workers app refuse to serve data, on every route but health', async () => {
    const t = await createTestApp();
    try {
      const app = createApp(t.deps, { requireAccessToken: true });
      expect((await app.request('/api/v1/health')).status).toBe(200);
      const api = await app.request('/api/v1/calls');
      expect(api.status).toBe(503);
      expect(await api.json()).toMatchObject({ error: { code: 'access_token_required', message: expect.stringContaining('STUDY_ACCESS_TOKEN') } });
      const gateway = await app.request('/v1/models');
      expect(gateway.status).toBe(503);
      expect(await gateway.json()).toMatchObject({ error: { type: 'server_error', code: 'access_token_required' } });
      const page = await app.request('/');
      expect(page.status).toBe(503);
      expect(await page.text()).toContain('STUDY_ACCESS_TOKEN');
    } finally {
      t.close();
    }
  });

  it('is what the Workers entry does when STUDY_ACCESS_TOKEN is missing', async () => {
    const env = { DATABASE_URL: 'http://127.0.0.1:9' };
    const ctx = { waitUntil() {}, passThroughOnException() {}, props: {} };
    const res = await worker.fetch(new Request('http://study.example/api/v1/calls'), env, ctx as never);
    expect(res.status).toBe(503);
    expect(await res.json()).toMatchObject({ error: { code: 'access_token_required' } });
  });
});
