import { describe, expect, it } from 'vitest';
import { cohenKappa } from './agreement';

describe("Cohen's kappa", () => {
  it('reads the textbook table (20/5/10/15 of 50) as p_o 0.70, p_e 0.50, κ 0.40', () => {
    const result = cohenKappa([[20, 5], [10, 15]]);
    expect(result).toMatchObject({ n: 50, method: 'fleiss-cohen-everitt-1969' });
    expect(result.p_o).toBeCloseTo(0.7, 14);
    expect(result.p_e).toBeCloseTo(0.5, 14);
    expect(result.kappa).toBeCloseTo(0.4, 14);
    // Fleiss, Cohen & Everitt (1969) non-null variance by hand: (0.10972 + 0.10188 − 0.01)/(0.25·50)
    expect(result.se).toBeCloseTo(Math.sqrt(0.2016 / 12.5), 12);
    expect(result.low).toBeCloseTo(0.4 - 1.959963984540054 * Math.sqrt(0.2016 / 12.5), 12);
  });

  it("matches Stata's kapci (analytical SE) and kap (SE under κ = 0) on a published table", () => {
    // Statalist, 2009-12, "st: kappa agreement standard errors": 2×2 table 1395/118/261/158,
    // N = 1932: κ = .3411969207847029, kapci r(se) = .0262913719660408 and 95% CI
    // .2896667786271169–.3927270629422889; kap Std. Err. (under κ = 0) .0220367, Z = 15.48.
    const result = cohenKappa([[1395, 118], [261, 158]]);
    expect(result.kappa).toBeCloseTo(0.3411969207847029, 13);
    expect(result.p_e).toBeCloseTo(0.7022330671398995, 13);
    expect(result.se).toBeCloseTo(0.0262913719660408, 13);
    expect(result.low).toBeCloseTo(0.2896667786271169, 12);
    expect(result.high).toBeCloseTo(0.3927270629422889, 12);
    expect(result.p_value!).toBeLessThan(1e-50); // z = 15.48
  });

  it("matches statpsych's ci.kappa (Bonett; Fleiss & Paik 2003): κ 0.6756757, SE 0.07344761", () => {
    // ci.kappa(.05, f00 = 31, f01 = 12, f10 = 4, f11 = 58), Cohen kappa row, from its documentation.
    const result = cohenKappa([[31, 12], [4, 58]]);
    expect(result.kappa).toBeCloseTo(0.6756757, 7);
    expect(result.se).toBeCloseTo(0.07344761, 8);
    expect(result.low).toBeCloseTo(0.531721, 6);
    expect(result.high).toBeCloseTo(0.8196303, 7);
  });

  it('is null without calls or when chance agreement is already certain, and refuses tables that are not square', () => {
    expect(cohenKappa([[0, 0], [0, 0]])).toMatchObject({ kappa: null, n: 0 });
    expect(cohenKappa([[12, 0], [0, 0]])).toMatchObject({ kappa: null, p_o: 1, p_e: 1, n: 12 });
    expect(() => cohenKappa([[1, 2], [3]])).toThrow(/square/);
    expect(() => cohenKappa([[1, -2], [3, 4]])).toThrow(/table\[0\]\[1\]/);
    expect(() => cohenKappa([[1]])).toThrow(/two categories/);
  });

  it('keeps perfect agreement at κ = 1 with the interval inside [−1, 1]', () => {
    const perfect = cohenKappa([[10, 0], [0, 10]]);
    expect(perfect.kappa).toBe(1);
    expect(perfect.high).toBe(1);
  });
});
