import { describe, expect, it } from 'vitest';
import { passAtK, passHatK, repeatCurves } from './repeats';

describe('pass@k and pass^k', () => {
  it('match the worked example: n = 10, c = 3 → pass@5 = 0.916667, pass^2 = 0.066667', () => {
    // 1 − C(7,5)/C(10,5) = 1 − 21/252; C(3,2)/C(10,2) = 3/45
    expect(passAtK(10, 3, 5)).toBeCloseTo(1 - 21 / 252, 14);
    expect(passAtK(10, 3, 5)).toBeCloseTo(0.916667, 6);
    expect(passHatK(10, 3, 2)).toBeCloseTo(3 / 45, 14);
    expect(passHatK(10, 3, 2)).toBeCloseTo(0.066667, 6);
  });

  it('equal the pass rate at k = 1, and reach their limits', () => {
    expect(passAtK(10, 3, 1)).toBeCloseTo(0.3, 14);
    expect(passHatK(10, 3, 1)).toBeCloseTo(0.3, 14);
    expect(passAtK(10, 3, 8)).toBe(1); // fewer than 8 failures: some pass is certain
    expect(passHatK(10, 3, 4)).toBe(0);
    expect(passAtK(10, 0, 10)).toBe(0);
    expect(passHatK(10, 10, 10)).toBe(1);
  });

  it('stay stable where the binomial coefficients overflow (n = 2000)', () => {
    // 1 − C(1990, 100)/C(2000, 100) = 1 − Π_{i=1991}^{2000} (1 − 100/i); C(2000, 100) ≈ 1e180
    let allFail = 1;
    for (let i = 1991; i <= 2000; i++) allFail *= 1 - 100 / i;
    expect(passAtK(2000, 10, 100)).toBeCloseTo(1 - allFail, 14);
    expect(passAtK(2000, 10, 100)).toBeGreaterThan(0.4);
  });

  it('refuse impossible arguments', () => {
    expect(() => passAtK(10, 11, 2)).toThrow(/passed \(11\) cannot exceed/);
    expect(() => passAtK(10, 3, 11)).toThrow(/k \(11\) cannot exceed/);
    expect(() => passHatK(10, 3, 0)).toThrow(/k must be/);
    expect(() => passHatK(0, 0, 1)).toThrow(/samples must be/);
  });
});

describe('repeat curves over items', () => {
  it('average each item for k = 1 .. the fewest samples of any item', () => {
    const curve = repeatCurves([{ passed: 3, samples: 10 }, { passed: 4, samples: 4 }, { passed: 0, samples: 5 }]);
    expect(curve.map((point) => point.k)).toEqual([1, 2, 3, 4]);
    expect(curve[0]).toEqual({ k: 1, pass_at_k: expect.closeTo((0.3 + 1 + 0) / 3, 14), pass_hat_k: expect.closeTo((0.3 + 1 + 0) / 3, 14), items: 3 });
    expect(curve[1]!.pass_hat_k).toBeCloseTo((3 / 45 + 1 + 0) / 3, 14);
    for (let i = 1; i < curve.length; i++) {
      expect(curve[i]!.pass_at_k).toBeGreaterThanOrEqual(curve[i - 1]!.pass_at_k);
      expect(curve[i]!.pass_hat_k).toBeLessThanOrEqual(curve[i - 1]!.pass_hat_k);
    }
    expect(repeatCurves([])).toEqual([]);
  });
});
