// Reviewing a study through HTTP: the review queue (disagreements first, then what no human has
// seen), labels with notes from the page, the human-adjusted accuracy beside the automatic one (numbers
// pinned by hand), the call page's link back to its cell, and scoring refused when the items have no
// expected answer for a scorer that needs one.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

// Two samples per item; the fake server answers each prompt with its two replies (in either order).
const ITEMS = [
  { id: 'q1', prompt: 'first question', expected: 'A', replies: ['A', 'A'] },
  { id: 'q2', prompt: 'second question', expected: 'B', replies: ['B', 'x'] },
  { id: 'q3', prompt: 'third question', expected: 'C', replies: ['x', 'x'] },
  { id: 'q4', prompt: 'fourth question', expected: 'D', replies: ['D', 'D'] },
  { id: 'q5', prompt: 'fifth question', replies: ['E', 'E'] },
];

describe('reviewing a study: the queue, notes and the human-adjusted accuracy', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let studyId: number;
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows;
  /** The study's answered calls: item key, sample index, answer. */
  const calls = () =>
    rows(
      `SELECT c.id AS call_id, i.item_key, t.sample_index, json_extract(c.response_json, '$.text') AS text FROM batch_tasks t
         JOIN raw_calls c ON c.id = t.last_call_id JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ? ORDER BY t.item_id, t.target_index, t.sample_index`,
      [studyId],
    );
  const label = (callId: number, fields: Record<string, string>) =>
    t.app.request(`/calls/${callId}/label`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
      body: new URLSearchParams(fields).toString(),
    });
  const report = async () => (await t.get(`/api/v1/studies/${studyId}/report`)).json();

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-review-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    const seen = new Map<string, number>();
    fake.setReplyPolicy(({ body }) => {
      const item = ITEMS.find((i) => i.prompt === body.messages.at(-1).content);
      if (!item) return undefined;
      const n = seen.get(item.id) ?? 0;
      seen.set(item.id, n + 1);
      return item.replies[n % 2];
    });
    const res = await t.post('/api/v1/studies', {
      items: ITEMS.map(({ id, prompt, expected }) => ({ id, prompt, ...(expected ? { expected } : {}) })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 2,
      concurrency: 2,
    });
    expect(res.status).toBe(202);
    studyId = (await res.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${studyId}`)).json(), (p) => p.status === 'completed');
    const scored = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [{ name: 'same', type: 'exact' }] });
    expect(scored.status).toBe(202);
    const run = (await scored.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${studyId}/scoring/${run}`)).json(), (p) => p.status === 'completed');
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('queues every answer no human has seen, in item order, until labels come in', async () => {
    const page = await (await t.get(`/studies/${studyId}/review`)).text();
    expect(page).toContain('<h1>Review queue</h1>');
    expect(page).toContain('0 where the human label and the scorer disagree');
    expect(page).toContain('10 no human has labelled');
    const listed = [...page.matchAll(/sample <a href="\/calls\/(\d+)">/g)].map((m) => Number(m[1]));
    expect(listed).toEqual((await calls()).map((c) => Number(c.call_id)));
    expect(page).toContain('<kbd>n</kbd> next answer');
  });

  it('takes labels with notes, then lists the disagreements first and drops what a human has seen', async () => {
    const all = await calls();
    const q2Wrong = all.find((c) => c.item_key === 'q2' && c.text === 'x')!;
    const q3 = all.filter((c) => c.item_key === 'q3');
    const q5 = all.filter((c) => c.item_key === 'q5');
    // q3's two "x" answers fail the scorer; the reviewer passes them, with a note on the first.
    const first = await label(Number(q3[0]!.call_id), { pass: '1', scorer: 'same', version: '1', note: 'x is the letter the question meant' });
    expect(first.status).toBe(200);
    const buttons = await first.text();
    expect(buttons).toContain('value="x is the letter the question meant"');
    expect(buttons).toContain('≠ same');
    expect((await label(Number(q3[1]!.call_id), { pass: '1' })).status).toBe(200);
    // Agreeing with the scorer (q2's "x" fails) and labelling an answer the scorer could not score (q5 has no expected answer).
    expect((await label(Number(q2Wrong.call_id), { pass: '0' })).status).toBe(200);
    expect((await label(Number(q5[0]!.call_id), { pass: '1' })).status).toBe(200);
    const scores = await (await t.get(`/api/v1/calls/${q3[0]!.call_id}/scores`)).json();
    expect(scores.human).toMatchObject({ pass: true, detail: { note: 'x is the letter the question meant' } });

    const page = await (await t.get(`/studies/${studyId}/review`)).text();
    expect(page).toContain('2 where the human label and the scorer disagree');
    expect(page).toContain('6 no human has labelled');
    const listed = [...page.matchAll(/sample <a href="\/calls\/(\d+)">/g)].map((m) => Number(m[1]));
    const labelled = new Set([q3[0], q3[1], q2Wrong, q5[0]].map((c) => Number(c!.call_id)));
    expect(listed).toEqual([...q3.map((c) => Number(c.call_id)), ...all.map((c) => Number(c.call_id)).filter((id) => !labelled.has(id))]);
    expect(page).toContain('value="x is the letter the question meant"');
    const disagreeing = await (await t.get(`/studies/${studyId}/review?show=disagree`)).text();
    expect([...disagreeing.matchAll(/sample <a href="\/calls\/(\d+)">/g)].map((m) => Number(m[1]))).toEqual(q3.map((c) => Number(c.call_id)));
    const unlabelled = await (await t.get(`/studies/${studyId}/review?show=unlabelled`)).text();
    expect([...unlabelled.matchAll(/sample <a href="\/calls\/(\d+)">/g)]).toHaveLength(6);
  });

  it('reports the human-adjusted accuracy beside the automatic one, with the same interval over items', async () => {
    const body = await report();
    const [target] = body.targets;
    // Automatic: q1 2/2, q2 1/2, q3 0/2, q4 2/2 (q5 has no expected answer: unscored) → 5/8 over 4 items. Fewer
    // than 10 items, so Wilson over the 4 items with p·G = 2.5 successes: z = 1.959964, p = 0.625, n = 4 →
    // centre (p + z²/2n)/(1 + z²/n) = 0.563764, half-width z·√(p(1−p)/n + z²/4n²)/(1 + z²/n) = 0.344337.
    expect(target.accuracy).toMatchObject({ items: 4, samples: 8, passed: 5, method: 'wilson-items' });
    expect(target.accuracy.estimate).toBeCloseTo(0.625, 12);
    expect(target.accuracy.low).toBeCloseTo(0.219427, 6);
    expect(target.accuracy.high).toBeCloseTo(0.908101, 6);
    // Human-adjusted: q3's two labels overrule the scorer (0/2 → 2/2), q2's agrees, q5's pass adds an answer the
    // scorer could not score → q1 2/2, q2 1/2, q3 2/2, q4 2/2, q5 1/1 = 8/9 over 5 items; Wilson over 5 items with
    // p·G = 40/9: p = 0.888889, n = 5 → [0.452601, 0.987246].
    expect(target.accuracy_human_adjusted).toMatchObject({ items: 5, samples: 9, passed: 8, method: 'wilson-items', labels: 4, overruled: 2, added: 1 });
    expect(target.accuracy_human_adjusted.estimate).toBeCloseTo(8 / 9, 12);
    expect(target.accuracy_human_adjusted.low).toBeCloseTo(0.452601, 6);
    expect(target.accuracy_human_adjusted.high).toBeCloseTo(0.987246, 6);

    const page = await (await t.get(`/studies/${studyId}`)).text();
    expect(page).toContain('human-adjusted accuracy</th>');
    expect(page).toMatch(/<strong>88\.9%<\/strong> <span class="muted interval">\[45\.3%–98\.7%\]<\/span>/);
    expect(page).toContain('over 5 items · 4 labels, 2 overruling the scorer, 1 on unscored answers');
    expect(page).toContain(`href="/studies/${studyId}/review"`);
  });

  it('counts a cleared label as unseen again', async () => {
    const q2Wrong = (await calls()).find((c) => c.item_key === 'q2' && c.text === 'x')!;
    expect((await label(Number(q2Wrong.call_id), { pass: '' })).status).toBe(200);
    const page = await (await t.get(`/studies/${studyId}/review?show=unlabelled`)).text();
    expect(page).toContain('7 no human has labelled');
    expect([...page.matchAll(/sample <a href="\/calls\/(\d+)">/g)].map((m) => Number(m[1]))).toContain(Number(q2Wrong.call_id));
    expect((await report()).targets[0].accuracy_human_adjusted).toMatchObject({ labels: 3, passed: 8, samples: 9 });
  });

  it('says on the study page which scorer lacks expected answers, and on how many items', async () => {
    const page = await (await t.get(`/studies/${studyId}`)).text();
    expect(page).toContain('&quot;same&quot; (exact) compares answers with expected answers, and 1 of the study&#39;s 5 items have none (their answers stay unscored)');
  });

  it('links each call of the study back to its cell', async () => {
    const [first] = await calls();
    const [cell] = await rows('SELECT t.item_id, t.target_index FROM raw_calls c JOIN batch_tasks t ON t.id = c.batch_task_id WHERE c.id = ?', [Number(first!.call_id)]);
    const page = await (await t.get(`/calls/${first!.call_id}`)).text();
    expect(page).toContain(`<a class="study-cell-link" href="/studies/${studyId}/cells/${cell!.item_id}/${cell!.target_index}">item q1 × target 0</a>`);
  });

  it('refuses to score with a scorer that needs expected answers when no item has one, naming it and the count', async () => {
    const res = await t.post('/api/v1/studies', { items: [{ prompt: 'no answer given' }, { prompt: 'nor here' }], targets: [{ provider: 'echo' }], samples: 1 });
    const id = (await res.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
    const before = await rows('SELECT count(*) AS n FROM scoring_runs WHERE batch_id = ?', [id]);
    const refused = await t.post(`/api/v1/studies/${id}/score`, { scorers: [{ name: 'format', type: 'valid_json' }, { name: 'near', type: 'numeric' }, { type: 'contains' }] });
    expect(refused.status).toBe(400);
    const { error } = await refused.json();
    expect(error.message).toMatch(/^scorers\.1: "near" \(numeric\) compares answers with expected answers, and none of the study's 2 items has one; "contains" \(contains\) compares/);
    expect(error.details).toEqual([
      { path: 'scorers.1', message: 'needs expected answers: 2 of 2 items have none' },
      { path: 'scorers.2', message: 'needs expected answers: 2 of 2 items have none' },
    ]);
    expect(await rows('SELECT count(*) AS n FROM scoring_runs WHERE batch_id = ?', [id])).toEqual(before);
    // A scorer that needs no expected answer runs.
    expect((await t.post(`/api/v1/studies/${id}/score`, { scorers: [{ name: 'format', type: 'valid_json' }] })).status).toBe(202);
  });

  it('brings the results with each progress poll of a running study, so the matrix and the progress line agree', async () => {
    fake.setLatency(150);
    try {
      const res = await t.post('/api/v1/studies', { items: [{ prompt: 'slow one' }, { prompt: 'slow two' }], targets: [{ provider: 'openai', model: 'gpt-test' }], samples: 4, concurrency: 1 });
      const id = (await res.json()).id;
      await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.done >= 2);
      const poll = await (await t.get(`/studies/${id}/live?watch=1`)).text();
      expect(poll).toContain('<section id="study-live"');
      expect(poll).toContain('<section id="study-results" hx-swap-oob="true">');
      const done = Number(/(\d+) done · /.exec(poll)![1]);
      // Each cell says answered/tasks; read in the same request as the progress (one task at a time: at most one finished in between).
      const answered = [...poll.matchAll(/<span class="muted"> (\d+)\/4<\/span>/g)].reduce((sum, m) => sum + Number(m[1]), 0);
      expect(done - answered).toBeGreaterThanOrEqual(0);
      expect(done - answered).toBeLessThanOrEqual(1);
      expect(done).toBeLessThan(8);
      // The page's own results section no longer polls on a timer of its own.
      const page = await (await t.get(`/studies/${id}`)).text();
      expect(page).not.toContain('every 5s');
      await t.post(`/api/v1/studies/${id}/cancel`, {});
    } finally {
      fake.setLatency(0);
    }
  });

  it("previews a built scorer on the study's own captured answers, and names a bad option", async () => {
    const preview = (fields: Record<string, string>) =>
      t.app.request(`/studies/${studyId}/scorer-preview`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', 'hx-request': 'true' },
        body: new URLSearchParams(fields).toString(),
      });
    const good = await preview({ scorer_type: 'exact' });
    expect(good.status).toBe(200);
    const html = await good.text();
    // Five answers in run order, each scored against its item's expected answer (q5's has none: "none", no score).
    expect([...html.matchAll(/<tr><td class="answer-text">/g)]).toHaveLength(5);
    expect(html).toMatch(/badge-(success|failed)/);
    const bad = await preview({ scorer_type: 'regex', scorer_pattern: '(a' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('scorer.pattern');
    const unknown = await t.app.request('/studies/999999/scorer-preview', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'scorer_type=exact' });
    expect(unknown.status).toBe(404);
  });

  it('pages through more disagreements than one page holds, then on into the unlabelled answers', async () => {
    // 60 items, one echo answer each, scored wrong ("echo: …" is not the expected "yes") and labelled pass.
    const created = await t.post('/api/v1/studies', {
      items: Array.from({ length: 60 }, (_, i) => ({ id: `p${String(i).padStart(2, '0')}`, prompt: `paged ${i}`, expected: 'yes' })),
      targets: [{ provider: 'echo' }],
      scorers: [{ type: 'exact' }],
    });
    const study = (await created.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${study}`)).json(), (p) => p.status === 'completed');
    const scoring = await (await t.post(`/api/v1/studies/${study}/score`, {})).json();
    await waitFor(async () => (await t.get(`/api/v1/studies/${study}/scoring/${scoring.id}`)).json(), (r) => r.status === 'completed');
    const answered = await rows('SELECT last_call_id AS id FROM batch_tasks WHERE batch_id = ? ORDER BY item_id', [study]);
    for (const call of answered.slice(0, 55)) expect((await label(Number(call.id), { pass: '1' })).status).toBe(200);
    const keysOn = async (query: string) => {
      const html = await (await t.app.request(`/studies/${study}/review?${query}`)).text();
      return { keys: [...html.matchAll(/<a href="\/studies\/\d+\/cells\/\d+\/0">\s*(p\d\d) ×/g)].map((m) => m[1]), html };
    };
    const first = await keysOn('show=all');
    expect(first.keys).toHaveLength(50);
    expect(first.html).toContain('1–50 of 60');
    const second = await keysOn('show=all&offset=50');
    // Disagreements 51–55, then the five answers no one has labelled.
    expect(second.keys).toEqual(['p50', 'p51', 'p52', 'p53', 'p54', 'p55', 'p56', 'p57', 'p58', 'p59']);
    expect(second.html).toContain('51–60 of 60');
    expect((await keysOn('show=disagree&offset=50')).keys).toEqual(['p50', 'p51', 'p52', 'p53', 'p54']);
    expect((await t.app.request(`/studies/${study}/review?offset=10001`)).status).toBe(400);
  });

  it('answers 400 for an unknown queue filter and 404 for an unknown study', async () => {
    expect((await t.get(`/studies/${studyId}/review?show=everything`)).status).toBe(400);
    expect((await t.get('/studies/999999/review')).status).toBe(404);
  });
});
