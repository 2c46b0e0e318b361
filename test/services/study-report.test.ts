// The report's numbers through the real SQL aggregation, against published worked examples: studies
// are written as captured calls (through the capture trigger) and scored by the real scoring run, and
// each figure is checked against the example its formula is pinned to in src/studies/statistics/.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createStudy } from '../../src/studies/repository';
import { startScoring } from '../../src/studies/scoring/service';
import { labelCall } from '../../src/studies/scoring/human-labels';
import { studyReport, type ReportQuery } from '../../src/studies/report/report-items';
import { benjaminiHochbergAdjust, holmAdjust } from '../../src/studies/statistics';
import { AppError } from '../../src/errors';
import { createTestApp, type TestApp } from '../support/app';

/** What one task gets: an answer (with its latency, tokens, cost), a failure, or nothing (pending). */
type Outcome = { text?: string; failed?: boolean; latencyMs?: number; tokens?: number; cost?: number } | undefined;

interface StudyShape {
  items: number;
  targets: number;
  samples?: number;
  fields?: (item: number) => Record<string, string | number>;
  options?: Record<string, unknown>;
  scorer?: Record<string, unknown>;
}

describe('study report from SQL', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await createTestApp();
  });
  afterAll(() => t.close());

  /**
   * A stopped study whose tasks get the given outcomes, captured in one statement through the capture
   * trigger, then scored (default: exact against "yes").
   */
  async function studyOf(shape: StudyShape, outcome: (item: number, target: number, sample: number) => Outcome) {
    const db = t.deps.database.db;
    const client = t.deps.database.client;
    const batchId = await createStudy(
      db,
      {
        name: 'worked example',
        targets: Array.from({ length: shape.targets }, (_, i) => ({ provider: 'echo', model: `model-${i}`, params: {} })),
        samples: shape.samples ?? 1,
        concurrency: 1,
        options: shape.options ?? {},
        items: Array.from({ length: shape.items }, (_, i) => ({
          key: `item-${i}`,
          prompt: `question ${i}`,
          expected: 'yes',
          fields: shape.fields ? shape.fields(i) : { half: i < shape.items / 2 ? 'first' : 'second' },
        })),
      },
      { runId: 'test', runner: 'test', now: new Date().toISOString() },
    );
    await client.execute({ sql: "UPDATE batches SET status = 'completed' WHERE group_id = ?", args: [batchId] });
    const tasks = (await client.execute({
      sql: 'SELECT t.id, i.position, t.target_index, t.sample_index FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ? ORDER BY t.ordinal',
      args: [batchId],
    })).rows;
    const rows = tasks.flatMap((task) => {
      const o = outcome(Number(task.position), Number(task.target_index), Number(task.sample_index));
      return o ? [{ id: Number(task.id), failed: o.failed ? 1 : 0, text: o.text ?? '', latency: o.latencyMs ?? 100, tokens: o.tokens ?? 10, cost: o.cost ?? null }] : [];
    });
    await client.execute({
      sql: `INSERT INTO raw_calls (provider, model, modality, status, request_json, response_json, error_json, latency_ms, tokens_json,
                                   prompt_tokens, completion_tokens, total_tokens, cost_usd, request_hash, metadata_json, created_at, batch_task_id)
            SELECT 'echo', 'worked', 'chat', CASE WHEN o.value ->> '$.failed' THEN 'failed' ELSE 'success' END, '{"messages":[]}',
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE json_object('text', o.value ->> '$.text') END,
                   CASE WHEN o.value ->> '$.failed' THEN '{"class":"ServerError","status":500}' END,
                   o.value ->> '$.latency',
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE json_object('prompt', o.value ->> '$.tokens', 'completion', o.value ->> '$.tokens') END,
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE o.value ->> '$.tokens' END,
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE o.value ->> '$.tokens' END,
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE 2 * (o.value ->> '$.tokens') END,
                   CASE WHEN o.value ->> '$.failed' THEN NULL ELSE o.value ->> '$.cost' END,
                   'h' || (o.value ->> '$.id'), '{}', strftime('%Y-%m-%dT%H:%M:%fZ', 'now'), o.value ->> '$.id'
              FROM json_each(?) o`,
      args: [JSON.stringify(rows)],
    });
    const { work } = await startScoring(t.deps.scoring, batchId, { scorers: [{ name: 'exact', config: (shape.scorer ?? { type: 'exact' }) as never }], concurrency: 1 });
    await work;
    return batchId;
  }
  const report = (batchId: number, query: Partial<ReportQuery> = {}) => studyReport(t.deps.database.db, batchId, { offset: 0, limit: 1000, ...query });
  /** Outcome of a sample that passes or fails the exact scorer against "yes". */
  const answer = (pass: boolean): Outcome => ({ text: pass ? 'yes' : 'no' });

  // 263 items, targets A and B, one sample each: both right on 80 items, only A on 1, only B on 7, neither on 175.
  // A: 81/263 — Newcombe (1998), Statistics in Medicine 17:857–872, Table I, method 3: 0.2553–0.3662.
  // Discordant 1 and 7 — Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 1: exact p = 0.070.
  it('matches Newcombe (1998) and Fagerland et al. (2013): Wilson over samples and over votes, McNemar on the votes', async () => {
    const correct = (item: number, target: number) => (target === 0 ? item < 81 : item < 80 || (item >= 81 && item < 88));
    const batchId = await studyOf({ items: 263, targets: 2 }, (item, target) => answer(correct(item, target)));
    const { body } = await report(batchId);
    const [a, b] = body.targets;
    expect(a).toMatchObject({ scored: 263, passes: 81, majority: { items: 263, credit: 81, tied_items: 0, method: 'wilson-items' } });
    expect(a!.accuracy_samples_wilson).toMatchObject({ method: 'wilson-samples', samples: 263 });
    expect(a!.accuracy_samples_wilson.low).toBeCloseTo(0.2553, 4);
    expect(a!.accuracy_samples_wilson.high).toBeCloseTo(0.3662, 4);
    // One vote per item: the majority-vote interval is Wilson over the 263 items.
    expect(a!.majority.low).toBeCloseTo(0.2553, 4);
    expect(a!.majority.high).toBeCloseTo(0.3662, 4);
    // One sample per item: the clustered interval is the t interval of 263 independent 0/1 items.
    expect(a!.accuracy).toMatchObject({ method: 'clustered-t', items: 263, clusters: 263, samples: 263, passed: 81, cluster_by: null });
    expect(a!.accuracy.design_effect).toBeCloseTo(263 / 262, 10);
    expect(b).toMatchObject({ scored: 263, passes: 87 });
    expect(body.pairs[0]).toMatchObject({
      a: 0,
      b: 1,
      items: 263,
      majority_vote_mcnemar: { items: 263, tied_items: 0, both_correct: 80, only_a: 1, only_b: 7, neither: 175, p_value: 0.0703125 },
      disagreeing_count: 8,
    });
    expect(body.pairs[0]!.accuracy_difference.difference).toBeCloseTo(-6 / 263, 12);
    expect(body.items.total).toBe(263);
    expect(body.slices[0]).toMatchObject({ field: 'half', values: [{ value: 'first', items: 132 }, { value: 'second', items: 131 }] });
  });

  // 12 items × 4 samples, passes 4, 4, 3, 0, 2, 4, 1, 4, 3, 2, 4, 0 (src/studies/statistics/accuracy.test.ts): with
  // equal samples the item-clustered (CR1) interval is R's t.test of the per-item accuracies — scipy 1.17
  // ttest_1samp: mean 0.645833, se 0.112892, 95% CI [0.397359, 0.894307].
  it('gives the item-clustered interval of t.test over per-item accuracies, with the design effect', async () => {
    const passes = [4, 4, 3, 0, 2, 4, 1, 4, 3, 2, 4, 0];
    const batchId = await studyOf({ items: 12, targets: 1, samples: 4 }, (item, _, sample) => answer(sample < passes[item]!));
    const [target] = (await report(batchId)).body.targets;
    expect(target!.accuracy).toMatchObject({ method: 'clustered-t', correction: 'CR1', items: 12, clusters: 12, samples: 48, passed: 31 });
    expect(target!.accuracy.estimate).toBeCloseTo(0.645833, 6);
    expect(target!.accuracy.se).toBeCloseTo(0.112892, 6);
    expect(target!.accuracy.low).toBeCloseTo(0.397359, 6);
    expect(target!.accuracy.high).toBeCloseTo(0.894307, 6);
    expect(target!.accuracy.design_effect).toBeCloseTo(2.6744868035190614, 10);
    // The sample-level Wilson interval, beside it, is narrower: it takes the 48 samples as independent.
    expect(target!.accuracy_samples_wilson.high! - target!.accuracy_samples_wilson.low!).toBeLessThan(target!.accuracy.high! - target!.accuracy.low!);
  });

  // Student (1908), R's sleep data — differences 1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4 — as per-item accuracy
  // differences ÷ 10 over 100 samples: mean 0.158, t = 4.0621 (df 9), p = 0.002833, 95% CI [0.07001, 0.24599].
  it('compares two targets with the paired t over items: the sleep data', async () => {
    const sleep = [12, 24, 13, 13, 0, 10, 18, 8, 46, 14];
    const base = (item: number) => 30 + ((item * 7) % 20);
    const batchId = await studyOf({ items: 10, targets: 2, samples: 100 }, (item, target, sample) => answer(sample < base(item) + (target === 0 ? sleep[item]! : 0)));
    const { body } = await report(batchId);
    const { accuracy_difference: d } = body.pairs[0]!;
    expect(d).toMatchObject({ items: 10, df: 9, method: 'paired-t' });
    expect(d.difference).toBeCloseTo(0.158, 12);
    expect(d.t).toBeCloseTo(4.0621, 4);
    expect(d.p_value).toBeCloseTo(0.002833, 6);
    expect(d.low).toBeCloseTo(0.07001, 5);
    expect(d.high).toBeCloseTo(0.24599, 5);
    // One pair: Holm leaves its p-value as it is. Power: MDE = 2.8016·s_d/√10; items for 5 points = ⌈(2.8016·s_d/0.05)²⌉.
    expect(d.p_adjusted).toBe(d.p_value);
    expect(d.mde).toBeCloseTo((2.80158 * d.sd!) / Math.sqrt(10), 4);
    expect(d.items_needed).toBe(Math.ceil(((2.801585218 * d.sd!) / 0.05) ** 2));
    expect((await report(batchId, { effect: 0.1 })).body.pairs[0]!.accuracy_difference.items_needed).toBe(Math.ceil(((2.801585218 * d.sd!) / 0.1) ** 2));
    expect(body.comparisons).toMatchObject({ adjust: 'holm', family_size: 1, primary: null, effect: 0.05, alpha: 0.05, power: 0.8 });
  });

  // 13 items of unequal samples in 11 sources (src/studies/statistics/accuracy.test.ts, hand-checked in python3):
  // p = 36/62, clustered by source CR1 = 0.08549702765834619 with the t(10) interval [0.390146, 0.771144];
  // clustered by item CR1 = 0.09325439554060355.
  it('clusters by the study\'s cluster_by, and by item or another field when the query says so', async () => {
    const tallies: Array<[number, number, string]> = [
      [3, 4, 'a'], [1, 4, 'a'], [5, 6, 'b'], [0, 2, 'b'], [2, 2, 'c'], [7, 10, 'd'], [1, 3, 'e'],
      [4, 5, 'f'], [2, 8, 'g'], [6, 6, 'h'], [0, 4, 'i'], [3, 3, 'j'], [2, 5, 'k'],
    ];
    // Samples beyond an item's count fail, so each item has exactly its number of scored samples.
    const batchId = await studyOf(
      { items: 13, targets: 1, samples: 10, fields: (i) => ({ source: tallies[i]![2], parity: i % 2 }), options: { cluster_by: 'source' } },
      (item, _, sample) => (sample >= tallies[item]![1] ? { failed: true } : answer(sample < tallies[item]![0])),
    );
    const { body } = await report(batchId);
    expect(body.cluster_by).toBe('source');
    expect(body.targets[0]!.accuracy).toMatchObject({ method: 'clustered-t', items: 13, clusters: 11, samples: 62, passed: 36, cluster_by: 'source' });
    expect(body.targets[0]!.accuracy.se).toBeCloseTo(0.08549702765834619, 12);
    expect(body.targets[0]!.accuracy.low).toBeCloseTo(0.390146, 6);
    expect(body.targets[0]!.accuracy.high).toBeCloseTo(0.771144, 6);
    const byItem = (await report(batchId, { cluster_by: '' })).body;
    expect(byItem.cluster_by).toBeNull();
    expect(byItem.targets[0]!.accuracy).toMatchObject({ clusters: 13, cluster_by: null });
    expect(byItem.targets[0]!.accuracy.se).toBeCloseTo(0.09325439554060355, 12);
    expect((await report(batchId, { cluster_by: 'parity' })).body.targets[0]!.accuracy).toMatchObject({ clusters: 2, method: 'wilson-clusters' });
    const refused = await report(batchId, { cluster_by: 'passage' }).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(AppError);
    expect(refused).toMatchObject({ status: 400, message: 'cluster_by: no item of this study has the field "passage"' });
  });

  // The common textbook table (shared/reference/statistics.md): 50 calls, both pass 20, first only 5, second only 10,
  // both fail 15: p_o 0.70, p_e 0.50, κ 0.40.
  it("gives Cohen's κ of human labels against the scorer, and between two reviewers, on the textbook table", async () => {
    // 50 items, one sample: the scorer passes items 0–29 (30 passes).
    const batchId = await studyOf({ items: 50, targets: 1 }, (item) => answer(item < 30));
    const db = t.deps.database.db;
    const calls = (await t.deps.database.client.execute({
      sql: 'SELECT t.last_call_id AS call_id, i.position FROM batch_tasks t JOIN batch_items i ON i.id = t.item_id WHERE t.batch_id = ? ORDER BY i.position',
      args: [batchId],
    })).rows.map((r) => Number(r.call_id));
    // Reviewer A against the scorer: pass on items 0–19 and 30–34 (20 both pass, 5 A only), fail on 20–29 (10 scorer only)
    // and 35–49 (15 both fail). Reviewer B labels as the scorer did, before A: A's label is each call's latest.
    const aPasses = (item: number) => item < 20 || (item >= 30 && item < 35);
    for (const [item, callId] of calls.entries()) await labelCall(db, callId, { pass: item < 30 }, 'session:b');
    for (const [item, callId] of calls.entries()) await labelCall(db, callId, { pass: aPasses(item) }, 'session:a');
    const { body } = await report(batchId);
    for (const agreement of [body.targets[0]!.human, body.agreement.human_vs_scorer]) {
      expect(agreement).toMatchObject({ labelled: 50, compared: 50, agree: 35, agreement: 0.7, kappa: { n: 50 } });
      expect(agreement.kappa.p_o).toBeCloseTo(0.7, 12);
      expect(agreement.kappa.p_e).toBeCloseTo(0.5, 12);
      expect(agreement.kappa.kappa).toBeCloseTo(0.4, 12);
    }
    expect(body.agreement.reviewers).toHaveLength(1);
    expect(body.agreement.reviewers[0]).toMatchObject({ first: 'session:a', second: 'session:b', n: 50, agree: 35 });
    expect(body.agreement.reviewers[0]!.kappa).toBeCloseTo(0.4, 12);
  });

  // Chen et al. (2021) worked in shared/reference/statistics.md: n = 10, c = 3 → pass@5 = 0.916667, pass^2 = 0.066667.
  // Cost per correct (src/studies/statistics/cost.test.ts): Σcost 2.04 over 25 passes, t(11) interval [0.033740, 0.129460].
  it('gives pass@k / pass^k per k and the cost per correct answer over items', async () => {
    const repeats = await studyOf({ items: 4, targets: 1, samples: 10 }, (_, __, sample) => answer(sample < 3));
    const [target] = (await report(repeats)).body.targets;
    expect(target!.repeats.map((p) => p.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(target!.repeats[4]).toMatchObject({ k: 5, items: 4 });
    expect(target!.repeats[4]!.pass_at_k).toBeCloseTo(0.916667, 6);
    expect(target!.repeats[1]!.pass_hat_k).toBeCloseTo(0.066667, 6);
    expect(target!.cost_per_correct).toBeNull();

    const spend = [[0.12, 3], [0.1, 1], [0.31, 4], [0.05, 0], [0.2, 2], [0.15, 3], [0.4, 1], [0.08, 2], [0.11, 4], [0.25, 0], [0.09, 3], [0.18, 2]];
    const costs = await studyOf({ items: 12, targets: 1, samples: 4 }, (item, _, sample) => ({ ...answer(sample < spend[item]![1]!), cost: spend[item]![0]! / 4 }));
    const cost = (await report(costs)).body.targets[0]!.cost_per_correct!;
    expect(cost).toMatchObject({ items: 12, clusters: 12, correct: 25, method: 'delta-clustered-t' });
    expect(cost.total_cost).toBeCloseTo(2.04, 10);
    expect(cost.estimate).toBeCloseTo(2.04 / 25, 10);
    expect(cost.low).toBeCloseTo(0.03373974690757916, 8);
    expect(cost.high).toBeCloseTo(0.12946025309242087, 8);
  });

  // Six targets: 15 pairs, adjusted together as R's p.adjust would (Holm by default, BH when asked); a primary
  // contrast leaves the family and keeps its raw p-value.
  it('adjusts every pair of targets for multiplicity, Holm or Benjamini–Hochberg, the primary contrast apart', async () => {
    // Target t passes sample s of item i when (i·7 + s·3 + t·5) mod 10 < 3 + t: accuracy rises with t, unevenly per item.
    const outcome = (item: number, target: number, sample: number) => answer((item * 7 + sample * 3 + target * 5 + item * target) % 10 < 3 + target);
    const plain = await studyOf({ items: 30, targets: 6, samples: 3 }, outcome);
    const holm = (await report(plain)).body;
    expect(holm.pairs.map((p) => [p.a, p.b])).toEqual([[0, 1], [0, 2], [0, 3], [0, 4], [0, 5], [1, 2], [1, 3], [1, 4], [1, 5], [2, 3], [2, 4], [2, 5], [3, 4], [3, 5], [4, 5]]);
    const raw = holm.pairs.map((p) => p.accuracy_difference.p_value!);
    expect(raw.every((p) => p >= 0 && p <= 1)).toBe(true);
    expect(holm.pairs.map((p) => p.accuracy_difference.p_adjusted)).toEqual(holmAdjust(raw));
    expect(holm.comparisons).toMatchObject({ adjust: 'holm', family_size: 15 });
    const bh = (await report(plain, { adjust: 'bh' })).body;
    expect(bh.pairs.map((p) => p.accuracy_difference.p_adjusted)).toEqual(benjaminiHochbergAdjust(raw));
    expect(bh.comparisons.note).toMatch(/^p_adjusted: Benjamini–Hochberg \(false discovery rate\) over 15 pairs of targets$/);

    const withPrimary = await studyOf({ items: 30, targets: 6, samples: 3, options: { primary: [5, 0] } }, outcome);
    const primary = (await report(withPrimary)).body;
    expect(primary.pairs).toHaveLength(15);
    expect(primary.pairs[0]).toMatchObject({ a: 5, b: 0, primary: true, accuracy_difference: { p_adjusted: null } });
    expect(primary.pairs[0]!.accuracy_difference.difference).toBeCloseTo(-holm.pairs[4]!.accuracy_difference.difference!, 12);
    expect(primary.pairs[0]!.accuracy_difference.p_value).toBeCloseTo(raw[4]!, 12);
    const family = primary.pairs.slice(1);
    expect(family.map((p) => p.accuracy_difference.p_adjusted)).toEqual(holmAdjust(family.map((p) => p.accuracy_difference.p_value!)));
    expect(primary.comparisons).toMatchObject({ family_size: 14, primary: [5, 0] });
    expect(primary.comparisons.note).toContain('the primary contrast 5 − 0 is reported unadjusted and is not in that family');
  });

  // Nearest-rank percentiles, the worked example of Wikipedia's "Percentile" article: of
  // {15, 20, 35, 40, 50}, the 50th percentile is 35 and anything above the 80th is 50.
  it('reads latency p50/p95 by nearest rank, and reports a study with failed and pending tasks', async () => {
    const latencies = [50, 15, 40, 20, 35];
    const batchId = await studyOf({ items: 7, targets: 1 }, (item) =>
      item < 5 ? { text: item < 3 ? 'yes' : 'no', latencyMs: latencies[item], tokens: 10, cost: 0.5 } : item === 5 ? { failed: true, latencyMs: 9_999 } : undefined,
    );
    const { body } = await report(batchId);
    expect(body.targets[0]).toMatchObject({
      tasks: 7,
      success: 5,
      failed: 1,
      pending: 1,
      failure_rate: 1 / 6,
      latency_p50_ms: 35,
      latency_p95_ms: 50,
      prompt_tokens: 50,
      completion_tokens: 50,
      cost_usd: 2.5,
      priced_calls: 5,
      samples: 5,
      scored: 5,
      passes: 3,
      coverage: { items: 7, answered: 5, scored: 5 },
    });
    const cells = body.items.rows.map((item) => item.cells[0]!);
    expect(cells[5]).toMatchObject({ tasks: 1, success: 0, failed: 1, pending: 0 });
    expect(cells[5]!.n).toBeUndefined();
    expect(cells[6]).toMatchObject({ tasks: 1, success: 0, failed: 0, pending: 1 });
  });
});
