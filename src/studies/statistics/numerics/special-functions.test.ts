import { describe, expect, it } from 'vitest';
import { lnBinomial, lnFactorial, lnGamma, regularizedBeta, regularizedGamma } from './special-functions';

describe('log-gamma, log-factorial and log-binomial', () => {
  it('matches closed forms and published values', () => {
    expect(lnGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 14); // Γ(½) = √π
    expect(lnGamma(1)).toBeCloseTo(0, 14);
    expect(lnGamma(2)).toBeCloseTo(0, 14);
    // ln 170! = 706.5730622457874 (python3 math.lgamma(171), agreeing with a table of log-factorials to 13 digits)
    expect(lnGamma(171) / 706.5730622457874).toBeCloseTo(1, 14);
    expect(lnFactorial(0)).toBe(0);
    expect(lnFactorial(10)).toBeCloseTo(Math.log(3_628_800), 12);
    expect(lnFactorial(30)).toBeCloseTo(74.65823634883017, 11); // ln 30!, python3 math.lgamma(31)
    expect(lnBinomial(10, 5)).toBeCloseTo(Math.log(252), 12);
    expect(Math.exp(lnBinomial(50, 25))).toBeCloseTo(126_410_606_437_752, -3);
  });

  it('refuses arguments outside the domain', () => {
    expect(() => lnGamma(0)).toThrow(RangeError);
    expect(() => lnFactorial(-1)).toThrow(/n must be/);
    expect(() => lnFactorial(2.5)).toThrow(/n must be/);
    expect(() => lnBinomial(3, 4)).toThrow(/cannot exceed/);
  });
});

describe('regularized incomplete gamma and beta', () => {
  it('gives exact values where closed forms exist', () => {
    // P(1, x) = 1 − e^−x; Q(1, x) = e^−x, kept to full relative precision far out.
    expect(regularizedGamma(1, 2).lower).toBeCloseTo(1 - Math.exp(-2), 14);
    expect(regularizedGamma(1, 50).upper / Math.exp(-50)).toBeCloseTo(1, 12);
    // I_½(2, 3) = Σ_{j=2..4} C(4, j)/16 = 11/16
    expect(regularizedBeta(0.5, 2, 3)).toBeCloseTo(11 / 16, 14);
    // I_x(1, b) = 1 − (1 − x)^b
    expect(regularizedBeta(0.3, 1, 4)).toBeCloseTo(1 - 0.7 ** 4, 14);
    expect(regularizedBeta(0, 2, 3)).toBe(0);
    expect(regularizedBeta(1, 2, 3)).toBe(1);
  });

  it('refuses arguments outside the domain', () => {
    expect(() => regularizedGamma(0, 1)).toThrow(/a must be/);
    expect(() => regularizedGamma(1, -1)).toThrow(/x must be/);
    expect(() => regularizedBeta(1.5, 1, 1)).toThrow(/x must be/);
    expect(() => regularizedBeta(0.5, -1, 1)).toThrow(/a and b/);
  });
});
