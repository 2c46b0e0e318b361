// The hostile pass's inputs through the HTTP API: catastrophic patterns are scored with their real
// outcome, patterns the linear-time engine cannot run and schemas that expand too far are a 400 naming
// the field (nothing stored), and echo's structured answers stay within their budget or are a 400 in
// OpenAI's error shape.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../support/app';
import { startFakeOpenAI, type FakeOpenAI } from '../support/fake-openai';
import { waitFor } from '../support/wait';

const SHORT = `${'a'.repeat(27)}!`;
const LONG = `${'a'.repeat(9_990)}!`;

/** $defs that each allOf ten $refs to the next, 7 levels: 1.7 KB expanding to ten million checks. */
function refFanOut() {
  const $defs: Record<string, unknown> = { d7: { type: 'string' } };
  for (let i = 0; i < 7; i++) $defs[`d${i}`] = { allOf: Array.from({ length: 10 }, () => ({ $ref: `#/$defs/d${i + 1}` })) };
  return { $ref: '#/$defs/d0', $defs };
}

describe('caller patterns and schemas through the API', () => {
  let fake: FakeOpenAI;
  let t: TestApp;
  let studyId: number;
  const count = async (table: string) => Number((await t.deps.database.client.execute(`SELECT count(*) AS n FROM ${table}`)).rows[0]!.n);

  beforeAll(async () => {
    fake = await startFakeOpenAI();
    t = await createTestApp({ OPENAI_API_KEY: 'sk-patterns-test', OPENAI_BASE_URL: fake.url, RETRY_MAX_ATTEMPTS: '1' });
    const replies: Record<string, string> = { short: SHORT, long: LONG, 'short json': JSON.stringify(SHORT), 'long json': JSON.stringify(LONG) };
    fake.setReplyPolicy(({ body }) => replies[(body as { messages: Array<{ content: string }> }).messages.at(-1)!.content]);
    const res = await t.post('/api/v1/studies', {
      name: 'hostile answers',
      items: Object.keys(replies).map((prompt) => ({ id: prompt, prompt, expected: 'x' })),
      targets: [{ provider: 'openai', model: 'gpt-test' }],
      samples: 1,
    });
    expect(res.status).toBe(202);
    studyId = (await res.json()).id;
    await waitFor(async () => (await t.get(`/api/v1/studies/${studyId}`)).json(), (p) => p.status !== 'running');
  });
  afterAll(async () => {
    t.close();
    await fake.close();
  });

  it('scores the catastrophic patterns as regex scorers, extractions and JSON Schema patterns, each with its outcome', async () => {
    const res = await t.post(`/api/v1/studies/${studyId}/score`, {
      scorers: [
        { name: 'star', type: 'regex', pattern: '(a|a)*$' },
        { name: 'plus', type: 'regex', pattern: '(a|aa)+$' },
        { name: 'counted', type: 'exact', extract: { type: 'regex', pattern: '(a+){5}$' } },
        { name: 'dotstar', type: 'json_schema', schema: { type: 'string', pattern: '(.*a){20}$' } },
      ],
    });
    expect(res.status).toBe(202);
    await t.deps.scoring.idle();
    const scored = await t.deps.database.client.execute({
      sql: "SELECT s.scorer, i.item_key, s.pass, s.label, s.detail_json FROM scores s JOIN batch_items i ON i.id = s.item_id WHERE s.batch_id = ? ORDER BY s.scorer, i.position",
      args: [studyId],
    });
    const outcome = (scorer: string, item: string) => {
      const row = scored.rows.find((r) => r.scorer === scorer && r.item_key === item)!;
      return { pass: row.pass, label: row.label, detail: JSON.parse(String(row.detail_json)) };
    };
    // The leftmost match of (a|a)*$ is the empty string after "!", as JavaScript finds it.
    expect(outcome('star', 'short')).toMatchObject({ pass: 1, label: '' });
    expect(outcome('star', 'long')).toMatchObject({ pass: 1, label: '' });
    expect(outcome('plus', 'short')).toMatchObject({ pass: 0, label: null });
    expect(outcome('plus', 'long')).toMatchObject({ pass: 0, label: null });
    expect(outcome('counted', 'long')).toMatchObject({ pass: 0, detail: { extracted: null } });
    expect(outcome('dotstar', 'short json')).toMatchObject({ pass: 0, label: 'invalid' });
    // 103 instructions × 10,000 characters is more than one answer's validation may cost: unscorable, said why.
    expect(outcome('dotstar', 'long json')).toMatchObject({ pass: null, detail: { error: expect.stringMatching(/^the answer could not be checked: validating it takes more than the 10,000 steps/) } });
  });

  it('refuses patterns the linear-time engine cannot run and schemas that expand too far, naming the field, storing nothing', async () => {
    const studies = await count('batches');
    const runs = await count('scoring_runs');
    const refused = async (path: string, body: Record<string, unknown>, message: RegExp) => {
      const res = await t.post(path, body);
      expect(res.status, JSON.stringify(body).slice(0, 200)).toBe(400);
      const { error } = await res.json();
      expect(error.message).toMatch(message);
    };
    const study = (scorers: unknown[]) => ({ name: 'refused', items: [{ prompt: 'p' }], targets: [{ provider: 'echo' }], scorers });
    await refused('/api/v1/studies', study([{ type: 'regex', pattern: 'answer: (?=\\d)' }]), /^scorers\.0\.pattern: lookahead .* not supported by the linear-time regex engine/);
    await refused('/api/v1/studies', study([{ type: 'exact', extract: { type: 'regex', pattern: '(\\w)\\1' } }]), /^scorers\.0\.extract\.pattern: backreferences/);
    await refused('/api/v1/studies', study([{ type: 'exact' }, { type: 'json_schema', schema: { properties: { a: { pattern: '(?<!x)y' } } } }]), /^scorers\.1\.schema: pattern "\(\?<!x\)y" \(at #\/properties\/a\/pattern\): lookbehind/);
    await refused('/api/v1/studies', study([{ type: 'json_schema', schema: refFanOut() }]), /^scorers\.0\.schema: expands to more than 10,000 subschema checks/);
    await refused(`/api/v1/studies/${studyId}/score`, { scorers: [{ type: 'json_schema', schema: refFanOut() }] }, /^scorers\.0\.schema: expands to more than/);
    await refused(`/api/v1/studies/${studyId}/score`, { scorers: [{ type: 'regex', pattern: '(?<=a)b' }] }, /^scorers\.0\.pattern: lookbehind/);
    expect(await count('batches')).toBe(studies);
    expect(await count('scoring_runs')).toBe(runs);
  });

  describe("echo's structured answers through /v1/chat/completions", () => {
    const ask = (params: Record<string, unknown>) => t.post('/v1/chat/completions', { model: 'echo/echo-1', messages: [{ role: 'user', content: 'go' }], ...params });
    const jsonSchema = (schema: unknown) => ({ response_format: { type: 'json_schema', json_schema: { name: 'x', schema } } });

    it('answers a pattern that would backtrack forever, testing candidates on the linear-time engine', async () => {
      const res = await ask(jsonSchema({ type: 'string', minLength: 60, pattern: '(x|x)*y' }));
      expect(res.status).toBe(200);
      const answer = JSON.parse((await res.json()).choices[0].message.content);
      expect(answer).toHaveLength(60);
    });

    it('generates minProperties 20000 in linear time, within budget', async () => {
      const res = await ask(jsonSchema({ type: 'object', minProperties: 20_000 }));
      expect(res.status).toBe(200);
      expect(Object.keys(JSON.parse((await res.json()).choices[0].message.content))).toHaveLength(20_000);
    });

    it('refuses what asks for more than its budget, or what the engine cannot run, as OpenAI would: a 400 naming the field', async () => {
      const refusal = async (params: Record<string, unknown>, message: RegExp) => {
        const res = await ask(params);
        expect(res.status).toBe(400);
        const body = await res.json();
        expect(body).toEqual({ error: { message: expect.stringMatching(message), type: 'invalid_request_error', param: null, code: 'invalid_value' } });
      };
      await refusal(jsonSchema({ type: 'array', minItems: 1_600_000 }), /^response_format\.json_schema\.schema: minItems 1600000 \(at #\) needs more than the 25,000 values echo generates for one answer/);
      await refusal(jsonSchema({ type: 'object', properties: { s: { type: 'string', minLength: 5_000_000 } }, required: ['s'] }), /^response_format\.json_schema\.schema: minLength 5000000 \(at #\/s\) makes the answer larger than the 1,000,000 bytes/);
      await refusal(jsonSchema({ type: 'string', pattern: '^(?!draft)' }), /^response_format\.json_schema\.schema: pattern "\^\(\?!draft\)" \(at #\/pattern\): lookahead/);
      const tool = { type: 'function', function: { name: 'plan', parameters: refFanOut() } };
      await refusal({ tools: [tool], tool_choice: 'required' }, /^tools\.plan\.parameters: expands to more than 10,000 subschema checks/);
      // n choices share one budget: 128 × 1,000 values is more than one answer may make.
      await refusal({ n: 128, ...jsonSchema({ type: 'array', minItems: 1_000, items: { type: 'integer' } }) }, /needs more than the 25,000 values/);
    });
  });
});
