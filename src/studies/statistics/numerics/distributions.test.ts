import { describe, expect, it } from 'vitest';
import {
  chiSquareSurvival,
  normalCdf,
  normalQuantile,
  normalUpperTail,
  studentTCdf,
  studentTQuantile,
  studentTTwoSidedP,
  studentTUpperTail,
} from './distributions';

describe('Student t', () => {
  it('gives the quantiles of the published tables', () => {
    // t_{9,0.975} and t_{29,0.975} as in statistics.md (R qt); the 0.975 column of the NIST/SEMATECH
    // e-Handbook's t table (§1.3.6.7.2) to its 3 decimals, and to 8 digits from R qt / scipy 1.17.
    expect(studentTQuantile(0.975, 9)).toBeCloseTo(2.262157, 6);
    expect(studentTQuantile(0.975, 29)).toBeCloseTo(2.04523, 6);
    const table: Array<[number, number]> = [[1, 12.70620474], [2, 4.30265273], [5, 2.57058184], [10, 2.22813885], [30, 2.04227246], [100, 1.98397152]];
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 7);
    expect(studentTQuantile(0.025, 9)).toBeCloseTo(-2.262157, 6);
    expect(studentTQuantile(0.5, 4)).toBe(0);
    expect(studentTQuantile(0.975, Infinity)).toBeCloseTo(1.959964, 6);
  });

  it('inverts its own CDF far into the tails', () => {
    // Closed form for df = 1 (Cauchy): qt(p, 1) = tan(π(p − ½)).
    expect(studentTQuantile(0.999999, 1) / Math.tan(Math.PI * (0.999999 - 0.5))).toBeCloseTo(1, 8);
    // scipy 1.17 stats.t.ppf(1e-12, 3) = −10331.108244292487
    expect(studentTQuantile(1e-12, 3) / -10331.108244292487).toBeCloseTo(1, 10);
    for (const df of [1, 3, 9, 40]) {
      for (const p of [1e-9, 0.01, 0.3, 0.8, 0.9999]) expect(studentTCdf(studentTQuantile(p, df), df) / p).toBeCloseTo(1, 10);
    }
  });

  it("gives the sleep data's two-sided p-value (Student 1908; R t.test: p = 0.002833)", () => {
    expect(studentTTwoSidedP(4.0621, 9)).toBeCloseTo(0.002833, 6);
    expect(studentTTwoSidedP(-4.0621, 9)).toBeCloseTo(0.002833, 6);
    expect(studentTCdf(4.0621, 9)).toBeCloseTo(0.9985834960798049, 12); // scipy 1.17 stats.t.cdf
    expect(studentTUpperTail(0, 5)).toBe(0.5);
    expect(studentTTwoSidedP(0, 5)).toBe(1);
    expect(studentTTwoSidedP(Infinity, 5)).toBe(0);
  });

  it('refuses degrees of freedom ≤ 0 and probabilities outside [0, 1]', () => {
    expect(() => studentTQuantile(0.975, 0)).toThrow(/degrees of freedom/);
    expect(() => studentTCdf(1, -1)).toThrow(/degrees of freedom/);
    expect(() => studentTQuantile(1.2, 3)).toThrow(/p must be/);
    expect(() => studentTCdf(Number.NaN, 3)).toThrow(/NaN/);
  });
});

describe('standard normal', () => {
  it('matches the reference values', () => {
    expect(normalQuantile(0.975)).toBeCloseTo(1.959963984540054, 13);
    expect(normalQuantile(0.8)).toBeCloseTo(0.841621, 6); // z_0.8 of statistics.md
    expect(normalQuantile(0.975) + normalQuantile(0.8)).toBeCloseTo(2.8016, 4);
    expect(normalCdf(1.96)).toBeCloseTo(0.9750021048517795, 14);
    // Far tails keep relative precision: scipy 1.17 norm.cdf(−10), norm.ppf(1e−20)
    expect(normalCdf(-10) / 7.61985302416047e-24).toBeCloseTo(1, 12);
    expect(normalQuantile(1e-20)).toBeCloseTo(-9.262340089798409, 11);
    expect(normalUpperTail(0)).toBe(0.5);
    expect(normalQuantile(0)).toBe(-Infinity);
    expect(normalQuantile(1)).toBe(Infinity);
  });
});

describe('chi-square', () => {
  it('gives the upper-tail probabilities of the published critical values', () => {
    // NIST/SEMATECH e-Handbook §1.3.6.7.4: χ²_{0.95}(1) = 3.841, χ²_{0.95}(10) = 18.307 (R qchisq to 8 digits).
    expect(chiSquareSurvival(3.84145882, 1)).toBeCloseTo(0.05, 9);
    expect(chiSquareSurvival(18.30703805, 10)).toBeCloseTo(0.05, 9);
    // With 2 df the tail is e^(−x/2) exactly.
    expect(chiSquareSurvival(30, 2) / Math.exp(-15)).toBeCloseTo(1, 12);
    // scipy 1.17 stats.chi2.sf(2000, 500) = 5.224452135049434e−178
    expect(chiSquareSurvival(2000, 500) / 5.224452135049434e-178).toBeCloseTo(1, 9);
    expect(chiSquareSurvival(0, 3)).toBe(1);
    expect(() => chiSquareSurvival(-1, 3)).toThrow(/x must be/);
  });
});
