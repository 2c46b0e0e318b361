// Scoring a study through the API: deterministic scorers, re-scoring without calling any model, the
// semantic scorer through the embedding cache, an LLM judge whose calls are captured and grouped,
// and human labels beside the automatic scores.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

/** What the fake model answers each prompt, in turn. */
const ANSWERS: Record<string, string[]> = {
  'What is 2+2?': ['4', '4', 'It is 5'],
  'Capital of France?': ['Paris.', 'paris', 'Lyon'],
  'Say anything': ['hello', 'hello', 'hi'],
};

describe('scoring a study', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let studyId: number;

  const lastUser = (body: { messages: Array<{ role: string; content: string }> }) => body.messages.filter((m) => m.role === 'user').at(-1)!.content;
  const scriptedAnswers = () => {
    const seen = new Map<string, number>();
    fake.setReplyPolicy(({ body }) => {
      const prompt = lastUser(body);
      const answers = ANSWERS[prompt];
      if (!answers) return undefined;
      const n = seen.get(prompt) ?? 0;
      seen.set(prompt, n + 1);
      return answers[n % answers.length];
    });
  };
  const score = async (body: unknown) => {
    const res = await t.post(`/api/v1/studies/${studyId}/score`, body);
    const json = await res.json();
    if (res.status === 202) await t.deps.scoring.idle();
    return { status: res.status, json };
  };
  const report = async (query = '') => (await t.get(`/api/v1/studies/${studyId}/report${query}`)).json();
  const rows = async (sql: string, args: Array<string | number> = []) => (await t.deps.database.client.execute({ sql, args })).rows;

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-score-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    scriptedAnswers();
    // The first "Say anything" request fails (400: never retried), so that cell has a failed sample.
    let failed = false;
    fake.setFaultPolicy((req) => {
      if (failed || lastUser(req.body) !== 'Say anything') return undefined;
      failed = true;
      return { kind: 'status', status: 400 };
    });
    const res = await t.post('/api/v1/studies', {
      name: 'scored',
      items: [
        { id: 'add', prompt: 'What is 2+2?', expected: '4', fields: { category: 'math' } },
        { id: 'capital', prompt: 'Capital of France?', expected: ['Paris', 'Paree'], fields: { category: 'geo' } },
        { id: 'free', prompt: 'Say anything', fields: { category: 'misc' } },
      ],
      targets: [{ provider: 'echo' }, { provider: 'openai', model: 'gpt-test' }],
      samples: 3,
      concurrency: 2,
      scorers: [{ name: 'contains', type: 'contains', normalize: { case_fold: true, strip_punctuation: true } }],
    });
    expect(res.status).toBe(202);
    studyId = (await res.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${studyId}`)).json(), (p) => p.status !== 'running');
    fake.setFaultPolicy(undefined);
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => scriptedAnswers());

  it('scores every answer with the study\'s scorers, one score row per answer, and reports the run', async () => {
    const run = await score({});
    expect(run.status).toBe(202);
    const progress = await (await t.get(`/api/v1/studies/${studyId}/scoring/${run.json.id}`)).json();
    // 18 tasks, one failed: 17 answers × 1 scorer; the 3 echo answers without an expected answer cannot be scored, nor the 2 of "free".
    expect(progress).toMatchObject({ status: 'completed', total: 17, done: 17, unscored: 5, percent: 100, scorers: [{ name: 'contains', kind: 'contains', version: 1 }] });
    const scored = await rows("SELECT t.target_index, i.item_key, s.answer, s.pass FROM scores s JOIN raw_calls c ON c.id = s.call_id JOIN batch_tasks t ON t.id = c.batch_task_id JOIN batch_items i ON i.id = t.item_id WHERE s.batch_id = ? AND s.scorer = 'contains' ORDER BY i.position, t.target_index, s.answer", [studyId]);
    expect(scored).toHaveLength(17);
    const openaiCapital = scored.filter((r) => r.item_key === 'capital' && r.target_index === 1).map((r) => [r.answer, r.pass]);
    expect(openaiCapital).toEqual([['lyon', 0], ['paris', 1], ['paris', 1]]);
  });

  it('reports accuracy with intervals, majority votes, consistency and a paired comparison', async () => {
    const body = await report();
    expect(body.scorer).toMatchObject({ name: 'contains', version: 1, kind: 'contains' });
    const [echo, openai] = body.targets;
    // echo answers "echo: <prompt>": never the expected answer. openai: 4 passes of the 6 scorable answers.
    expect(echo).toMatchObject({ label: 'echo/echo-1', tasks: 9, success: 9, failed: 0, pending: 0, scored: 6, passes: 0 });
    expect(openai).toMatchObject({ label: 'openai/gpt-test', tasks: 9, success: 8, failed: 1, pending: 0, samples: 8, scored: 6, passes: 4 });
    expect(openai.failure_rate).toBeCloseTo(1 / 9, 12);
    expect(openai.accuracy.estimate).toBeCloseTo(4 / 6, 12);
    expect(openai.accuracy.low).toBeLessThan(4 / 6);
    // Two scored items: fewer than 10, so the interval is Wilson over the items, not over the 6 samples.
    expect(openai.accuracy).toMatchObject({ method: 'wilson-items', items: 2, samples: 6 });
    expect(openai.coverage).toEqual({ items: 3, answered: 3, scored: 2 });
    expect(openai.majority).toMatchObject({ items: 2, credit: 2, tied_items: 0 });
    expect(echo.majority).toMatchObject({ items: 2, credit: 0 });
    // Self-consistency per cell: add 2/3, capital 2/3 ("Paris." and "paris" are one answer once normalised), free 1 (hello ×2 of 2).
    expect(openai.self_consistency).toBeCloseTo((2 / 3 + 2 / 3 + 1) / 3, 12);
    expect(openai.latency_p50_ms).toEqual(expect.any(Number));
    expect(openai.prompt_tokens).toBeGreaterThan(0);
    expect(body.pairs).toHaveLength(1);
    expect(body.pairs[0]).toMatchObject({
      a: 0,
      b: 1,
      primary: false,
      items: 3,
      majority_vote_mcnemar: { items: 2, both_correct: 0, only_a: 0, only_b: 2, neither: 0, p_value: 0.5 },
      disagreeing_count: 2,
      disagreeing_keys: ['add', 'capital'],
    });
    // Both scored items differ by the same −2/3: no spread for a t, so the exact sign test (2·½²).
    expect(body.pairs[0].accuracy_difference).toMatchObject({ items: 2, method: 'sign-test', p_value: 0.5, p_adjusted: 0.5 });
    expect(body.pairs[0].accuracy_difference.difference).toBeCloseTo(-2 / 3, 12);
    expect(body.comparisons).toMatchObject({ adjust: 'holm', family_size: 1, primary: null, effect: 0.05 });
    const add = body.items.rows.find((r: { key: string }) => r.key === 'add');
    expect(add.prompt).toBe('What is 2+2?');
    expect(add.expected).toBe('4');
    expect(add.cells[1]).toMatchObject({ n: 3, pass_rate: 2 / 3, modal: { answers: ['4'], count: 2 }, majority_credit: 1, majority_correct: true });
    expect(add.cells[1].distribution).toEqual([
      { answer: '4', count: 2, passes: 2, scored: 2 },
      { answer: 'it is 5', count: 1, passes: 0, scored: 1 },
    ]);
    const free = body.items.rows.find((r: { key: string }) => r.key === 'free');
    expect(free.cells[1]).toMatchObject({ tasks: 3, success: 2, failed: 1, n: 2, scored: 0, pass_rate: null, majority_correct: null });
  });

  it('filters to items where the targets disagree, and slices by item field', async () => {
    // add and capital: one majority vote passes, the other fails; free has no expected answer, and the answers differ.
    const disagree = await report('?disagree=1');
    expect(disagree.items.rows.map((r: { key: string }) => r.key)).toEqual(['add', 'capital', 'free']);
    const geo = await report('?field=category&value=geo');
    expect(geo.items.rows.map((r: { key: string }) => r.key)).toEqual(['capital']);
    const category = disagree.slices.find((s: { field: string }) => s.field === 'category');
    expect(category.values.map((v: { value: string }) => v.value)).toEqual(['geo', 'math', 'misc']);
    expect(category.values[1].targets[1]).toMatchObject({ scored: 3, passes: 2 });
  });

  it('re-scores as a new version without a single provider request, and shows the latest unless asked', async () => {
    const before = fake.requestCount;
    const run = await score({ scorers: [{ name: 'contains', type: 'contains' }, { name: 'number', type: 'numeric', extract: { type: 'first_number' } }] });
    expect(run.status).toBe(202);
    expect(run.json.scorers).toEqual([
      expect.objectContaining({ name: 'contains', version: 2 }),
      expect.objectContaining({ name: 'number', version: 1 }),
    ]);
    expect(fake.requestCount).toBe(before);
    // Without case folding "paris" no longer contains "Paris".
    expect((await report()).targets[1]).toMatchObject({ scored: 6, passes: 3 });
    expect((await report('?version=1')).targets[1]).toMatchObject({ scored: 6, passes: 4 });
    const number = await report('?scorer=number');
    expect(number.scorer).toMatchObject({ name: 'number', version: 1 });
    // An answer with no number in it fails the numeric scorer, whatever the item expects.
    expect(number.targets[1]).toMatchObject({ scored: 6, passes: 2 });
    expect(number.scorers.map((s: { name: string; latest_version: number }) => [s.name, s.latest_version])).toEqual([['contains', 2], ['number', 1]]);
    // Stored scorers are now both; running them again adds contains v3 and number v2, still without a request.
    const again = await score({});
    expect(again.json.scorers.map((s: { name: string; version: number }) => `${s.name}@${s.version}`)).toEqual(['contains@3', 'number@2']);
    expect(fake.requestCount).toBe(before);
    expect((await t.get(`/api/v1/studies/${studyId}/report?scorer=number&version=9`)).status).toBe(404);
  });

  it('scores semantically through the embedding cache: the second run sends nothing', async () => {
    const semantic = { name: 'similar', type: 'semantic', provider: 'openai', model: 'text-embedding-test', threshold: 0.999 };
    const before = fake.requestCount;
    await score({ scorers: [semantic] });
    const sent = fake.requestCount - before;
    expect(sent).toBeGreaterThan(0);
    expect(fake.requests.slice(-sent).every((r) => r.path.endsWith('/embeddings'))).toBe(true);
    const first = await report('?scorer=similar');
    // Only an identical text has similarity 1 ("4" to "4"); the fake's vectors of different texts differ.
    expect(first.targets[1]).toMatchObject({ scored: 6, passes: 2 });
    const again = fake.requestCount;
    await score({ scorers: [semantic] });
    expect(fake.requestCount).toBe(again);
    expect((await report('?scorer=similar')).scorer.version).toBe(2);
  });

  it('runs an LLM judge: each judge call captured, linked to the call it judged and filed in its own group', async () => {
    fake.setReplyPolicy(({ body }) => (body.model === 'judge-model' ? (lastUser(body).includes('Answer: 4\n') ? 'Verdict: correct' : 'Verdict: incorrect') : undefined));
    fake.failNext({ kind: 'status', status: 400 });
    const judge = {
      name: 'judge',
      type: 'llm_judge',
      target: { provider: 'openai', model: 'judge-model' },
      rubric: 'Question: {question}\nExpected: {expected}\nAnswer: {answer}\nSay "Verdict: correct" or "Verdict: incorrect".',
      verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
    };
    const run = await score({ scorers: [judge], concurrency: 3 });
    const progress = await (await t.get(`/api/v1/studies/${studyId}/scoring/${run.json.id}`)).json();
    expect(progress).toMatchObject({ status: 'completed', done: 17, judge_calls: 17, unscored: 1 });
    const groupId = progress.scorers[0].judge_group_id;
    const calls = await rows("SELECT c.id, c.status, c.model, json_extract(c.metadata_json, '$.judged_call_id') AS judged, json_extract(c.metadata_json, '$.source') AS source FROM group_members m JOIN raw_calls c ON c.id = m.call_id WHERE m.group_id = ?", [groupId]);
    expect(calls).toHaveLength(17);
    expect(calls.every((c) => c.source === 'judge' && c.model === 'judge-model')).toBe(true);
    expect(calls.filter((c) => c.status === 'failed')).toHaveLength(1);
    const links = await rows("SELECT call_id, judge_call_id, label, pass, detail_json FROM scores WHERE scorer = 'judge' AND batch_id = ?", [studyId]);
    expect(links).toHaveLength(17);
    for (const link of links) expect(calls.find((c) => c.id === link.judge_call_id)?.judged).toBe(link.call_id);
    expect(links.filter((l) => l.pass === null).map((l) => JSON.parse(String(l.detail_json)).error)).toEqual([expect.stringMatching(/^the judge call failed/)]);
    expect((await (await t.get(`/api/v1/groups/${groupId}`)).json()).group).toMatchObject({ group_type: 'judge' });
    // Judge groups are owned: nothing else can be filed into them.
    expect((await t.post(`/api/v1/groups/${groupId}/members`, { call_ids: [calls[0]!.id] })).status).toBe(409);
    const verdicts = await report('?scorer=judge');
    expect(verdicts.targets[1].passes).toBe(2);
  });

  it('keeps human labels as scores, newest first, and shows where they disagree with a scorer', async () => {
    const [answer] = await rows("SELECT s.call_id FROM scores s WHERE s.batch_id = ? AND s.scorer = 'contains' AND s.version = 3 AND s.pass = 1 LIMIT 1", [studyId]);
    const callId = Number(answer!.call_id);
    const first = await t.post(`/api/v1/calls/${callId}/scores`, { pass: false, note: 'the unit is missing' });
    expect(first.status).toBe(201);
    const labelled = await first.json();
    expect(labelled.human).toMatchObject({ scorer: 'human', pass: false, label: 'fail', value: 0, detail: { note: 'the unit is missing' }, created_by: null, batch_id: studyId });
    expect(labelled.disagreements).toContainEqual({ scorer: 'contains', version: 3 });
    const human = (await report('?scorer=contains')).targets.find((target: { human: { labelled: number } }) => target.human.labelled === 1).human;
    expect(human).toMatchObject({ labelled: 1, compared: 1, agree: 0, agreement: 0, kappa: { n: 1 } });
    const relabelled = await (await t.post(`/api/v1/calls/${callId}/scores`, { label: 'good', pass: true })).json();
    expect(relabelled.human).toMatchObject({ label: 'good', pass: true, version: 2 });
    expect(relabelled.human_history).toHaveLength(2);
    expect(relabelled.disagreements).toEqual([]);
    const cleared = await (await t.post(`/api/v1/calls/${callId}/scores`, { pass: null, label: null, value: null })).json();
    expect(cleared.human).toBeNull();
    expect((await t.post(`/api/v1/calls/${callId}/scores`, {})).status).toBe(400);
    expect((await t.post('/api/v1/calls/987654/scores', { pass: true })).status).toBe(404);
  });

  it('refuses what cannot be scored, naming the field, before anything is written', async () => {
    const runs = Number((await rows('SELECT count(*) AS n FROM scoring_runs'))[0]!.n);
    const refused = async (body: unknown, status: number, message: RegExp) => {
      const res = await t.post(`/api/v1/studies/${studyId}/score`, body);
      expect(res.status, JSON.stringify(body)).toBe(status);
      expect((await res.json()).error.message).toMatch(message);
    };
    await refused({ scorers: [{ type: 'levenshtein' }] }, 400, /^scorers\.0\.type/);
    await refused({ scorers: [{ type: 'regex', pattern: '(?<=answer: )\\w+' }] }, 400, /^scorers\.0\.pattern: lookbehind .* not supported/);
    await refused({ scorers: [{ type: 'exact' }, { type: 'exact' }] }, 400, /^scorers\.1\.name: two scorers are called "exact"/);
    await refused({ scorers: [{ name: 'human', type: 'exact' }] }, 400, /^scorers\.0\.name/);
    await refused({ scorers: [{ type: 'llm_judge', target: { provider: 'nowhere' }, rubric: '{answer}', verdict: { type: 'score', min: 0, max: 1 } }] }, 400, /^scorers\.0\.target\.provider: unknown provider/);
    await refused({ scorers: [{ type: 'exact' }], extra: 1 }, 400, /extra/);
    expect((await t.post('/api/v1/studies/987654/score', { scorers: [{ type: 'exact' }] })).status).toBe(404);
    expect(Number((await rows('SELECT count(*) AS n FROM scoring_runs'))[0]!.n)).toBe(runs);
  });

  it('runs one scoring run of a study at a time', async () => {
    fake.setLatency(300);
    const judge = { name: 'slow-judge', type: 'llm_judge', target: { provider: 'openai', model: 'judge-model' }, rubric: '{answer}', verdict: { type: 'score', min: 0, max: 10 } };
    const first = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [judge], concurrency: 1 });
    expect(first.status).toBe(202);
    const second = await t.post(`/api/v1/studies/${studyId}/score`, { scorers: [{ type: 'exact' }] });
    expect(second.status).toBe(409);
    fake.setLatency(0);
    await t.deps.scoring.idle();
  });
});

describe('judge calls against the task ceiling', () => {
  it('refuses a judge that would make more calls than MAX_BATCH_TASKS', async () => {
    const t = await createTestApp({ MAX_BATCH_TASKS: '4' });
    try {
      const { id } = await (await t.post('/api/v1/studies', { items: [{ prompt: 'a' }, { prompt: 'b' }], targets: [{ provider: 'echo' }], samples: 2 })).json();
      await waitFor(async () => (await t.get(`/api/v1/studies/${id}`)).json(), (p) => p.status === 'completed');
      const judge = { type: 'llm_judge', target: { provider: 'echo' }, rubric: 'Score {answer}', verdict: { type: 'score', min: 0, max: 10 } };
      const res = await t.post(`/api/v1/studies/${id}/score`, { scorers: [judge, { ...judge, name: 'second' }] });
      expect(res.status).toBe(400);
      expect(await res.json()).toMatchObject({ error: { code: 'limit_exceeded', message: expect.stringMatching(/8 judge calls; at most 4 .*MAX_BATCH_TASKS/) } });
      expect((await t.post(`/api/v1/studies/${id}/score`, { scorers: [judge] })).status).toBe(202);
      await t.deps.scoring.idle();
    } finally {
      t.close();
    }
  });
});
