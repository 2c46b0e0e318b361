import { describe, expect, it } from 'vitest';
import { answerDistributionDrift, totalVariationDistance, type CategoryCounts } from './drift';

const counts = (entries: Array<[string, number, number]>): CategoryCounts[] => entries.map(([category, first, second]) => ({ category, first, second }));

describe('answer-distribution drift of one item × target', () => {
  it("uses Fisher's exact test for two categories with small counts", () => {
    const drift = answerDistributionDrift(counts([['yes', 3, 1], ['no', 1, 3]]));
    expect(drift).toMatchObject({ method: 'fisher-exact', first_total: 4, second_total: 4, categories: 2, statistic: null });
    expect(drift.p_value).toBeCloseTo(0.4857142857142857, 12);
    expect(drift.total_variation).toBeCloseTo(0.5, 14);
  });

  it('uses the Freeman–Halton test for more categories with small counts', () => {
    // python3 brute-force enumeration of all tables with these margins: 0.1661651042455996
    const drift = answerDistributionDrift(counts([['42', 7, 2], ['41', 2, 5], ['format failure', 1, 3]]));
    expect(drift.method).toBe('freeman-halton-exact');
    expect(drift.p_value).toBeCloseTo(0.1661651042455996, 13);
    // ½(|0.7 − 0.2| + |0.2 − 0.5| + |0.1 − 0.3|) = 0.5
    expect(drift.total_variation).toBeCloseTo(0.5, 14);
  });

  it('uses χ² when every expected count is at least 5 (Cochran 1954)', () => {
    const drift = answerDistributionDrift(counts([['A', 30, 12], ['B', 20, 25], ['error', 10, 23]]));
    expect(drift).toMatchObject({ method: 'chi-square', df: 2 });
    expect(drift.statistic).toBeCloseTo(13.391053391053392, 12);
    expect(drift.p_value).toBeCloseTo(0.0012364304803305802, 14);
  });

  it('falls back to a seeded Monte Carlo test when the exact test would enumerate too many tables', () => {
    // 60 distinct free-text answers, each given once or twice: millions of tables, all expected counts < 5.
    const entries = Array.from({ length: 60 }, (_, i): [string, number, number] => [`answer ${i}`, i % 3 === 0 ? 2 : 1, i % 2]);
    const drift = answerDistributionDrift(counts(entries), { seed: 5, simulations: 500 });
    expect(drift.method).toBe('monte-carlo-exact');
    expect(drift.p_value!).toBeGreaterThan(0);
    expect(drift.p_value!).toBeLessThanOrEqual(1);
    expect(answerDistributionDrift(counts(entries), { seed: 5, simulations: 500 })).toEqual(drift);
    // A strong shift is still found: the second run gives a single new answer instead.
    const shifted = answerDistributionDrift(counts([...entries.map(([c, a]): [string, number, number] => [c, a, 0]), ['new', 0, 40]]), { seed: 5, simulations: 500 });
    expect(shifted.total_variation).toBeCloseTo(1, 14);
    expect(shifted.p_value!).toBeLessThan(0.01);
  });

  it('keeps format failures and errors apart: a formatting change is not a change of answer', () => {
    const drift = answerDistributionDrift(counts([['Paris', 8, 8], ['Lyon', 2, 0], ['format failure', 0, 2]]));
    expect(drift.categories).toBe(3);
    expect(drift.total_variation).toBeCloseTo(0.2, 14);
  });

  it('finds nothing to compare when a run has no samples, and no drift with one shared answer', () => {
    expect(answerDistributionDrift(counts([['A', 5, 0]]))).toMatchObject({ method: null, p_value: null, total_variation: null, second_total: 0 });
    expect(answerDistributionDrift([])).toMatchObject({ method: null, categories: 0 });
    expect(answerDistributionDrift(counts([['A', 5, 7], ['B', 0, 0]]))).toMatchObject({ method: 'fisher-exact', p_value: 1, total_variation: 0, categories: 1 });
  });

  it('refuses a category listed twice and counts that are not counts', () => {
    expect(() => answerDistributionDrift(counts([['A', 1, 2], ['A', 3, 4]]))).toThrow(/"A" is listed twice/);
    expect(() => answerDistributionDrift(counts([['A', 1, -2]]))).toThrow(/counts\[0\]\.second/);
  });
});

describe('total variation distance', () => {
  it('is ½Σ|f1 − f2|: 0 for the same shares, 1 for disjoint answers', () => {
    expect(totalVariationDistance([2, 2], [5, 5])).toBe(0);
    expect(totalVariationDistance([3, 0], [0, 4])).toBe(1);
    expect(totalVariationDistance([6, 3, 1], [5, 5, 0])).toBeCloseTo(0.2, 14);
    expect(totalVariationDistance([0, 0], [1, 1])).toBeNull();
    expect(() => totalVariationDistance([1], [1, 2])).toThrow(/differ in length/);
  });
});
