import { describe, expect, it } from 'vitest';
import { costPerCorrect, type ItemCost } from './cost';

describe('cost per correct answer', () => {
  // 12 items: dollars spent on each item's samples, and how many of them passed.
  const items: ItemCost[] = [
    [0.12, 3], [0.1, 1], [0.31, 4], [0.05, 0], [0.2, 2], [0.15, 3], [0.4, 1], [0.08, 2], [0.11, 4], [0.25, 0], [0.09, 3], [0.18, 2],
  ].map(([cost, passed]) => ({ cost: cost!, passed: passed! }));

  it('is total cost over total correct, with the delta-method SE of a ratio over items', () => {
    const result = costPerCorrect(items);
    expect(result).toMatchObject({ method: 'delta-clustered-t', correction: 'CR1', items: 12, clusters: 12, correct: 25 });
    expect(result.total_cost).toBeCloseTo(2.04, 12);
    expect(result.estimate).toBeCloseTo(2.04 / 25, 14);
    // Cochran (1977), ch. 6: Var(R) ≈ Σ(c_i − R·x_i)² / ((n − 1)·n·x̄²), written out independently here.
    const r = 2.04 / 25;
    const meanCorrect = 25 / 12;
    const residuals = items.reduce((sum, { cost, passed }) => sum + (cost - r * passed) ** 2, 0);
    expect(result.se).toBeCloseTo(Math.sqrt(residuals / (11 * 12 * meanCorrect ** 2)), 14);
    // python3 with scipy 1.17 t.ppf(0.975, 11): [0.033740, 0.129460]
    expect(result.low).toBeCloseTo(0.03373974690757916, 12);
    expect(result.high).toBeCloseTo(0.12946025309242087, 12);
  });

  it('clamps the low end at 0 and clusters items that share a source', () => {
    const skewed = costPerCorrect([{ cost: 5, passed: 1 }, { cost: 0.01, passed: 1 }, { cost: 0.01, passed: 1 }]);
    expect(skewed.low).toBe(0);
    const clustered = costPerCorrect(items.map((item, i) => ({ ...item, cluster: `source ${i % 4}` })));
    expect(clustered.clusters).toBe(4);
    expect(clustered.estimate).toBeCloseTo(2.04 / 25, 14);
    expect(clustered.se).not.toBeCloseTo(costPerCorrect(items).se!, 6);
  });

  it('has no estimate without a correct answer, and no interval from a single cluster', () => {
    expect(costPerCorrect([{ cost: 0.3, passed: 0 }, { cost: 0.2, passed: 0 }])).toMatchObject({ estimate: null, se: null, total_cost: 0.5, correct: 0 });
    expect(costPerCorrect([{ cost: 0.3, passed: 2 }])).toMatchObject({ estimate: 0.15, se: null, low: null, high: null });
    expect(costPerCorrect([])).toMatchObject({ estimate: null, items: 0 });
  });

  it('refuses negative costs and fractional passes', () => {
    expect(() => costPerCorrect([{ cost: -1, passed: 1 }])).toThrow(/items\[0\]\.cost/);
    expect(() => costPerCorrect([{ cost: 1, passed: 0.5 }])).toThrow(/items\[0\]\.passed/);
  });
});
