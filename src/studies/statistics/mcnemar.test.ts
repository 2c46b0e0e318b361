import { describe, expect, it } from 'vitest';
import { mcnemarExact } from './mcnemar';

describe('exact McNemar test on majority votes', () => {
  // Fagerland MW, Lydersen S, Laake P (2013) The McNemar test for binary matched-pairs data:
  // mid-p and asymptotic are better than exact conditional. BMC Med Res Methodol 13:91, Table 1:
  // discordant pairs 1 and 7; exact conditional p = 0.070 as published. Exactly 2·9/256.
  it('gives p = 0.0703 for the AHR example of Fagerland et al. (2013)', () => {
    expect(mcnemarExact(1, 7)).toEqual({ b: 1, c: 7, p_value: 0.0703125 });
    expect(mcnemarExact(7, 1).p_value).toBe(0.0703125);
  });

  // Agresti (1990) presidential approval ratings, the example of R's ?mcnemar.test: 150 and 86
  // discordant pairs; exact p from scipy.stats.binomtest(86, 236) and exact rational arithmetic.
  it("gives the exact binomial p for Agresti's presidential approval ratings", () => {
    expect(mcnemarExact(150, 86).p_value).toBeCloseTo(3.715936139571442e-5, 17);
  });

  it('stays accurate at 100,000 discordant pairs', () => {
    // python3, exact integers: 2·Σ_{k≤49600} C(100000, k) / 2^100000 = 0.011514925490228948
    expect(mcnemarExact(49_600, 50_400).p_value / 0.011514925490228948).toBeCloseTo(1, 12);
    expect(mcnemarExact(50_010, 49_990).p_value / 0.9520893498136247).toBeCloseTo(1, 12);
  });

  it('gives p = 1 without discordant pairs or with as many each way, and 2/2^n when one side is empty', () => {
    expect(mcnemarExact(0, 0).p_value).toBe(1);
    expect(mcnemarExact(5, 5).p_value).toBe(1);
    expect(mcnemarExact(0, 10).p_value).toBeCloseTo(2 / 1024, 15);
  });

  it('refuses negative or fractional counts', () => {
    expect(() => mcnemarExact(-1, 3)).toThrow(/b must be/);
    expect(() => mcnemarExact(1, 2.5)).toThrow(/c must be/);
  });
});
