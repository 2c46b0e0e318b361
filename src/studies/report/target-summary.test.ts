import { describe, expect, it } from 'vitest';
import { buildCells, cellKey, type CellAnswerCount } from './cells';
import { emptyHumanTable } from './agreement';
import { repeatKs, repeatPoints, sliceByFields, summariseTargets, type CellCost, type StudyItem, type SummaryInput, type TargetTasks } from './target-summary';

const noTasks: TargetTasks = { tasks: 0, success: 0, failed: 0, latency_p50_ms: null, latency_p95_ms: null, prompt_tokens: 0, completion_tokens: 0, cost_usd: null, priced_calls: 0 };
const itemsOf = (n: number, fields: (i: number) => Record<string, unknown> | null = () => null): StudyItem[] => Array.from({ length: n }, (_, i) => ({ id: i + 1, key: `q${i}`, fields: fields(i) }));
/** One target; item i's samples: passes[i] of `samples`, each passing sample answering "right". */
const oneTarget = (passes: number[], samples: number, extra: Partial<SummaryInput> = {}) => {
  const rows: CellAnswerCount[] = passes.flatMap((p, i) => [
    { item_id: i + 1, target_index: 0, answer: 'right', n: p, passes: p, scored: p },
    { item_id: i + 1, target_index: 0, answer: 'wrong', n: samples - p, passes: 0, scored: samples - p },
  ]);
  const total = passes.length * samples;
  return summariseTargets({
    targetCount: 1,
    items: itemsOf(passes.length),
    cells: buildCells(rows.filter((r) => r.n > 0)),
    tasks: [{ ...noTasks, tasks: total, success: total }],
    costs: new Map(),
    human: [],
    clusterBy: null,
    ...extra,
  })[0]!;
};

describe('per-target summary over items', () => {
  // 12 items × 4 samples (statistics/accuracy.test.ts): with equal k the clustered interval is R's t.test of the per-item accuracies.
  const twelve = [4, 4, 3, 0, 2, 4, 1, 4, 3, 2, 4, 0];

  it('gives the item-clustered interval as the headline, with the sample-level Wilson beside it', () => {
    const summary = oneTarget(twelve, 4);
    expect(summary.accuracy).toMatchObject({ method: 'clustered-t', items: 12, clusters: 12, samples: 48, passed: 31, cluster_by: null });
    expect(summary.accuracy.low).toBeCloseTo(0.39735942249483824, 10);
    expect(summary.accuracy.high).toBeCloseTo(0.8943072441718285, 10);
    expect(summary.accuracy.design_effect).toBeCloseTo(2.6744868035190614, 10);
    expect(summary.accuracy_samples_wilson).toMatchObject({ method: 'wilson-samples', samples: 48, estimate: 31 / 48 });
    expect(summary.accuracy_samples_wilson.high! - summary.accuracy_samples_wilson.low!).toBeLessThan(summary.accuracy.high! - summary.accuracy.low!);
    expect(summary.coverage).toEqual({ items: 12, answered: 12, scored: 12 });
  });

  it('clusters by an item field: items sharing a value are one unit', () => {
    const items = itemsOf(12, (i) => ({ passage: `p${i % 4}` }));
    const byPassage = oneTarget(twelve, 4, { items, clusterBy: 'passage' });
    expect(byPassage.accuracy).toMatchObject({ clusters: 4, items: 12, method: 'wilson-clusters', cluster_by: 'passage' });
    expect(oneTarget(twelve, 4, { items, clusterBy: 'passage' }).accuracy.estimate).toBeCloseTo(31 / 48, 12);
  });

  it('gives majority-vote accuracy with split ties over items, and pass@k / pass^k per k', () => {
    // n = 10, c = 3 on every item: pass@5 = 1 − C(7,5)/C(10,5) = 0.916667, pass^2 = C(3,2)/C(10,2) = 0.066667.
    const summary = oneTarget([3, 3, 3], 10);
    expect(summary.repeats.map((p) => p.k)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
    expect(summary.repeats[4]!.pass_at_k).toBeCloseTo(0.916667, 6);
    expect(summary.repeats[1]!.pass_hat_k).toBeCloseTo(0.066667, 6);
    expect(summary.majority).toMatchObject({ items: 3, credit: 0, tied_items: 0 });
    const tied = oneTarget([2, 2, 4], 4);
    expect(tied.majority).toMatchObject({ items: 3, credit: 2, tied_items: 2, estimate: 2 / 3, method: 'wilson-items' });
  });

  it('costs a correct answer only when every answer was priced', () => {
    const costs = new Map<number, CellCost>(twelve.map((_, i) => [cellKey(i + 1, 0), { cost: 0.04, priced: 4, answered: 4 }]));
    const priced = oneTarget(twelve, 4, { costs, tasks: [{ ...noTasks, tasks: 48, success: 48, priced_calls: 48, cost_usd: 0.48 }] });
    expect(priced.cost_per_correct).toMatchObject({ items: 12, correct: 31, method: 'delta-clustered-t' });
    expect(priced.cost_per_correct!.estimate).toBeCloseTo(0.48 / 31, 12);
    expect(oneTarget(twelve, 4, { costs, tasks: [{ ...noTasks, tasks: 48, success: 48, priced_calls: 47, cost_usd: 0.47 }] }).cost_per_correct).toBeNull();
  });

  it("counts failures over finished tasks, and gives Cohen's κ of human labels against the scorer (20/5/10/15 → 0.40)", () => {
    const [summary] = summariseTargets({
      targetCount: 1,
      items: [],
      cells: new Map(),
      tasks: [{ ...noTasks, tasks: 10, success: 6, failed: 2 }],
      costs: new Map(),
      human: [{ ...emptyHumanTable(), labelled: 50, compared: 50, agree: 35, both_pass: 20, human_pass_scorer_fail: 5, human_fail_scorer_pass: 10, both_fail: 15 }],
      clusterBy: null,
    });
    expect(summary).toMatchObject({ pending: 2, failure_rate: 0.25, samples: 0, accuracy: { estimate: null }, self_consistency: null, repeats: [], cost_per_correct: null });
    expect(summary!.human).toMatchObject({ agreement: 0.7, kappa: { n: 50 } });
    expect(summary!.human.kappa.kappa).toBeCloseTo(0.4, 12);
  });

  it('reports pass@k at 1–10, 20, 50 … and the most samples, each over the items with that many', () => {
    expect(repeatKs(1)).toEqual([1]);
    expect(repeatKs(75)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 20, 50, 75]);
    const points = repeatPoints([{ passed: 1, samples: 2 }, { passed: 3, samples: 3 }]);
    expect(points).toEqual([
      { k: 1, pass_at_k: (0.5 + 1) / 2, pass_hat_k: (0.5 + 1) / 2, items: 2 },
      { k: 2, pass_at_k: 1, pass_hat_k: 0.5, items: 2 },
      { k: 3, pass_at_k: 1, pass_hat_k: 1, items: 1 },
    ]);
  });
});

describe('slices', () => {
  it('gives each target its accuracy over the items of each field value, and skips identifiers', () => {
    const row = (item_id: number, answer: string, n: number, passes: number): CellAnswerCount => ({ item_id, target_index: 0, answer, n, passes, scored: n });
    const cells = buildCells([row(1, 'a', 2, 2), row(2, 'a', 2, 0), row(3, 'a', 2, 1)]);
    const items: StudyItem[] = [
      { id: 1, key: 'x1', fields: { category: 'geo', difficulty: 1, id: 'x1' } },
      { id: 2, key: 'x2', fields: { category: 'math', difficulty: 2, id: 'x2' } },
      { id: 3, key: 'x3', fields: { category: 'geo', difficulty: null, id: 'x3' } },
    ];
    const slices = sliceByFields(items, cells, 1, null);
    expect(slices.map((s) => s.field)).toEqual(['category', 'difficulty', 'id']);
    expect(slices[0]!.values.map((v) => [v.value, v.items, v.targets[0]!.passes, v.targets[0]!.scored, v.targets[0]!.accuracy.items])).toEqual([['geo', 2, 3, 4, 2], ['math', 1, 0, 2, 1]]);
    expect(slices[0]!.values[0]!.targets[0]!.accuracy).toMatchObject({ estimate: 0.75, method: 'wilson-items' });
    expect(slices[1]!.values.map((v) => v.value)).toEqual(['(none)', '1', '2']);
    const identifiers = Array.from({ length: 60 }, (_, i) => ({ id: i, key: `u${i}`, fields: { uid: `u${i}` } }));
    expect(sliceByFields(identifiers, cells, 1, null)).toEqual([]);
  });
});
