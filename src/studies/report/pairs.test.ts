import { describe, expect, it } from 'vitest';
import { buildCells, type CellAnswerCount } from './cells';
import { adjustFamily, comparePair, listedDisagreements, pairsToCompare, targetVectors, type PairComparison } from './pairs';

const row = (item_id: number, target_index: number, answer: string | null, n: number, passes: number, scored = n): CellAnswerCount => ({ item_id, target_index, answer, n, passes, scored });
const compare = (rows: CellAnswerCount[], itemIds: number[], a = 0, b = 1, targets = 2) =>
  comparePair(targetVectors(buildCells(rows), itemIds, targets), itemIds, a, b, { primary: false, listed: 100, differences: new Float64Array(itemIds.length) });

describe('paired comparison of two targets over items', () => {
  // Student (1908), R's sleep data: differences 1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4 (here ÷ 10, as
  // per-item accuracies over 100 samples): mean 0.158, t = 4.0621 (df 9), p = 0.002833, 95% CI [0.07001, 0.24599].
  it('is the paired t over per-item accuracy differences: the sleep data', () => {
    const sleep = [12, 24, 13, 13, 0, 10, 18, 8, 46, 14];
    const rows = sleep.flatMap((d, i) => {
      const b = 30 + ((i * 7) % 20);
      return [row(i, 0, 'yes', b + d, b + d), row(i, 0, 'no', 100 - b - d, 0), row(i, 1, 'yes', b, b), row(i, 1, 'no', 100 - b, 0)];
    });
    const { accuracy_difference: d } = compare(rows, sleep.map((_, i) => i));
    expect(d).toMatchObject({ items: 10, df: 9, method: 'paired-t' });
    expect(d.difference).toBeCloseTo(0.158, 12);
    expect(d.t).toBeCloseTo(4.0621, 4);
    expect(d.p_value).toBeCloseTo(0.002833, 6);
    expect(d.low).toBeCloseTo(0.07001, 5);
    expect(d.high).toBeCloseTo(0.24599, 5);
    expect(d.mde).toBeCloseTo((2.8016 * d.sd!) / Math.sqrt(10), 3);
  });

  // Fagerland, Lydersen & Laake (2013), BMC Med Res Methodol 13:91, Table 1: discordant 1 and 7 → exact p = 0.070.
  it('tests majority votes with the exact McNemar of Fagerland et al. (2013), and leaves split votes out', () => {
    const kinds = [...Array(59).fill([1, 1]), [1, 0], ...Array(7).fill([0, 1]), ...Array(4).fill([0, 0])] as Array<[number, number]>;
    const rows = kinds.flatMap(([a, b], item) => [row(item, 0, a ? 'yes' : 'no', 1, a), row(item, 1, b ? 'yes' : 'no', 1, b)]);
    // Item 71: target 0's vote is a yes/no tie.
    rows.push(row(71, 0, 'yes', 1, 1), row(71, 0, 'no', 1, 0), row(71, 1, 'yes', 1, 1));
    const pair = compare(rows, [...kinds.keys(), 71]);
    expect(pair.majority_vote_mcnemar).toEqual({ items: 71, tied_items: 1, both_correct: 59, only_a: 1, only_b: 7, neither: 4, p_value: 0.0703125 });
    expect(pair.disagreeing_items).toEqual([59, 60, 61, 62, 63, 64, 65, 66]);
    expect(pair.items).toBe(72);
    expect(pair.accuracy_difference.items).toBe(72);
  });

  it('keeps the interval of a difference of accuracies within [−1, 1]', () => {
    const rows = [0, 1, 2].flatMap((i) => [row(i, 0, 'no', 1, 0), row(i, 1, i === 0 ? 'no' : 'yes', 1, i === 0 ? 0 : 1)]);
    const { accuracy_difference: d } = compare(rows, [0, 1, 2]);
    expect(d.difference).toBeCloseTo(-2 / 3, 12);
    expect(d.low).toBe(-1);
    expect(d.high!).toBeLessThan(1);
  });

  it('pairs only the items both targets answered and say how many', () => {
    const pair = compare([row(1, 0, 'a', 1, 1), row(1, 1, 'a', 1, 1), row(2, 0, 'a', 1, 1), row(3, 1, 'a', 2, 0, 0), row(3, 0, 'a', 2, 0)], [1, 2, 3]);
    expect(pair).toMatchObject({ items: 2, answer_agreement: 1, majority_vote_mcnemar: { items: 1, both_correct: 1, p_value: 1 }, accuracy_difference: { items: 1, difference: 0 } });
  });
});

describe('the family of pairs', () => {
  it('compares every pair once, the primary contrast first and in its own order', () => {
    expect(pairsToCompare(3, null)).toEqual([[0, 1], [0, 2], [1, 2]]);
    expect(pairsToCompare(3, [2, 0])).toEqual([[2, 0], [0, 1], [1, 2]]);
    expect(pairsToCompare(100, null)).toHaveLength(4950);
    expect(listedDisagreements(1)).toBe(100);
    expect(listedDisagreements(4950)).toBe(10);
  });

  // Benjamini & Hochberg (1995), §4: the 15 p-values; R's p.adjust gives BH 0.0015, 0.0030, 0.0095, 0.0356, 0.0603, …
  // and Holm 0.0015, 0.0056, 0.0247, 0.1140, 0.2211, ….
  const bh1995 = [0.0001, 0.0004, 0.0019, 0.0095, 0.0201, 0.0278, 0.0298, 0.0344, 0.0459, 0.324, 0.4262, 0.5719, 0.6528, 0.759, 1];
  const pairWith = (p_value: number | null, primary = false, sd: number | null = 0.4): PairComparison => ({
    a: 0,
    b: 1,
    primary,
    items: 10,
    answer_agreement: null,
    accuracy_difference: { difference: 0, low: null, high: null, se: null, sd, df: null, t: null, p_value, method: 'paired-t', items: 10, mde: null, items_needed: null, p_adjusted: null },
    majority_vote_mcnemar: { items: 0, tied_items: 0, both_correct: 0, only_a: 0, only_b: 0, neither: 0, p_value: null },
    disagreeing_items: [],
    disagreeing_count: 0,
  });

  it('adjusts the pairs\' p-values with Holm by default and Benjamini–Hochberg when asked (BH 1995)', () => {
    const pairs = bh1995.map((p) => pairWith(p));
    const bh = adjustFamily(pairs, 'bh', 0.05);
    expect(bh.family).toEqual({ adjust: 'bh', family_size: 15, effect: 0.05 });
    expect(bh.pairs.slice(0, 5).map((p) => Number(p.accuracy_difference.p_adjusted!.toFixed(4)))).toEqual([0.0015, 0.003, 0.0095, 0.0356, 0.0603]);
    expect(bh.pairs.filter((p) => p.accuracy_difference.p_adjusted! <= 0.05)).toHaveLength(4);
    const holm = adjustFamily(pairs, 'holm', 0.05);
    expect(holm.pairs.slice(0, 5).map((p) => Number(p.accuracy_difference.p_adjusted!.toFixed(4)))).toEqual([0.0015, 0.0056, 0.0247, 0.114, 0.2211]);
    expect(holm.pairs.filter((p) => p.accuracy_difference.p_adjusted! <= 0.05)).toHaveLength(3);
    expect(pairs[0]!.accuracy_difference.p_adjusted).toBeNull();
  });

  it('leaves the primary contrast and pairs without a p-value out of the family, and gives items needed for the effect', () => {
    const { pairs, family } = adjustFamily([pairWith(0.01, true), pairWith(0.01), pairWith(0.04), pairWith(null, false, null)], 'holm', 0.05);
    expect(family.family_size).toBe(2);
    expect(pairs.map((p) => p.accuracy_difference.p_adjusted)).toEqual([null, 0.02, 0.04, null]);
    // (2.80158 · 0.4 / 0.05)² = 502.3 → 503
    expect(pairs.map((p) => p.accuracy_difference.items_needed)).toEqual([503, 503, 503, null]);
    expect(adjustFamily([pairWith(0.01)], 'holm', 0.1).pairs[0]!.accuracy_difference.items_needed).toBe(126);
  });
});
