import { describe, expect, it } from 'vitest';
import {
  buildCells,
  cellKey,
  comparePair,
  disagreeingItems,
  pairsToCompare,
  sliceByFields,
  summariseTargets,
  TOP_ANSWERS,
  type CellAnswerCount,
  type TargetSummary,
} from './cells';

const row = (item_id: number, target_index: number, answer: string | null, n: number, passes: number, scored = n): CellAnswerCount => ({ item_id, target_index, answer, n, passes, scored });
const noTasks = { tasks: 0, success: 0, failed: 0, latency_p50_ms: null, latency_p95_ms: null, prompt_tokens: 0, completion_tokens: 0, cost_usd: null, priced_calls: 0 };

describe('cells of a study', () => {
  it('adds up the rows of a cell into its distribution, modal answer, entropy, pass rate and majority vote', () => {
    const cells = buildCells([row(1, 0, 'Paris', 3, 3), row(1, 0, 'Lyon', 1, 0), row(1, 0, null, 1, 0), row(1, 0, 'Paris', 1, 1)]);
    const cell = cells.get(cellKey(1, 0))!;
    expect(cell).toMatchObject({ n: 6, scored: 6, passes: 4, distinct: 3, other: 0, modal: { answer: 'Paris', count: 4, share: 4 / 6 }, majority_correct: true });
    expect(cell.pass_rate).toBeCloseTo(4 / 6, 12);
    expect(cell.distribution).toEqual([
      { answer: 'Paris', count: 4, passes: 4, scored: 4 },
      { answer: 'Lyon', count: 1, passes: 0, scored: 1 },
      { answer: null, count: 1, passes: 0, scored: 1 },
    ]);
    // [4, 1, 1]: −(⅔ ln ⅔ + 2 · ⅙ ln ⅙) / ln 3 = 0.7897...
    expect(cell.entropy).toBeCloseTo(-(4 / 6 * Math.log(4 / 6) + 2 * (1 / 6) * Math.log(1 / 6)) / Math.log(3), 12);
  });

  it('gives a tie to a real answer over "nothing extracted", and to the answer that sorts first', () => {
    expect(buildCells([row(1, 0, null, 2, 0), row(1, 0, 'B', 2, 2)]).get('1:0')!.modal!.answer).toBe('B');
    expect(buildCells([row(1, 0, 'b', 2, 0), row(1, 0, 'a', 2, 2)]).get('1:0')!.majority_correct).toBe(true);
  });

  it('cannot vote on correctness when the modal answer could not be scored, and keeps the long tail as "other"', () => {
    expect(buildCells([row(1, 0, 'x', 3, 0, 0)]).get('1:0')).toMatchObject({ pass_rate: null, majority_correct: null, modal: { answer: 'x', share: 1 } });
    const many = buildCells(Array.from({ length: TOP_ANSWERS + 3 }, (_, i) => row(1, 0, `a${i}`, 1, 0))).get('1:0')!;
    expect(many.distribution).toHaveLength(TOP_ANSWERS);
    expect(many).toMatchObject({ distinct: TOP_ANSWERS + 3, other: 3, entropy: 1 });
  });
});

describe('per-target summary', () => {
  // Newcombe RG (1998) Two-sided confidence intervals for the single proportion: comparison of seven
  // methods. Statistics in Medicine 17:857–872, Table I, method 3: 81/263 → 0.2553–0.3662.
  it('gives the Wilson interval of Newcombe (1998) for 81 passes in 263 scored samples', () => {
    const rows = Array.from({ length: 263 }, (_, i) => row(i, 0, i < 81 ? 'right' : 'wrong', 1, i < 81 ? 1 : 0));
    const [summary] = summariseTargets(1, buildCells(rows).values(), [{ ...noTasks, tasks: 263, success: 263 }], []);
    expect(summary!.accuracy.estimate).toBeCloseTo(81 / 263, 12);
    expect(summary!.accuracy.low).toBeCloseTo(0.2553, 4);
    expect(summary!.accuracy.high).toBeCloseTo(0.3662, 4);
    expect(summary!.majority).toMatchObject({ items: 263, correct: 81 });
    expect(summary!.self_consistency).toBe(1);
  });

  it('counts failures over finished tasks, pending apart, and human agreement over compared labels', () => {
    const [summary] = summariseTargets(1, [], [{ ...noTasks, tasks: 10, success: 6, failed: 2 }], [{ labelled: 3, compared: 2, agree: 1 }]);
    expect(summary).toMatchObject({ pending: 2, failure_rate: 0.25, samples: 0, accuracy: { estimate: null }, self_consistency: null, human: { agreement: 0.5 } });
  });
});

describe('paired comparison of two targets', () => {
  /** Majority-vote correctness per item for targets 0 and 1: [both, only 0, only 1, neither]. */
  const pairedStudy = (both: number, onlyA: number, onlyB: number, neither: number) => {
    const rows: CellAnswerCount[] = [];
    const kinds = [...Array(both).fill([1, 1]), ...Array(onlyA).fill([1, 0]), ...Array(onlyB).fill([0, 1]), ...Array(neither).fill([0, 0])] as Array<[number, number]>;
    kinds.forEach(([a, b], item) => {
      rows.push(row(item, 0, a ? 'yes' : 'no', 1, a), row(item, 1, b ? 'yes' : 'no', 1, b));
    });
    return { cells: buildCells(rows), items: kinds.map((_, i) => i) };
  };

  // Fagerland MW, Lydersen S, Laake P (2013) The McNemar test for binary matched-pairs data.
  // BMC Med Res Methodol 13:91, Table 1 (AHR before/after transplantation): discordant pairs 1 and 7,
  // exact conditional p = 0.070 (exactly 2 · 9/256).
  it('gives the exact McNemar p of Fagerland et al. (2013) for 1 and 7 discordant items, and lists them', () => {
    const { cells, items } = pairedStudy(59, 1, 7, 4);
    const pair = comparePair(cells, items, 0, 1, 1);
    expect(pair).toMatchObject({ items: 71, both_correct: 59, only_a: 1, only_b: 7, neither: 4, mcnemar_p: 0.0703125, disagreeing_count: 8 });
    expect(pair.disagreeing_items).toEqual([59, 60, 61, 62, 63, 64, 65, 66]);
    expect(pair.answer_agreement).toBeCloseTo(63 / 71, 12);
  });

  // The large-sample (Wald) interval for a difference of paired proportions: d = (b − c)/n,
  // se = √(((b + c)/n − d²)/n). For b = 120, c = 80, n = 1000: 0.04 ± 1.96 · 0.0140855 = [0.0124, 0.0676];
  // the bootstrap over items must agree within its resampling noise.
  it('puts a paired bootstrap interval around the accuracy difference, agreeing with the normal-theory interval', () => {
    const { cells, items } = pairedStudy(600, 120, 80, 200);
    const { accuracy_difference: difference } = comparePair(cells, items, 0, 1, 7);
    expect(difference.difference).toBeCloseTo(0.04, 12);
    expect(difference.items).toBe(1000);
    expect(Math.abs(difference.low! - 0.01239)).toBeLessThan(0.004);
    expect(Math.abs(difference.high! - 0.06761)).toBeLessThan(0.004);
    expect(comparePair(cells, items, 0, 1, 7)).toEqual(comparePair(cells, items, 0, 1, 7));
  });

  it('pairs only items both targets answered, and compares every pair of few targets or each against the best of many', () => {
    const cells = buildCells([row(1, 0, 'a', 1, 1), row(1, 1, 'a', 1, 1), row(2, 0, 'a', 1, 1)]);
    expect(comparePair(cells, [1, 2], 0, 1, 1)).toMatchObject({ items: 1, both_correct: 1, mcnemar_p: 1 });
    const summary = (t: number, estimate: number) => ({ target_index: t, accuracy: { estimate } }) as TargetSummary;
    expect(pairsToCompare([summary(0, 0.1), summary(1, 0.2), summary(2, 0.3)])).toEqual([[0, 1], [0, 2], [1, 2]]);
    const many = Array.from({ length: 10 }, (_, t) => summary(t, t === 6 ? 0.9 : 0.1));
    expect(pairsToCompare(many)).toEqual([0, 1, 2, 3, 4, 5, 7, 8, 9].map((t) => [6, t]));
  });
});

describe('disagreements and slices', () => {
  it('finds items whose majority votes differ in correctness, or in answer where nothing could be scored', () => {
    const cells = buildCells([
      row(1, 0, 'a', 2, 2), row(1, 1, 'b', 2, 2), // both pass: agree
      row(2, 0, 'a', 2, 2), row(2, 1, 'b', 2, 0), // one passes: disagree
      row(3, 0, 'x', 1, 0, 0), row(3, 1, 'y', 1, 0, 0), // unscored, different answers: disagree
      row(4, 0, 'x', 1, 0, 0), // target 1 has not answered: left out
    ]);
    expect([...disagreeingItems(cells, [1, 2, 3, 4], 2)]).toEqual([2, 3]);
    expect(disagreeingItems(cells, [1, 2, 3, 4], 1).size).toBe(0);
  });

  it('gives each target its accuracy per value of each item field, and skips identifiers', () => {
    const cells = buildCells([row(1, 0, 'a', 2, 2), row(2, 0, 'a', 2, 0), row(3, 0, 'a', 2, 1)]);
    const items = [
      { id: 1, fields: { category: 'geo', difficulty: 1, id: 'x1' } },
      { id: 2, fields: { category: 'math', difficulty: 2, id: 'x2' } },
      { id: 3, fields: { category: 'geo', difficulty: null, id: 'x3' } },
    ];
    const slices = sliceByFields(items, cells, 1);
    expect(slices.map((s) => s.field)).toEqual(['category', 'difficulty', 'id']);
    expect(slices[0]!.values.map((v) => [v.value, v.items, v.targets[0]!.passes, v.targets[0]!.scored])).toEqual([['geo', 2, 3, 4], ['math', 1, 0, 2]]);
    expect(slices[1]!.values.map((v) => v.value)).toEqual(['(none)', '1', '2']);
    const identifiers = Array.from({ length: 60 }, (_, i) => ({ id: i, fields: { uid: `u${i}` } }));
    expect(sliceByFields(identifiers, cells, 1)).toEqual([]);
  });
});
