// Every scorer over hand-built captured calls, through the real scoring run: what it stores per
// answer (pass, value, label, the answer as compared) and how the run counts what it could not score.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy } from '../../src/studies/repository';
import { insertCall } from '../../src/calls/repository';
import type { NamedScorer } from '../../src/schemas/study-requests';
import { startScoring } from '../../src/studies/scoring/service';
import { parseScorerConfig } from '../../src/studies/scorers/scorers';
import { createTestApp, type TestApp } from '../support/app';

/** item key, expected answer, and the one answer the model gave. */
const CALLS: Array<[string, unknown, string]> = [
  ['capital', ['Paris', 'Paree'], 'The answer is PARIS!'],
  ['letter', 'B', 'Let me think. The answer is (B).'],
  ['number', 42, 'About 41.5 apples.'],
  ['json', null, 'Sure: ```json\n{"city": "Lima", "population": 10}\n```'],
  ['broken', null, '{"city": "Lima",'],
  ['none', null, 'No expected answer here.'],
];

describe('each scorer on hand-built calls', () => {
  let t: TestApp;
  let batchId: number;
  beforeAll(async () => {
    t = await createTestApp();
    const db = t.deps.database.db;
    batchId = await createStudy(
      db,
      {
        name: 'hand-built',
        targets: [{ provider: 'echo', model: 'echo-1', params: {} }],
        samples: 1,
        concurrency: 1,
        options: {},
        items: CALLS.map(([key, expected]) => ({ key, prompt: `question ${key}`, ...(expected === null ? {} : { expected }) })),
      },
      { runId: 'test', runner: 'test', now: new Date().toISOString() },
    );
    const tasks = (await t.deps.database.client.execute({ sql: 'SELECT id FROM batch_tasks WHERE batch_id = ? ORDER BY ordinal', args: [batchId] })).rows;
    for (const [i, [, , text]] of CALLS.entries()) {
      await insertCall(db, {
        provider: 'echo', model: 'echo-1', modality: 'chat', status: 'success', requestJson: { messages: [] }, responseJson: { text }, errorJson: null,
        latencyMs: 1, tokensJson: null, requestHash: `h${i}`, metadataJson: {}, batchTaskId: Number(tasks[i]!.id),
      });
    }
    await t.deps.database.client.execute({ sql: "UPDATE batches SET status = 'completed' WHERE group_id = ?", args: [batchId] });
  });
  afterAll(() => t.close());

  /** Runs one scorer; answers its scores by item key as [pass, value, label, answer]. */
  const scoreWith = async (config: unknown) => {
    const scorer: NamedScorer = { name: 'under-test', config: parseScorerConfig(config) };
    const { progress, work } = await startScoring(t.deps.scoring, batchId, { scorers: [scorer], concurrency: 1 });
    await work;
    const rows = (await t.deps.database.client.execute({
      sql: 'SELECT i.item_key, s.pass, s.value, s.label, s.answer FROM scores s JOIN batch_items i ON i.id = s.item_id WHERE s.scorer = ? AND s.version = ? AND s.batch_id = ?',
      args: ['under-test', progress.scorers[0]!.version, batchId],
    })).rows;
    const byKey = Object.fromEntries(rows.map((r) => [r.item_key, [r.pass, r.value === null ? null : Number(r.value), r.label, r.answer]]));
    const run = (await (await t.get(`/api/v1/studies/${batchId}/scoring/${progress.id}`)).json()) as { status: string; done: number; unscored: number };
    return { byKey, run };
  };

  it('exact: the answer as given, or the extracted part', async () => {
    const plain = await scoreWith({ type: 'exact' });
    expect(plain.byKey.capital).toEqual([0, 0, 'The answer is PARIS!', 'The answer is PARIS!']);
    expect(plain.run).toMatchObject({ status: 'completed', done: 6, unscored: 3 });
    const letter = await scoreWith({ type: 'exact', extract: { type: 'choice_letter', letters: 'ABCD' } });
    expect(letter.byKey.letter).toEqual([1, 1, 'B', 'B']);
    expect(letter.byKey.capital).toEqual([0, 0, null, null]);
  });

  it('normalized_exact and contains: case, punctuation and spacing set aside', async () => {
    const normalized = await scoreWith({ type: 'normalized_exact', extract: { type: 'regex', pattern: 'answer is (\\w+)' } });
    expect(normalized.byKey.capital).toEqual([1, 1, 'paris', 'paris']);
    const contains = await scoreWith({ type: 'contains', normalize: { case_fold: true } });
    expect(contains.byKey.capital).toEqual([1, 1, 'paris', 'the answer is paris!']);
    expect(contains.byKey.letter).toEqual([1, 1, 'b', 'let me think. the answer is (b).']);
  });

  it('regex and numeric with a tolerance', async () => {
    const regex = await scoreWith({ type: 'regex', pattern: '\\bLima\\b' });
    expect(regex.byKey.json).toEqual([1, 1, 'Lima', expect.stringContaining('Lima')]);
    expect(regex.byKey.capital?.[0]).toBe(0);
    expect(regex.run.unscored).toBe(0);
    expect((await scoreWith({ type: 'numeric', extract: { type: 'first_number' } })).byKey.number).toEqual([0, 0, '41.5', '41.5']);
    // Without an extraction the numeric scorer still compares the number, and stores it as the answer.
    expect((await scoreWith({ type: 'numeric', abs_tol: 0.5 })).byKey.number).toEqual([1, 1, '41.5', '41.5']);
  });

  it('valid_json, json_schema and a JSON path extraction', async () => {
    const valid = await scoreWith({ type: 'valid_json' });
    // The answer as compared is the JSON found, canonical; none was found in the broken one.
    expect(valid.byKey.json).toEqual([1, 1, 'valid', '{"city":"Lima","population":10}']);
    expect(valid.byKey.broken).toEqual([0, 0, 'invalid', null]);
    const schema = { type: 'object', required: ['city', 'population'], properties: { population: { type: 'integer', minimum: 100 } } };
    expect((await scoreWith({ type: 'json_schema', schema })).byKey.json).toEqual([0, 0, 'invalid', expect.any(String)]);
    const city = await scoreWith({ type: 'regex', pattern: '^Lima$', extract: { type: 'json_path', path: '$.city' } });
    expect(city.byKey.json).toEqual([1, 1, 'Lima', 'Lima']);
  });

  it('semantic: cosine similarity to the expected answer through the embedding cache', async () => {
    // echo's vectors are deterministic per text: an identical text has similarity 1, another one less.
    const semantic = await scoreWith({ type: 'semantic', provider: 'echo', model: 'echo-embed', threshold: 0.999 });
    expect(semantic.byKey.capital?.[0]).toBe(0);
    expect(semantic.byKey.capital?.[1]).toBeLessThan(0.999);
    expect(semantic.byKey.none).toEqual([null, null, null, 'No expected answer here.']);
    const embedded = Number((await t.deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE modality = 'embedding'")).rows[0]!.n);
    await scoreWith({ type: 'semantic', provider: 'echo', model: 'echo-embed', threshold: 0.5 });
    expect(Number((await t.deps.database.client.execute("SELECT count(*) AS n FROM raw_calls WHERE modality = 'embedding'")).rows[0]!.n)).toBe(embedded);
  });

  it('llm_judge: the judge reads the rubric, and its verdict becomes the score', async () => {
    // echo answers "echo: <prompt>": the rendered rubric comes back, naming each item's expected answer ("(none)" without one).
    const judge = await scoreWith({
      type: 'llm_judge',
      target: { provider: 'echo' },
      rubric: 'Verdict: {expected}\n(the answer was: {answer})',
      verdict: { type: 'label', labels: ['Paris', 'B', 'none'], pass_labels: ['Paris'] },
    });
    expect(judge.byKey.capital?.slice(0, 3)).toEqual([1, 1, 'Paris']);
    expect(judge.byKey.letter?.slice(0, 3)).toEqual([0, 0, 'B']);
    expect(judge.byKey.none?.slice(0, 3)).toEqual([0, 0, 'none']);
  });

  it('keeps scores append-only: the database refuses to change or remove one', async () => {
    const client = t.deps.database.client;
    await expect(client.execute("UPDATE scores SET pass = 1 WHERE scorer = 'under-test'")).rejects.toThrow(/append-only/);
    await expect(client.execute('DELETE FROM scores')).rejects.toThrow(/append-only/);
  });
});
