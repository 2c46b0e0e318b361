// computeDrift through the real SQL: runs written as captured calls (through the capture trigger) and
// scored by the real scoring run. Format failures and errors counted apart from wrong answers, the
// served model read from the calls, targets that differ named, the cost bounded before any work, and
// the comparison kept until a run changes.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy } from '../../src/studies/repository';
import { startScoring } from '../../src/studies/scoring/service';
import { computeDrift, forgetDrift } from '../../src/studies/drift/service';
import { AppError } from '../../src/errors';
import { createTestApp, type TestApp } from '../support/app';

/** A sample's outcome: an answer text (with the model that served it), or a failed call. */
type Outcome = { text: string; served?: string } | { failed: true };

/** Extracts the word after "answer:"; a text without it has no answer to compare (a format failure). */
const SCORER = { type: 'exact', extract: { type: 'regex', pattern: 'answer: (\\w+)' } };

describe('computeDrift over stored runs', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());
  const db = () => t.deps.database.db;

  async function runOf(model: string, items: number, samples: number, outcome: (item: number, sample: number) => Outcome, scored = true) {
    const client = t.deps.database.client;
    const id = await createStudy(
      db(),
      {
        name: 'stored run',
        targets: [{ provider: 'echo', model, params: { temperature: 0 } }],
        samples,
        concurrency: 1,
        options: {},
        items: Array.from({ length: items }, (_, i) => ({ key: `item-${i}`, prompt: `question ${i}`, expected: 'yes' })),
      },
      { runId: 'test', runner: 'test', now: new Date().toISOString() },
    );
    await client.execute({ sql: "UPDATE batches SET status = 'completed' WHERE group_id = ?", args: [id] });
    const tasks = (await client.execute({
      sql: 'SELECT t.id, i.position, t.sample_index FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ? ORDER BY t.ordinal',
      args: [id],
    })).rows;
    const rows = tasks.map((task) => ({ id: Number(task.id), ...outcome(Number(task.position), Number(task.sample_index)) }));
    await client.execute({
      sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, request_hash, metadata_json, batch_task_id, served_model)
            SELECT 'echo', ?, 'chat', CASE WHEN o.value ->> '$.failed' THEN 'failed' ELSE 'success' END, '{"messages":[]}',
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE json_object('text', o.value ->> '$.text') END,
                   CASE WHEN o.value ->> '$.failed' THEN '{"class":"ServerError","status":500}' END,
                   'h' || (o.value ->> '$.id'), '{}', o.value ->> '$.id', o.value ->> '$.served'
              FROM json_each(?) o`,
      args: [model, JSON.stringify(rows)],
    });
    if (!scored) return id;
    const { work } = await startScoring(t.deps.scoring, id, { scorers: [{ name: 'answer', config: SCORER as never }], concurrency: 1 });
    await work;
    return id;
  }

  it('counts format failures and errors apart from wrong answers, and reads the served model of each run', async () => {
    // Item 0: 6 right answers before; after, 2 right, 2 with no answer to extract, 2 failed calls.
    const baseline = await runOf('m', 2, 6, () => ({ text: 'answer: yes', served: 'm-v1' }));
    const current = await runOf('m', 2, 6, (item, sample) =>
      item === 1 ? { text: 'answer: yes', served: 'm-v2' } : sample < 2 ? { text: 'answer: yes', served: 'm-v2' } : sample < 4 ? { text: 'I would rather not say', served: 'm-v2' } : { failed: true },
    );
    const report = await computeDrift(db(), current, baseline, { limit: 10 });
    const [moved, same] = report.items.rows;
    expect(moved).toMatchObject({ key: 'item-0', target_index: 0, drifted: false });
    expect(moved!.current).toEqual({ n: 6, answers: [{ answer: 'yes', count: 2 }], other: 0, format_failures: 2, errors: 2, accuracy: 0.5 });
    expect(moved!.baseline).toEqual({ n: 6, answers: [{ answer: 'yes', count: 6 }], other: 0, format_failures: 0, errors: 0, accuracy: 1 });
    // Three categories (yes 6|2, format failure 0|2, error 0|2): the Freeman–Halton exact test. Of the
    // tables with these margins (weights C(8,a)·C(2,b)·C(2,c) over C(12,6) = 924), only (6,0,0) and
    // (2,2,2) are as unlikely as the observed one (28 each): p = 56/924.
    expect(moved!.method).toBe('freeman-halton-exact');
    expect(moved!.p_value).toBeCloseTo(56 / 924, 12);
    expect(moved!.tvd).toBeCloseTo(4 / 6, 12);
    expect(same).toMatchObject({ key: 'item-1', p_value: 1, tvd: 0 });
    const [target] = report.targets;
    expect(target!.served.baseline.models).toEqual(['m-v1']);
    expect(target!.served.current).toEqual({ served: [{ served_model: 'm-v2', system_fingerprint: null, calls: 10 }], models: ['m-v2'], fingerprints: [] });
    expect(target).toMatchObject({ served_model_changed: true, served_changes: ['model'], same_target: true });
    // Item 0's accuracy over its scored samples (2 of 4), item 1 unchanged: −0.25 on average.
    expect(target!.accuracy_difference.difference).toBeCloseTo(-0.25, 12);
  });

  it('compares the raw answers of runs without scores, with no accuracy to pair', async () => {
    const long = (word: string) => `${'Let me think about this carefully. '.repeat(10)}${word}`;
    const baseline = await runOf('m', 2, 6, () => ({ text: long('Paris') }), false);
    const current = await runOf('m', 2, 6, (item) => ({ text: long(item === 0 ? 'Lyon' : 'Paris') }), false);
    const report = await computeDrift(db(), current, baseline);
    expect(report.scorer).toBeNull();
    expect(report.items.rows.map((row) => [row.key, row.drifted])).toEqual([['item-0', true], ['item-1', false]]);
    // Long answers differing only at the end are told apart, and shown cut.
    expect(report.items.rows[0]!.current.answers).toEqual([{ answer: `${long('Lyon').slice(0, 200)}…`, count: 6 }]);
    expect(report.targets[0]!.accuracy_difference).toMatchObject({ items: 0, difference: null });
  });

  it('names a target that differs between the runs', async () => {
    const baseline = await runOf('m', 1, 2, () => ({ text: 'answer: yes' }));
    const current = await runOf('other-model', 1, 2, () => ({ text: 'answer: yes' }));
    const report = await computeDrift(db(), current, baseline);
    expect(report.targets[0]!.same_target).toBe(false);
    expect(report.warnings).toEqual([expect.stringMatching(/^target 0 differs between the runs \(echo\/m .* then echo\/other-model/)]);
    expect(report.targets[0]!.served_model_changed).toBe(false);
  });

  it('refuses runs over the bounds before reading their answers, naming the bound', async () => {
    const baseline = await runOf('m', 3, 2, () => ({ text: 'answer: yes' }));
    const current = await runOf('m', 3, 2, () => ({ text: 'answer: no' }));
    const refusal = async (bounds: { tasks: number; cells: number }) => {
      const error = await computeDrift(db(), current, baseline, {}, bounds).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AppError);
      return error as AppError;
    };
    const tasks = await refusal({ tasks: 5, cells: 100 });
    expect(tasks).toMatchObject({ status: 400, code: 'limit_exceeded' });
    expect(tasks.message).toMatch(/^id: study \d+ has 6 tasks; drift compares runs of at most 5$/);
    const cells = await refusal({ tasks: 100, cells: 2 });
    expect(cells.message).toBe('id: 3 shared items × 1 targets is 3 cells; drift tests at most 2 per request');
    expect((await computeDrift(db(), current, baseline, {}, { tasks: 6, cells: 3 })).cells_drifted).toBe(0);
  });

  it('keeps the comparison until a run changes', async () => {
    const baseline = await runOf('m', 2, 2, () => ({ text: 'answer: yes' }));
    const current = await runOf('m', 2, 2, () => ({ text: 'answer: yes' }));
    const first = await computeDrift(db(), current, baseline);
    const again = await computeDrift(db(), current, baseline, { offset: 1, limit: 1 });
    expect(again.targets).toBe(first.targets);
    expect(again.items.rows.map((row) => row.key)).toEqual(['item-1']);
    await t.deps.database.client.execute({ sql: "UPDATE batches SET status = 'running' WHERE group_id = ?", args: [current] });
    const running = await computeDrift(db(), current, baseline);
    expect(running.targets).not.toBe(first.targets);
    expect(running.warnings).toEqual([`study ${current} is still running: its answers so far are compared`]);
  });
  it('computes one comparison asked for several times at once, and shares it', async () => {
    const baseline = await runOf('m', 2, 2, () => ({ text: 'answer: yes' }));
    const current = await runOf('m', 2, 2, () => ({ text: 'answer: no' }));
    forgetDrift(db());
    const reports = await Promise.all(Array.from({ length: 4 }, () => computeDrift(db(), current, baseline)));
    for (const report of reports) expect(report.targets).toBe(reports[0]!.targets);
  });
});
