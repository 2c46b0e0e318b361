// Hundreds of generated malformed requests against every JSON route and the gateway: each gets a
// 4xx JSON error with a message, none a 5xx, and the database is exactly as it was.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';

type Kind = 'id' | 'string' | 'int' | 'number' | 'array' | 'object' | 'bool';

interface JsonRoute {
  path: string;
  valid: Record<string, unknown>;
  required: string[];
  fields: Record<string, Kind>;
  shape: 'api' | 'openai';
  strict: boolean;
}

const ROUTES: JsonRoute[] = [
  {
    path: '/api/v1/inference',
    valid: { provider: 'echo', prompt: 'hi', samples: 1, params: { temperature: 0.5 } },
    required: ['provider', 'prompt'],
    fields: { provider: 'id', prompt: 'string', samples: 'int', params: 'object', messages: 'array', preprocess: 'object', group_id: 'int', metadata: 'object' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/studies',
    valid: { items: [{ prompt: 'x' }], targets: [{ provider: 'echo' }], samples: 1, concurrency: 1 },
    required: ['items', 'targets'],
    fields: { items: 'array', targets: 'array', samples: 'int', concurrency: 'int', name: 'string', collapse_samples: 'bool' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/groups',
    valid: { group_type: 'experiment', name: 'g' },
    required: ['name'],
    fields: { name: 'string', group_type: 'string', description: 'string', metadata: 'object' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/groups/1/members',
    valid: { call_ids: [1] },
    required: ['call_ids'],
    fields: { call_ids: 'array', role: 'string' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/conversations',
    valid: { provider: 'echo', system_prompt: 'be brief' },
    required: ['provider'],
    fields: { provider: 'id', model: 'string', system_prompt: 'string', params: 'object' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/conversations/999999/messages',
    valid: { content: 'hello' },
    required: ['content'],
    fields: { content: 'string', params: 'object' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/embeddings',
    valid: { provider: 'echo', model: 'echo-embed', texts: ['a'] },
    required: ['provider', 'model', 'texts'],
    fields: { provider: 'id', model: 'string', texts: 'array', dimensions: 'int', group_id: 'int', return_vectors: 'bool', metadata: 'object' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/embeddings/similar',
    valid: { model: 'echo-embed', provider: 'echo', text: 'a', k: 3 },
    required: ['model'],
    fields: { model: 'string', provider: 'id', text: 'string', vector: 'array', k: 'int', group_id: 'int' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/prices',
    valid: { provider: 'openai', model: 'm', input_usd_per_million: 1, output_usd_per_million: 2, effective_from: '2025-01-01' },
    required: ['provider', 'model', 'input_usd_per_million', 'output_usd_per_million', 'effective_from'],
    fields: { provider: 'string', model: 'string', input_usd_per_million: 'number', output_usd_per_million: 'number', effective_from: 'string' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/studies/999999/score',
    valid: { scorers: [{ type: 'exact' }], concurrency: 2 },
    required: [],
    fields: { scorers: 'array', concurrency: 'int' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/api/v1/calls/999999/scores',
    valid: { pass: true, label: 'good', note: 'fine' },
    required: [],
    fields: { pass: 'bool', label: 'string', value: 'number', note: 'string' },
    shape: 'api',
    strict: true,
  },
  {
    path: '/v1/chat/completions',
    valid: { model: 'echo/test', messages: [{ role: 'user', content: 'hi' }] },
    required: ['model', 'messages'],
    fields: { model: 'id', messages: 'array', temperature: 'number', top_p: 'number', max_tokens: 'int', n: 'int', stream: 'bool' },
    shape: 'openai',
    strict: false,
  },
  {
    path: '/v1/completions',
    valid: { model: 'echo/test', prompt: 'hi' },
    required: ['model', 'prompt'],
    fields: { model: 'id', prompt: 'string', max_tokens: 'int', n: 'int', stream: 'bool' },
    shape: 'openai',
    strict: false,
  },
  {
    path: '/v1/responses',
    valid: { model: 'echo/test', input: 'hi' },
    required: ['model', 'input'],
    fields: { model: 'id', input: 'string', max_output_tokens: 'int', n: 'int', stream: 'bool' },
    shape: 'openai',
    strict: false,
  },
  {
    path: '/v1/embeddings',
    valid: { model: 'echo/embed', input: 'hi' },
    required: ['model', 'input'],
    fields: { model: 'id', dimensions: 'int' },
    shape: 'openai',
    strict: false,
  },
];

const INJECTIONS = ["'; DROP TABLE raw_calls; --", '<script>alert(1)</script>', '../../../etc/passwd', 'echo\u0000', ' ', '" OR 1=1 --'];
const WRONG: Record<Kind, unknown[]> = {
  id: [42, [], {}, true, null, ...INJECTIONS],
  string: [42, [], {}, true, null],
  int: ['1', 1.5, -1, 1e18, null, [], '<script>', "1; DROP TABLE groups"],
  number: ['1', null, [], {}, -1, 1e308, 'NaN'],
  array: ['x', {}, 3, null, true],
  object: ['x', [], 3, true],
  bool: ['yes', 1, [], {}],
};

interface Case {
  label: string;
  method: string;
  path: string;
  body?: string;
  shape: 'api' | 'openai';
  expectStatus?: number;
  headers?: Record<string, string>;
}

function generateCases(): Case[] {
  const cases: Case[] = [];
  for (const route of ROUTES) {
    const json = (label: string, body: unknown) => cases.push({ label, method: 'POST', path: route.path, body: JSON.stringify(body), shape: route.shape });
    for (const raw of ['{"model": ', "{'a': 1}", 'undefined', '', '{"a":1}}']) {
      cases.push({ label: `invalid JSON ${JSON.stringify(raw)}`, method: 'POST', path: route.path, body: raw, shape: route.shape });
    }
    for (const body of [[], null, 'string', 42]) json(`body ${JSON.stringify(body)}`, body);
    for (const field of route.required) {
      const { [field]: _dropped, ...rest } = route.valid;
      json(`missing ${field}`, rest);
    }
    for (const [field, kind] of Object.entries(route.fields)) {
      // OpenAI clients send null for "not given" on optional parameters: the gateway accepts it.
      const required = route.required.includes(field);
      for (const value of WRONG[kind]) {
        if (value === null && route.shape === 'openai' && !required) continue;
        json(`${field} = ${JSON.stringify(value)}`, { ...route.valid, [field]: value });
      }
    }
    if (route.strict) json('unknown field with HTML', { ...route.valid, '<img src=x onerror=alert(1)>': 1 });
    // Nested deeper than the database stores JSON: refused before any work.
    const deepObject = JSON.parse(`${'{"a":'.repeat(1000)}1${'}'.repeat(1000)}`);
    const deepArray = JSON.parse('['.repeat(1000) + ']'.repeat(1000));
    for (const [field, kind] of Object.entries(route.fields)) {
      if (kind === 'object') json(`${field} nested 1,000 deep`, { ...route.valid, [field]: deepObject });
      if (kind === 'array') json(`${field} nested 1,000 deep`, { ...route.valid, [field]: deepArray });
    }
    // From where no request should come: another host name (DNS rebinding), another site's page, or
    // a body a web page can send without asking (text/plain).
    const valid = JSON.stringify(route.valid);
    const exposed = (label: string, headers: Record<string, string>, expectStatus: number) =>
      cases.push({ label, method: 'POST', path: route.path, body: valid, shape: route.shape, headers: { 'content-type': 'application/json', ...headers }, expectStatus });
    exposed('Host evil.example', { host: 'evil.example' }, 421);
    exposed('cross-site browser request', { origin: 'http://evil.example', 'sec-fetch-site': 'cross-site' }, 403);
    exposed('same-site browser request from another port', { origin: 'http://127.0.0.1:3000', 'sec-fetch-site': 'same-site' }, 403);
    if (route.shape === 'openai') exposed('text/plain body', { 'content-type': 'text/plain' }, 415);
    // Keys the app writes into a call's metadata itself.
    if ('metadata' in route.fields && route.path !== '/api/v1/groups') {
      for (const key of ['batch_task_id', 'source', 'conversation_id']) json(`metadata.${key} (reserved)`, { ...route.valid, metadata: { [key]: 1 } });
    }
    // 10 MB everywhere; batches accept whole item lists up to 32 MiB, so they get 33 MB.
    const megabytes = route.path === '/api/v1/studies' ? 33 : 10;
    cases.push({
      label: `${megabytes} MB body`,
      method: 'POST',
      path: route.path,
      body: JSON.stringify({ ...route.valid, padding: 'x'.repeat(megabytes * 1024 * 1024) }),
      shape: route.shape,
      expectStatus: 413,
    });
  }
  for (const query of [
    '/api/v1/calls?limit=-1',
    '/api/v1/calls?limit=abc',
    '/api/v1/calls?limit=1e99',
    '/api/v1/calls?status=%3Cscript%3E',
    '/api/v1/calls?from=2024-13-45',
    '/api/v1/calls?cursor=1%20OR%201%3D1',
    '/api/v1/calls?q=%00',
    '/api/v1/calls?group_id=-3',
    '/api/v1/calls/export?format=xml',
    '/api/v1/calls/export',
    '/api/v1/analytics/timeseries?bucket=week',
    '/api/v1/analytics/timeseries?bucket=hour&days=-5',
    '/api/v1/analytics/timeseries?bucket=hour&days=99999',
    '/api/v1/analytics/summary?days=abc',
    '/api/v1/search',
    '/api/v1/search?q=',
    '/api/v1/groups?limit=0',
    '/api/v1/studies/abc',
    '/api/v1/studies/1/results?limit=100000',
    '/api/v1/studies/1/report?limit=0',
    '/api/v1/studies/1/report?disagree=maybe',
    '/api/v1/studies/1/report?scorer=%3Cscript%3E',
    '/api/v1/studies/1/report?version=-1',
    '/api/v1/studies/1/report?adjust=bonferroni',
    '/api/v1/studies/1/report?effect=0',
    '/api/v1/studies/1/report?cluster_by=%3Cscript%3E',
    '/api/v1/studies/999999/report',
    '/api/v1/studies/1/export?format=xml',
    '/api/v1/studies/1/export',
    '/api/v1/studies/1/scoring/abc',
    '/api/v1/calls/abc/scores',
    '/api/v1/calls/0',
    '/api/v1/calls/%27%20OR%201%3D1',
  ]) {
    cases.push({ label: `GET ${query}`, method: 'GET', path: query, shape: 'api' });
  }
  return cases;
}

async function snapshot(t: TestApp): Promise<string> {
  const client = t.deps.database.client;
  const tables = await client.execute("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name");
  const parts: string[] = [];
  for (const row of tables.rows) {
    const name = String(row.name);
    const result = await client.execute(`SELECT count(*) AS n FROM "${name}"`);
    parts.push(`${name}:${result.rows[0]!.n}`);
  }
  const calls = await client.execute('SELECT group_concat(id) AS ids, max(id) AS last FROM raw_calls');
  return `${parts.join(' ')} | ${JSON.stringify(calls.rows[0])}`;
}

describe('bad input on every JSON route and the gateway', () => {
  let t: TestApp;
  let before: string;
  const cases = generateCases();

  beforeAll(async () => {
    t = await createTestApp();
    // some existing data, so "unchanged" means something
    await t.post('/api/v1/inference', { provider: 'echo', prompt: 'existing call', samples: 2 });
    await t.post('/api/v1/groups', { name: 'existing group' });
    before = await snapshot(t);
  });
  afterAll(() => t.close());

  it('generates at least 200 malformed requests', () => {
    expect(cases.length).toBeGreaterThanOrEqual(200);
  });

  it('answers each with a 4xx JSON error and a message, never a 5xx', async () => {
    const failures: string[] = [];
    for (const c of cases) {
      const res = await t.app.request(c.path, {
        method: c.method,
        ...(c.body !== undefined ? { body: c.body, headers: c.headers ?? { 'content-type': 'application/json' } } : {}),
      });
      const text = await res.text();
      let body: { error?: { message?: unknown; code?: unknown; type?: unknown } } | undefined;
      try {
        body = JSON.parse(text);
      } catch {
        body = undefined;
      }
      const message = body?.error?.message;
      const ok =
        res.status >= 400 &&
        res.status < 500 &&
        (c.expectStatus === undefined || res.status === c.expectStatus) &&
        typeof message === 'string' &&
        message.length > 0 &&
        (c.shape === 'api' ? typeof body?.error?.code === 'string' : typeof body?.error?.type === 'string');
      if (!ok) failures.push(`${c.method} ${c.path} [${c.label}] → ${res.status} ${text.slice(0, 200)}`);
    }
    expect(failures).toEqual([]);
  }, 120_000);

  it('leaves the database exactly as it was', async () => {
    expect(await snapshot(t)).toBe(before);
  });
});
