import { describe, expect, it } from 'vitest';
import { itemsNeededForEffect, minimumDetectableEffect, pairedDifference, pairedDifferenceOf } from './paired';

// Student (1908), R's `sleep` data: the extra sleep of 10 patients under drug 2 minus drug 1.
const sleepDifferences = [1.2, 2.4, 1.3, 1.3, 0.0, 1.0, 1.8, 0.8, 4.6, 1.4];

describe('paired difference over items', () => {
  it('reproduces R t.test on the sleep data: mean 1.58, t = 4.0621 (df 9), p = 0.002833, CI [0.7001, 2.4599]', () => {
    const result = pairedDifference(sleepDifferences.map((d) => [d, 0] as const));
    expect(result).toMatchObject({ items: 10, df: 9, method: 'paired-t' });
    expect(result.mean).toBeCloseTo(1.58, 12);
    expect(result.t).toBeCloseTo(4.0621, 4);
    expect(result.p_value).toBeCloseTo(0.002833, 6);
    expect(result.low).toBeCloseTo(0.7001, 4);
    expect(result.high).toBeCloseTo(2.4599, 4);
    expect(result.se).toBeCloseTo(result.sd! / Math.sqrt(10), 14);
  });

  it('gives the same figures from the differences themselves (one reusable buffer per pair)', () => {
    expect(pairedDifferenceOf(Float64Array.from(sleepDifferences))).toEqual(pairedDifference(sleepDifferences.map((d) => [d, 0] as const)));
    expect(() => pairedDifferenceOf([1, Number.POSITIVE_INFINITY])).toThrow(/differences\[1\]/);
  });

  it('pairs the two targets item by item: shared difficulty cancels', () => {
    // B is A shifted down by 0.1 on every item but one; the items themselves vary widely.
    const a = [0.1, 0.9, 0.5, 0.3, 1, 0.7, 0.2, 0.8];
    const pairs = a.map((x, i) => [x, i === 3 ? x : x - 0.1] as const);
    const result = pairedDifference(pairs);
    expect(result.mean).toBeCloseTo(0.0875, 12);
    const sdA = Math.sqrt(a.reduce((s, x) => s + (x - 0.5625) ** 2, 0) / 7);
    expect(result.se!).toBeLessThan((sdA / Math.sqrt(8)) / 5);
    expect(result.p_value!).toBeLessThan(0.001);
  });

  it('gives the minimum detectable effect 2.8016·s_d/√n of the observed paired sd', () => {
    const result = pairedDifference(sleepDifferences.map((d) => [d, 0] as const));
    expect(result.mde).toBeCloseTo((2.8016 * result.sd!) / Math.sqrt(10), 3);
    expect(minimumDetectableEffect(0.4, 100)).toBeCloseTo(0.112064, 5);
  });

  it('computes the items needed for an effect: n = ((z + z_0.8)·s_d / δ)², rounded up', () => {
    // (2.80158 · 0.4 / 0.05)² = 502.3 → 503
    expect(itemsNeededForEffect(0.4, 0.05)).toBe(503);
    expect(itemsNeededForEffect(0.4, 0.05, { power: 0.9 })).toBeGreaterThan(503);
    expect(itemsNeededForEffect(0, 0.05)).toBe(2);
    expect(() => itemsNeededForEffect(0.4, 0)).toThrow(/effect/);
    expect(() => minimumDetectableEffect(0.4, 0)).toThrow(/items/);
    expect(() => itemsNeededForEffect(0.4, 0.1, { alpha: 0 })).toThrow(/alpha/);
  });

  it('has only a mean with one item and nothing with none', () => {
    expect(pairedDifference([])).toMatchObject({ items: 0, mean: null, p_value: null, method: null });
    expect(pairedDifference([[1, 0.25]])).toMatchObject({ items: 1, mean: 0.75, sd: null, se: null, p_value: null, low: null });
  });

  it('uses the exact sign test when every item differs by the same amount (s_d = 0)', () => {
    // 0.3 − 0.1 and 0.5 − 0.3 differ in the last bit; both are a difference of 0.2.
    const same = pairedDifference([[0.3, 0.1], [0.5, 0.3], [0.9, 0.7], [0.4, 0.2], [1, 0.8]]);
    expect(same).toMatchObject({ items: 5, sd: 0, se: 0, t: null, low: null, high: null, mde: null, method: 'sign-test' });
    expect(same.p_value).toBeCloseTo(2 / 32, 14);
    expect(pairedDifference([[0.5, 0.5], [1, 1], [0, 0]])).toMatchObject({ mean: 0, p_value: 1, method: 'sign-test' });
  });

  it('refuses non-finite scores and a bad confidence', () => {
    expect(() => pairedDifference([[1, Number.NaN]])).toThrow(/pairs\[0\]\[1\]/);
    expect(() => pairedDifference([[1, 0]], 0)).toThrow(/confidence/);
  });
});
