import { describe, expect, it } from 'vitest';
import { exactRowsByTwo, fisherExact2x2, monteCarloRowsByTwo, pearsonChiSquare } from './contingency';

describe("Fisher's exact test", () => {
  it("gives p = 0.4857 for Fisher's tea-tasting table 3,1/1,3 (R fisher.test)", () => {
    expect(fisherExact2x2(3, 1, 1, 3)).toBeCloseTo(0.4857142857142857, 12); // 34/70
  });

  it("gives p = 0.0005367 for the Convictions table of R's ?fisher.test (Fisher 1962): 2,10/15,3", () => {
    expect(fisherExact2x2(2, 10, 15, 3)).toBeCloseTo(0.0005367241191434358, 15);
    expect(fisherExact2x2(2, 15, 10, 3)).toBeCloseTo(0.0005367241191434358, 15);
  });

  it('handles samples in the millions (log-gamma instead of a factorial table): scipy 1.17 fisher_exact', () => {
    expect(fisherExact2x2(3, 600_000, 9, 500_000) / 0.045794003662204076).toBeCloseTo(1, 8);
  });

  it('gives p = 1 for tables with a single possible arrangement', () => {
    expect(fisherExact2x2(0, 0, 4, 5)).toBe(1);
    expect(fisherExact2x2(3, 0, 0, 0)).toBe(1);
  });
});

describe('Freeman–Halton exact test for r×2 tables', () => {
  // Reference values by brute force in python3: every table with the observed margins
  // (itertools.product), probabilities Π C(n_i, a_i)/C(N, A) summed where ≤ observed·(1 + 1e−7).
  it('matches a brute-force enumeration of all tables', () => {
    expect(exactRowsByTwo([[5, 1], [2, 4], [1, 5]])).toEqual({ p_value: expect.closeTo(0.1104483751542575, 14), tables: 36 });
    expect(exactRowsByTwo([[6, 2], [0, 3], [3, 3], [1, 2]])).toEqual({ p_value: expect.closeTo(0.2193595877806404, 14), tables: 104 });
    expect(exactRowsByTwo([[3, 1], [1, 3]])).toEqual({ p_value: expect.closeTo(0.4857142857142857, 14), tables: 5 });
  });

  it('declines (null) rather than enumerate more tables than allowed', () => {
    expect(exactRowsByTwo([[6, 2], [0, 3], [3, 3], [1, 2]], 103)).toBeNull();
    expect(exactRowsByTwo([[6, 2], [0, 3], [3, 3], [1, 2]], 104)).not.toBeNull();
  });

  it('refuses counts that are not counts', () => {
    expect(() => exactRowsByTwo([[1, -1], [2, 2]])).toThrow(/rows\[0\]\[1\]/);
    expect(() => fisherExact2x2(1, 2, 3.5, 4)).toThrow(/rows\[1\]\[0\]/);
  });
});

describe('Monte Carlo Freeman–Halton test', () => {
  it('estimates the exact p-value within its sampling error, reproducibly for a seed', () => {
    const rows = [[6, 2], [0, 3], [3, 3], [1, 2]] as const;
    const simulated = monteCarloRowsByTwo(rows, { seed: 11, simulations: 20_000 });
    const exact = 0.2193595877806404;
    const se = Math.sqrt((exact * (1 - exact)) / 20_000);
    expect(Math.abs(simulated.p_value - exact)).toBeLessThan(4 * se);
    expect(monteCarloRowsByTwo(rows, { seed: 11, simulations: 20_000 })).toEqual(simulated);
    expect(monteCarloRowsByTwo(rows, { seed: 12, simulations: 20_000 }).p_value).not.toBe(simulated.p_value);
  });

  it('deals the smaller column, giving the same test with the columns swapped', () => {
    const rows = [[1, 9], [5, 6], [2, 8]] as const;
    const swapped = rows.map(([a, b]) => [b, a] as const);
    const exact = exactRowsByTwo(rows)!.p_value;
    expect(exactRowsByTwo(swapped)!.p_value).toBeCloseTo(exact, 14);
    const se = Math.sqrt((exact * (1 - exact)) / 20_000);
    expect(Math.abs(monteCarloRowsByTwo(swapped, { seed: 3, simulations: 20_000 }).p_value - exact)).toBeLessThan(4 * se);
  });

  it('agrees with the exact test when rows are large enough to be drawn by inversion from the mode', () => {
    // Rows of 21 and 22 samples are drawn by inversion (the 24 takes the remainder, the 4 one by one).
    const rows = [[14, 10], [8, 14], [1, 3], [12, 9]] as const;
    const exact = exactRowsByTwo(rows)!.p_value;
    const se = Math.sqrt((exact * (1 - exact)) / 20_000);
    expect(exact).toBeGreaterThan(0.2);
    expect(Math.abs(monteCarloRowsByTwo(rows, { seed: 9, simulations: 20_000 }).p_value - exact)).toBeLessThan(4 * se);
  });

  it('refuses a bad number of simulations', () => {
    expect(() => monteCarloRowsByTwo([[1, 2], [3, 4]], { seed: 1, simulations: 0 })).toThrow(/simulations/);
    expect(() => monteCarloRowsByTwo([[1, 2], [3, 4]], { seed: 1, simulations: 1e6 })).toThrow(/simulations/);
  });
});

describe("Pearson's chi-square test", () => {
  it('matches scipy chi2_contingency(correction=False) / R chisq.test(correct = FALSE)', () => {
    // scipy 1.17: statistic 13.391053391053392, dof 2, p 0.0012364304803305802
    expect(pearsonChiSquare([[30, 12], [20, 25], [10, 23]])).toEqual({
      statistic: expect.closeTo(13.391053391053392, 12),
      df: 2,
      p_value: expect.closeTo(0.0012364304803305802, 14),
    });
    // 2×2 without Yates' correction: 6.480414746543779, p 0.010906953062739047
    expect(pearsonChiSquare([[40, 22], [10, 18]])!.p_value).toBeCloseTo(0.010906953062739047, 14);
  });

  it('drops empty rows and is null with an empty column or a single row', () => {
    expect(pearsonChiSquare([[30, 12], [0, 0], [20, 25], [10, 23]])!.df).toBe(2);
    expect(pearsonChiSquare([[3, 0], [4, 0]])).toBeNull();
    expect(pearsonChiSquare([[3, 4]])).toBeNull();
  });
});
