// The Workers build, booted in local workerd by `wrangler dev` (with its local queue), over a real
// libSQL server (sqld, with Turso-style JWT auth) reached through @libsql/client/web: pages, API,
// gateway, capture, and a small batch through the queue.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLocalWorker, WORKER_ACCESS_TOKEN, WORKER_BEARER, WORKER_FAKE_KEY, type LocalWorker } from '../support/local-worker';
import { waitFor } from '../support/wait';

describe('the Workers build in local workerd', () => {
  let w: LocalWorker;
  beforeAll(async () => {
    w = await startLocalWorker();
  }, 120_000);
  afterAll(() => w?.stop(), 30_000);

  const bearer = WORKER_BEARER;
  const call = (path: string, init?: RequestInit) => w.call(path, init);
  const postJson = (path: string, body: unknown) => w.postJson(path, body);
  const rows = (sql: string, args?: (string | number)[]) => w.rows(sql, args);

  it('serves health openly, and htmx as a static asset', async () => {
    const health = await call('/api/v1/health');
    expect(health.res.status).toBe(200);
    expect(health.json()).toMatchObject({ ok: true, db: 'ok' });
    const htmx = await call('/static/htmx.min.js');
    expect(htmx.res.status).toBe(200);
    expect(htmx.res.headers.get('content-type')).toMatch(/javascript/);
    expect(htmx.text.length).toBeGreaterThan(10_000);
  });

  it('sends pages to the login form, and serves them with the session cookie', async () => {
    const anonymous = await call('/');
    expect(anonymous.res.status).toBe(303);
    expect(anonymous.res.headers.get('location')).toBe('/login?next=%2F');
    const login = await call('/login', {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', origin: w.base },
      body: new URLSearchParams({ token: WORKER_ACCESS_TOKEN, next: '/' }).toString(),
    });
    expect(login.res.status).toBe(303);
    const cookie = login.res.headers.get('set-cookie')!;
    expect(cookie).toMatch(/HttpOnly/);
    const home = await call('/', { headers: { cookie: cookie.split(';')[0]! } });
    expect(home.res.status).toBe(200);
    expect(home.text).toContain('Study Query LLM');
    expect(home.res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('needs the bearer token on the API and the gateway', async () => {
    const api = await call('/api/v1/providers');
    expect(api.res.status).toBe(401);
    expect(api.json()).toMatchObject({ error: { code: 'unauthorized' } });
    const gateway = await call('/v1/models');
    expect(gateway.res.status).toBe(401);
    expect(gateway.json()).toMatchObject({ error: { type: 'authentication_error', code: 'invalid_api_key' } });
    const providers = await call('/api/v1/providers', { headers: bearer });
    expect(providers.json().providers.map((p: { name: string }) => p.name)).toEqual(['echo', 'fake']);
    const models = await call('/v1/models', { headers: bearer });
    expect(models.json().data.map((m: { id: string }) => m.id)).toContain('fake/gpt-fake');
  });

  it('captures calls from the API and the gateway in the libSQL server', async () => {
    const echo = await postJson('/api/v1/inference', { provider: 'echo', prompt: 'worker echo' });
    expect(echo.json().calls[0]).toMatchObject({ status: 'success', text: 'echo: worker echo' });
    const remote = await postJson('/api/v1/inference', { provider: 'fake', prompt: 'worker fake', samples: 2 });
    expect(remote.json().calls.map((c: { status: string }) => c.status)).toEqual(['success', 'success']);
    const gateway = await postJson('/v1/chat/completions', { model: 'fake/gpt-fake', messages: [{ role: 'user', content: 'via gateway' }] });
    expect(gateway.res.status).toBe(200);
    const gatewayCallId = Number(gateway.res.headers.get('x-study-call-id'));
    expect(w.fake.requests.filter((r) => r.path.endsWith('/chat/completions'))).toHaveLength(3);
    expect(w.fake.requests.every((r) => r.headers.authorization === `Bearer ${WORKER_FAKE_KEY}`)).toBe(true);

    const captured = await rows("SELECT id, provider, model, status, json_extract(request_json, '$.messages[0].content') AS prompt FROM raw_calls ORDER BY id");
    expect(captured.map((r) => [r.provider, r.status, r.prompt])).toEqual([
      ['echo', 'success', 'worker echo'],
      ['fake', 'success', 'worker fake'],
      ['fake', 'success', 'worker fake'],
      ['fake', 'success', 'via gateway'],
    ]);
    expect(Number(captured.at(-1)!.id)).toBe(gatewayCallId);
    const api = await call(`/api/v1/calls/${gatewayCallId}`, { headers: bearer });
    expect(api.json().call).toMatchObject({ id: gatewayCallId, provider: 'fake', model: 'gpt-fake', status: 'success' });
  });

  it('runs a batch through the local queue: every task exactly one success row', async () => {
    const before = w.fake.requests.length;
    const created = await postJson('/api/v1/studies', {
      name: 'worker batch',
      items: [{ id: 'a', prompt: 'first' }, { id: 'b', prompt: 'second' }, { id: 'c', prompt: 'third' }],
      targets: [{ provider: 'echo' }, { provider: 'fake', model: 'gpt-fake' }],
      samples: 2,
    });
    expect(created.res.status).toBe(202);
    const { id, total } = created.json();
    expect(total).toBe(12);
    const done = await waitFor(
      async () => (await call(`/api/v1/studies/${id}`, { headers: bearer })).json(),
      (p) => p.status !== 'running',
      30_000,
      200,
    );
    expect(done).toMatchObject({ status: 'completed', total: 12, done: 12, failed: 0, pending: 0 });
    expect(w.fake.requests.length - before).toBe(6);

    const tasks = await rows(
      `SELECT t.id, t.status, t.calls,
              (SELECT count(*) FROM raw_calls c
                WHERE c.batch_task_id = t.id AND c.status = 'success') AS successes
         FROM batch_tasks t WHERE t.batch_id = ?`,
      [id],
    );
    expect(tasks).toHaveLength(12);
    expect(tasks.every((t) => t.status === 'success' && Number(t.calls) === 1 && Number(t.successes) === 1)).toBe(true);
    const members = await rows('SELECT count(*) AS n FROM group_members WHERE group_id = ?', [id]);
    expect(Number(members[0]!.n)).toBe(12);
    // The consumer ran in the worker's queue() handler, as Cloudflare would call it.
    expect(w.output.join('')).toMatch(/QUEUE study-batches \d+\/\d+/);
  });

  it('scores a study through the local queue: every answer scored once per scorer, each judge call made once', async () => {
    const created = await postJson('/api/v1/studies', {
      name: 'worker scoring',
      items: [{ id: 'x', prompt: 'capital of x', expected: 'reply to: capital of x' }, { id: 'y', prompt: 'capital of y', expected: 'no' }, { id: 'z', prompt: 'capital of z', expected: 'no' }],
      targets: [{ provider: 'fake', model: 'gpt-fake' }],
      samples: 2,
    });
    const { id } = created.json();
    await waitFor(async () => (await call(`/api/v1/studies/${id}`, { headers: bearer })).json(), (p) => p.status === 'completed', 30_000, 200);
    const answers = 6;
    w.fake.setReplyPolicy((req) => (String(req.body.messages?.[0]?.content).startsWith('Judge:') ? 'Verdict: correct' : undefined));
    const judgedBefore = w.fake.requests.filter((r) => String(r.body?.messages?.[0]?.content).startsWith('Judge:')).length;
    const judge = { name: 'judge', type: 'llm_judge', target: { provider: 'fake', model: 'gpt-fake' }, rubric: 'Judge: {answer}', verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] } };
    const started = await postJson(`/api/v1/studies/${id}/score`, { scorers: [{ name: 'exact', type: 'exact' }, judge], concurrency: 2 });
    expect(started.res.status).toBe(202);
    const run = await waitFor(
      async () => (await call(`/api/v1/studies/${id}/scoring/${started.json().id}`, { headers: bearer })).json(),
      (r) => r.status !== 'running',
      60_000,
      200,
    );
    w.fake.setReplyPolicy(undefined);
    expect(run).toMatchObject({ status: 'completed', total: 2 * answers, done: 2 * answers, judge_calls: answers, unscored: 0 });
    expect(w.fake.requests.filter((r) => String(r.body?.messages?.[0]?.content).startsWith('Judge:')).length - judgedBefore).toBe(answers);
    const perCall = await rows(
      `SELECT t.last_call_id AS call,
              (SELECT count(*) FROM scores s WHERE s.call_id = t.last_call_id AND s.scorer = 'exact') AS exact,
              (SELECT count(*) FROM scores s WHERE s.call_id = t.last_call_id AND s.scorer = 'judge' AND s.pass = 1) AS judged,
              (SELECT count(*) FROM raw_calls j WHERE json_extract(j.metadata_json, '$.judged_call_id') = t.last_call_id) AS judge_calls
         FROM batch_tasks t WHERE t.batch_id = ?`,
      [id],
    );
    expect(perCall.map((r) => [Number(r.exact), Number(r.judged), Number(r.judge_calls)])).toEqual(Array(answers).fill([1, 1, 1]));
    const passes = await rows("SELECT count(*) AS n FROM scores WHERE batch_id = ? AND scorer = 'exact' AND pass = 1", [id]);
    expect(Number(passes[0]!.n)).toBe(2);
    // It went through the queue: a message per page of five tasks, each page claimed and done once.
    const pages = await rows('SELECT page, done_at FROM scoring_pages WHERE scoring_run_id = ? ORDER BY page', [run.id]);
    expect(pages.map((p) => [Number(p.page), p.done_at !== null])).toEqual([
      [0, true],
      [1, true],
    ]);
  }, 90_000);

  it('runs caller patterns on re2js inside workerd: a schema pattern answered, lookahead refused', async () => {
    const ask = (pattern: string) =>
      postJson('/v1/chat/completions', {
        model: 'echo/echo-1',
        messages: [{ role: 'user', content: 'code?' }],
        response_format: { type: 'json_schema', json_schema: { name: 'code', schema: { type: 'string', pattern } } },
      });
    const answered = await ask('^[A-Z]{3}$');
    expect(answered.res.status).toBe(200);
    expect(JSON.parse(answered.json().choices[0].message.content)).toBe('ABC');
    const refused = await ask('^(?!x)');
    expect(refused.res.status).toBe(400);
    expect(refused.json().error.message).toMatch(/^response_format\.json_schema\.schema: pattern .* lookahead/);
  });

  it('folds captured calls into the search index and the rollups behind the watermark: after responses, and on the cron', async () => {
    const progress = async () => {
      const [row] = await rows(`SELECT (SELECT last_id FROM derived_watermark) AS folded, (SELECT max(id) FROM raw_calls) AS newest,
        (SELECT count(*) FROM raw_calls) AS calls, (SELECT sum(calls) FROM call_rollup_daily) AS counted, (SELECT count(*) FROM raw_calls_fts) AS indexed`);
      return Object.fromEntries(Object.entries(row!).map(([k, v]) => [k, Number(v)])) as Record<'folded' | 'newest' | 'calls' | 'counted' | 'indexed', number>;
    };
    const echo = await postJson('/api/v1/inference', { provider: 'echo', prompt: 'worker lighthouse' });
    const id = echo.json().calls[0].id as number;
    // Each response is followed by a catch-up (at most once a second per isolate).
    const caught = await waitFor(
      async () => {
        await call('/api/v1/health');
        return progress();
      },
      (p) => p.folded >= id,
      20_000,
      300,
    );
    expect(caught).toMatchObject({ counted: caught.calls, indexed: caught.calls });
    const found = await call('/api/v1/search?q=lighthouse', { headers: bearer });
    expect(found.json().results.map((r: { id: number }) => r.id)).toEqual([id]);

    // A call no request follows (written straight into the database) is folded in by the cron.
    await w.sqld.client.execute({
      sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, request_hash, metadata_json)
            VALUES ('echo', 'echo', 'chat', 'success', ?, '{"text":"ok"}', 'h-cron', '{}')`,
      args: [JSON.stringify({ messages: [{ role: 'user', content: 'cron lantern' }] })],
    });
    const scheduled = await fetch(`${w.base}/__scheduled?cron=*+*+*+*+*`);
    expect(scheduled.status).toBe(200);
    await scheduled.text();
    const afterCron = await waitFor(progress, (p) => p.folded === p.newest, 10_000, 100);
    expect(afterCron).toMatchObject({ counted: afterCron.calls, indexed: afterCron.calls });
  });

  it('never lets a key or token into a response, a log line or a database row', async () => {
    const tables = await rows("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' AND name NOT LIKE '%fts%'");
    const dump: string[] = [];
    for (const t of tables) dump.push(JSON.stringify((await rows(`SELECT * FROM "${String(t.name)}"`)).map((r) => Object.values(r))));
    const everything = [w.responses.join('\n'), w.output.join(''), dump.join('\n')].join('\n');
    expect(everything).toContain('via gateway'); // the dump holds the captured calls
    for (const secret of [WORKER_FAKE_KEY, WORKER_ACCESS_TOKEN, w.sqld.authToken]) expect(everything).not.toContain(secret);
  });
});
