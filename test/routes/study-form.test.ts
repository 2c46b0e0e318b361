// The Studies form as a researcher first meets it: prompts pasted with their expected answers
// (prompt<TAB>expected), scorers made with the builder (each type, checked by the API's schema),
// a preview through the real scorer, and the page filled in again when something is refused.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

/** The text of a textarea in a page, entities decoded (Hono escapes & < > " '). */
function textareaText(html: string, name: string): string {
  const match = new RegExp(`<textarea[^>]*name="${name}"[^>]*>([\\s\\S]*?)</textarea>`).exec(html);
  if (!match) throw new Error(`no textarea ${name} in the page`);
  return decode(match[1]!);
}

const decode = (text: string) =>
  text.replaceAll('&lt;', '<').replaceAll('&gt;', '>').replaceAll('&quot;', '"').replaceAll('&#39;', "'").replaceAll('&amp;', '&');

describe('the Studies form', () => {
  let t: TestApp;
  let fake: FakeOpenAI;
  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-study-form', OPENAI_BASE_URL: fake.url });
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });
  beforeEach(() => fake.reset());

  const multipart = (fields: Record<string, string | string[]>) => {
    const form = new FormData();
    for (const [key, value] of Object.entries(fields)) for (const part of Array.isArray(value) ? value : [value]) form.append(key, part);
    return form;
  };
  const postForm = (path: string, fields: Record<string, string | string[]>) => t.app.request(path, { method: 'POST', body: multipart(fields) });
  /** As htmx posts the builder's buttons: url-encoded, with HX-Request. */
  const postHtmx = (path: string, fields: Record<string, string | string[]>) => {
    const body = new URLSearchParams();
    for (const [key, value] of Object.entries(fields)) for (const part of Array.isArray(value) ? value : [value]) body.append(key, part);
    return t.app.request(path, { method: 'POST', headers: { 'hx-request': 'true', 'content-type': 'application/x-www-form-urlencoded' }, body });
  };
  const studyCount = async () => Number((await t.deps.database.client.execute('SELECT count(*) AS n FROM batches')).rows[0]!.n);
  const itemsOf = async (id: number) =>
    (await t.deps.database.client.execute({ sql: 'SELECT prompt, expected_json FROM batch_items WHERE batch_id = ? ORDER BY position', args: [id] })).rows.map((row) => ({
      prompt: row.prompt,
      expected: row.expected_json === null ? null : JSON.parse(String(row.expected_json)),
    }));
  const idFrom = (res: Response) => Number(res.headers.get('location')!.split('/').pop());

  describe('pasted prompt<TAB>expected lines', () => {
    it('starts a study whose items carry the expected answers, a JSON list as acceptable answers', async () => {
      const res = await postForm('/studies', {
        name: 'tab paste',
        prompts: 'What is 2+2?\t4\r\nCapital of Peru?\t["Lima", "Lima, Peru"]\n  Name a colour.  \n\nCapital of France? \t Paris \t\t',
        targets: 'echo|echo-1',
        samples: '1',
      });
      expect(res.status).toBe(303);
      expect(await itemsOf(idFrom(res))).toEqual([
        { prompt: 'What is 2+2?', expected: '4' },
        { prompt: 'Capital of Peru?', expected: ['Lima', 'Lima, Peru'] },
        { prompt: 'Name a colour.', expected: null },
        { prompt: 'Capital of France?', expected: 'Paris' },
      ]);
    });

    it('refuses a line with an expected answer and no prompt, or with three cells, naming the line and keeping what was typed', async () => {
      const before = await studyCount();
      const noPrompt = await postForm('/studies', { name: 'kept name', prompts: 'What is 2+2?\t4\n\tParis', targets: 'echo|echo-1' });
      expect(noPrompt.status).toBe(400);
      const page = await noPrompt.text();
      expect(page).toContain('prompts: line 2 has an expected answer but no prompt before its tab');
      expect(page).toContain('value="kept name"');
      // (multipart form data sends line breaks as CRLF)
      expect(textareaText(page, 'prompts')).toBe('What is 2+2?\t4\r\n\tParis');
      const three = await postForm('/studies', { prompts: 'a\tb\tc', targets: 'echo|echo-1' });
      expect(three.status).toBe(400);
      expect(await three.text()).toContain('prompts: line 1 has 3 tab-separated cells');
      expect(await studyCount()).toBe(before);
    });

    it('says next to the textarea how to give expected answers', async () => {
      const page = await (await t.get('/studies')).text();
      expect(page).toMatch(/Prompts, one per line — to score them, give each its expected answer after a tab: <code>prompt⇥expected<\/code>/);
    });

    it('refuses scorers that compare with expected answers when no pasted prompt has one', async () => {
      const before = await studyCount();
      const res = await postForm('/studies', { prompts: 'What is 2+2?', targets: 'echo|echo-1', scorers: '[{"name": "answer", "type": "normalized_exact"}]' });
      expect(res.status).toBe(400);
      expect(await res.text()).toContain('scorers.0: &quot;answer&quot; (normalized_exact) compares answers with expected answers, and no prompt has one');
      const regexOnly = await postForm('/studies', { prompts: 'What is 2+2?', targets: 'echo|echo-1', scorers: '[{"type": "regex", "pattern": "\\\\d"}]' });
      expect(regexOnly.status).toBe(303);
      expect(await studyCount()).toBe(before + 1);
    });
  });

  describe('the scorer builder', () => {
    /** Builder fields for each scorer type, and the JSON entry each must write. */
    const CASES: Array<{ fields: Record<string, string | string[]>; json: Record<string, unknown> }> = [
      { fields: { scorer_type: 'normalized_exact', scorer_name: 'answer' }, json: { name: 'answer', type: 'normalized_exact' } },
      {
        fields: { scorer_type: 'exact', scorer_name: 'letter', scorer_extract: 'choice_letter', scorer_extract_letters: 'ABCD' },
        json: { name: 'letter', type: 'exact', extract: { type: 'choice_letter', letters: 'ABCD' } },
      },
      {
        fields: { scorer_type: 'contains', scorer_normalize: ['case_fold', 'whitespace'] },
        json: { type: 'contains', normalize: { nfkc: false, case_fold: true, strip_punctuation: false, whitespace: true } },
      },
      {
        fields: { scorer_type: 'numeric', scorer_extract: 'regex', scorer_extract_pattern: 'total: (\\d+)', scorer_extract_group: '1', scorer_abs_tol: '0.5', scorer_rel_tol: '0.01' },
        json: { type: 'numeric', extract: { type: 'regex', pattern: 'total: (\\d+)', group: 1 }, abs_tol: 0.5, rel_tol: 0.01 },
      },
      { fields: { scorer_type: 'regex', scorer_pattern: '\\bParis\\b', scorer_flags: 'i' }, json: { type: 'regex', pattern: '\\bParis\\b', flags: 'i' } },
      { fields: { scorer_type: 'valid_json', scorer_strict: '1' }, json: { type: 'valid_json', strict: true } },
      {
        fields: { scorer_type: 'json_schema', scorer_schema: '{"type": "object", "required": ["answer"]}', scorer_draft: '7' },
        json: { type: 'json_schema', schema: { type: 'object', required: ['answer'] }, draft: '7' },
      },
      {
        fields: { scorer_type: 'semantic', scorer_embed_provider: 'openai', scorer_embed_model: 'text-embedding-3-small', scorer_threshold: '0.8' },
        json: { type: 'semantic', provider: 'openai', model: 'text-embedding-3-small', threshold: 0.8 },
      },
      {
        fields: {
          scorer_type: 'llm_judge',
          scorer_judge: 'openai|gpt-4o-mini',
          scorer_judge_params: '{"temperature": 0}',
          scorer_rubric: 'Expected {expected}. Answer: {answer}. Verdict?',
          scorer_verdict: 'label',
          scorer_labels: 'correct, incorrect',
          scorer_pass_labels: 'correct',
        },
        json: {
          type: 'llm_judge',
          target: { provider: 'openai', model: 'gpt-4o-mini', params: { temperature: 0 } },
          rubric: 'Expected {expected}. Answer: {answer}. Verdict?',
          verdict: { type: 'label', labels: ['correct', 'incorrect'], pass_labels: ['correct'] },
        },
      },
      {
        fields: { scorer_type: 'llm_judge', scorer_name: 'graded', scorer_judge: 'echo|echo-1', scorer_rubric: '{answer}', scorer_verdict: 'score', scorer_min: '1', scorer_max: '5', scorer_pass_threshold: '4' },
        json: { name: 'graded', type: 'llm_judge', target: { provider: 'echo', model: 'echo-1' }, rubric: '{answer}', verdict: { type: 'score', min: 1, max: 5, pass_threshold: 4 } },
      },
    ];

    it('offers every scorer type in its dropdown', async () => {
      const page = await (await t.get('/studies')).text();
      const types = [...page.matchAll(/<option value="([a-z_]+)"(?: selected="")?>\1 — /g)].map((m) => m[1]);
      expect(types.sort()).toEqual(['contains', 'exact', 'json_schema', 'llm_judge', 'normalized_exact', 'numeric', 'regex', 'semantic', 'valid_json']);
    });

    it('writes each type as the JSON entry the API takes, one added after another, and the API starts a study with the list', async () => {
      let text = '';
      for (const { fields, json } of CASES) {
        // Options of other types that were filled in and left behind are not read.
        const res = await postHtmx('/studies/scorers', { ...fields, scorer_pattern: fields.scorer_pattern ?? 'left over', scorers: text });
        expect(res.status, JSON.stringify(fields)).toBe(200);
        const fragment = await res.text();
        expect(fragment.startsWith('<div id="scorers-field"'), fragment.slice(0, 80)).toBe(true);
        text = textareaText(fragment, 'scorers');
        expect(JSON.parse(text).at(-1)).toEqual(json);
      }
      expect(text.split('\n')).toHaveLength(CASES.length + 2);
      const scorers = JSON.parse(text);
      const res = await t.post('/api/v1/studies', { items: [{ prompt: 'What is 2+2?', expected: '4' }], targets: [{ provider: 'echo' }], scorers });
      expect(res.status, await res.clone().text()).toBe(202);
    });

    it('refuses a bad scorer or a second one of the same name, naming the field and keeping the list as it was', async () => {
      const list = '[\n  {"name": "answer", "type": "normalized_exact"}\n]';
      const backreference = await postHtmx('/studies/scorers', { scorer_type: 'regex', scorer_pattern: '(a)\\1', scorers: list });
      expect(backreference.status).toBe(400);
      const fragment = await backreference.text();
      expect(fragment).toMatch(/scorers\.1\.pattern: .*backreference/i);
      expect(textareaText(fragment, 'scorers')).toBe(list);
      const twice = await postHtmx('/studies/scorers', { scorer_type: 'exact', scorer_name: 'answer', scorers: list });
      expect(twice.status).toBe(400);
      expect(await twice.text()).toContain('scorers.1.name: two scorers are called &quot;answer&quot;');
      const tolerance = await postHtmx('/studies/scorers', { scorer_type: 'numeric', scorer_rel_tol: 'lots', scorers: '' });
      expect(tolerance.status).toBe(400);
      expect(await tolerance.text()).toMatch(/scorers\.0\.rel_tol: /);
      const schema = await postHtmx('/studies/scorers', { scorer_type: 'json_schema', scorer_schema: '{not json', scorers: '' });
      expect(schema.status).toBe(400);
      expect(await schema.text()).toContain('scorer.schema: not valid JSON');
      const broken = await postHtmx('/studies/scorers', { scorer_type: 'exact', scorers: '{"type": "exact"}' });
      expect(broken.status).toBe(400);
      expect(await broken.text()).toContain('scorers: write a JSON list of scorers');
    });

    it('without htmx, answers the whole page with everything typed kept and the scorers field written', async () => {
      const res = await postForm('/studies/scorers', {
        name: 'built without script',
        prompts: 'What is 2+2?\t4',
        targets: 'echo|echo-1',
        sweep: 'temperature = 0, 1',
        scorer_type: 'regex',
        scorer_pattern: '\\d',
        scorers: '',
      });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('<h1>Studies</h1>');
      expect(page).toContain('value="built without script"');
      expect(textareaText(page, 'prompts')).toBe('What is 2+2?\t4');
      expect(textareaText(page, 'sweep')).toBe('temperature = 0, 1');
      expect(JSON.parse(textareaText(page, 'scorers'))).toEqual([{ type: 'regex', pattern: '\\d' }]);
      expect(page).toMatch(/<option value="regex" selected="">regex — /);
    });

    it('previews a scorer on a sample answer through the real scorer: pass or fail, and the value compared', async () => {
      const pass = await postHtmx('/studies/scorer-preview', {
        scorer_type: 'normalized_exact',
        scorer_extract: 'regex',
        scorer_extract_pattern: 'answer is (\\w+)',
        scorer_sample_answer: 'I think the answer is PARIS.',
        scorer_sample_expected: '["Lyon", "paris"]',
      });
      expect(pass.status).toBe(200);
      const passed = await pass.text();
      expect(passed.startsWith('<div id="scorer-preview"')).toBe(true);
      expect(passed).toContain('badge-success">pass');
      expect(passed).toContain('<code>paris</code>');
      expect(passed).toContain('matched: &quot;paris&quot;');

      const fail = await postHtmx('/studies/scorer-preview', { scorer_type: 'numeric', scorer_abs_tol: '0.5', scorer_sample_answer: 'About 3.7 km', scorer_sample_expected: '3' });
      const failed = await fail.text();
      expect(failed).toContain('badge-failed">fail');
      expect(failed).toContain('<code>3.7</code>');
      expect(failed).toMatch(/off by 0\.7/);

      const none = await (await postHtmx('/studies/scorer-preview', { scorer_type: 'exact', scorer_sample_answer: 'Paris' })).text();
      expect(none).toContain('no score');
      expect(none).toContain('no expected answer (a string, a number, or a list of them)');
    });

    it('checks a model scorer without calling a model, and says it is not previewed', async () => {
      const judge = await postHtmx('/studies/scorer-preview', {
        scorer_type: 'llm_judge',
        scorer_judge: 'openai|gpt-4o-mini',
        scorer_rubric: 'Answer: {answer}',
        scorer_verdict: 'label',
        scorer_labels: 'correct, incorrect',
        scorer_pass_labels: 'correct',
        scorer_sample_answer: 'Paris',
      });
      expect(judge.status).toBe(200);
      expect(await judge.text()).toContain('llm_judge scorers are not previewed: scoring an answer would call a model');
      const badJudge = await postHtmx('/studies/scorer-preview', { scorer_type: 'llm_judge', scorer_judge: 'openai|gpt-4o-mini', scorer_rubric: 'no placeholder', scorer_verdict: 'label' });
      expect(badJudge.status).toBe(400);
      expect(await badJudge.text()).toMatch(/scorer\.rubric: must contain the \{answer\} placeholder/);
      expect(fake.requestCount).toBe(0);
    });

    it('without htmx, shows the preview in the whole page', async () => {
      const res = await postForm('/studies/scorer-preview', { prompts: 'kept', scorer_type: 'contains', scorer_sample_answer: 'It is Lima.', scorer_sample_expected: 'Lima' });
      expect(res.status).toBe(200);
      const page = await res.text();
      expect(page).toContain('<h1>Studies</h1>');
      expect(page).toContain('badge-success">pass');
      expect(textareaText(page, 'prompts')).toBe('kept');
    });
  });

  it('refuses the scorers field by the API schema, naming the field, and starts the study the builder wrote for', async () => {
    const bad = await postForm('/studies', { prompts: 'What is 2+2?\t4', targets: 'echo|echo-1', scorers: '[{"type": "regex", "pattern": "(?=x)"}]' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toMatch(/scorers\.0\.pattern: /);
    const built = textareaText(await (await postHtmx('/studies/scorers', { scorer_type: 'normalized_exact', scorer_name: 'answer', scorers: '' })).text(), 'scorers');
    const res = await postForm('/studies', { prompts: 'What is 2+2?\t4', targets: 'echo|echo-1', samples: '2', scorers: built });
    expect(res.status).toBe(303);
    const id = idFrom(res);
    await waitFor(() => t.get(`/api/v1/studies/${id}`).then((r) => r.json()), (p) => p.status === 'completed');
    const scored = await t.post(`/api/v1/studies/${id}/score`, {});
    expect(scored.status).toBe(202);
    const report = await waitFor(
      () => t.get(`/api/v1/studies/${id}/report?scorer=answer`).then((r) => r.json()),
      (r) => r.targets?.[0]?.scored === 2,
    );
    // echo answers "echo: What is 2+2?", never "4": scored, and failing, not unscored.
    expect(report.targets[0]).toMatchObject({ scored: 2, passes: 0 });
  });
});
